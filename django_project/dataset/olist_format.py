"""The Kaggle "Brazilian E-Commerce Public Dataset by Olist" file format, in one place.

Both the synthetic generator (writes) and the loader (reads) use these definitions, so the two
cannot drift apart. The quirks reproduced here were read off the real release:

* every header cell is quoted, except in the category translation file;
* a text value is quoted when it starts with a digit or contains a comma, a quote or a line
  break (so ids like ``"0a1b..."``, zip prefixes like ``"01037"`` and timestamps are quoted, while
  ``perfumaria`` or ``sao paulo`` are not); numbers are never quoted;
* money has two decimals; empty values are empty (no ``NULL`` marker);
* the translation file starts with a UTF-8 BOM, ends lines with CRLF, and has no final newline;
  the other files end lines with LF, including the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["text", "int", "money", "float", "timestamp"]


@dataclass(frozen=True)
class OlistFile:
    """One CSV file of the release: its name, its columns (in order) and their kinds."""

    table: str
    file_name: str
    columns: tuple[tuple[str, ColumnKind], ...]
    bom: bool = False
    line_end: str = "\n"
    quote_header: bool = True
    final_newline: bool = True

    @property
    def header(self) -> list[str]:
        return [name for name, _ in self.columns]


CUSTOMERS = OlistFile(
    table="customers",
    file_name="olist_customers_dataset.csv",
    columns=(
        ("customer_id", "text"),
        ("customer_unique_id", "text"),
        ("customer_zip_code_prefix", "text"),
        ("customer_city", "text"),
        ("customer_state", "text"),
    ),
)
GEOLOCATION = OlistFile(
    table="geolocation",
    file_name="olist_geolocation_dataset.csv",
    columns=(
        ("geolocation_zip_code_prefix", "text"),
        ("geolocation_lat", "float"),
        ("geolocation_lng", "float"),
        ("geolocation_city", "text"),
        ("geolocation_state", "text"),
    ),
)
ORDER_ITEMS = OlistFile(
    table="order_items",
    file_name="olist_order_items_dataset.csv",
    columns=(
        ("order_id", "text"),
        ("order_item_id", "int"),
        ("product_id", "text"),
        ("seller_id", "text"),
        ("shipping_limit_date", "timestamp"),
        ("price", "money"),
        ("freight_value", "money"),
    ),
)
PAYMENTS = OlistFile(
    table="payments",
    file_name="olist_order_payments_dataset.csv",
    columns=(
        ("order_id", "text"),
        ("payment_sequential", "int"),
        ("payment_type", "text"),
        ("payment_installments", "int"),
        ("payment_value", "money"),
    ),
)
REVIEWS = OlistFile(
    table="reviews",
    file_name="olist_order_reviews_dataset.csv",
    columns=(
        ("review_id", "text"),
        ("order_id", "text"),
        ("review_score", "int"),
        ("review_comment_title", "text"),
        ("review_comment_message", "text"),
        ("review_creation_date", "timestamp"),
        ("review_answer_timestamp", "timestamp"),
    ),
)
ORDERS = OlistFile(
    table="orders",
    file_name="olist_orders_dataset.csv",
    columns=(
        ("order_id", "text"),
        ("customer_id", "text"),
        ("order_status", "text"),
        ("order_purchase_timestamp", "timestamp"),
        ("order_approved_at", "timestamp"),
        ("order_delivered_carrier_date", "timestamp"),
        ("order_delivered_customer_date", "timestamp"),
        ("order_estimated_delivery_date", "timestamp"),
    ),
)
PRODUCTS = OlistFile(
    table="products",
    file_name="olist_products_dataset.csv",
    columns=(
        ("product_id", "text"),
        ("product_category_name", "text"),
        # The release misspells these two headers; the shop's columns spell them right.
        ("product_name_lenght", "int"),
        ("product_description_lenght", "int"),
        ("product_photos_qty", "int"),
        ("product_weight_g", "int"),
        ("product_length_cm", "int"),
        ("product_height_cm", "int"),
        ("product_width_cm", "int"),
    ),
)
SELLERS = OlistFile(
    table="sellers",
    file_name="olist_sellers_dataset.csv",
    columns=(
        ("seller_id", "text"),
        ("seller_zip_code_prefix", "text"),
        ("seller_city", "text"),
        ("seller_state", "text"),
    ),
)
CATEGORY_TRANSLATION = OlistFile(
    table="product_categories",
    file_name="product_category_name_translation.csv",
    columns=(
        ("product_category_name", "text"),
        ("product_category_name_english", "text"),
    ),
    bom=True,
    line_end="\r\n",
    quote_header=False,
    final_newline=False,
)

# In dependency order: a file's references point only to files listed before it.
ALL_FILES: tuple[OlistFile, ...] = (
    GEOLOCATION,
    CATEGORY_TRANSLATION,
    SELLERS,
    PRODUCTS,
    CUSTOMERS,
    ORDERS,
    ORDER_ITEMS,
    PAYMENTS,
    REVIEWS,
)
BY_FILE_NAME = {f.file_name: f for f in ALL_FILES}

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def _needs_quotes(value: str) -> bool:
    return bool(value) and (value[0].isdigit() or any(c in value for c in (",", '"', "\n", "\r")))


def format_text(value: str | None) -> str:
    """Render a text cell the way the release does (see the module docstring)."""
    if value is None or value == "":
        return ""
    if _needs_quotes(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def format_header(spec: OlistFile) -> str:
    if spec.quote_header:
        return ",".join(f'"{name}"' for name in spec.header)
    return ",".join(spec.header)


def format_money(cents: int) -> str:
    """Render an amount kept in whole cents with two decimals; integer cents keep sums exact."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units}.{rest:02d}"


def format_float(value: float) -> str:
    """Render a coordinate as the release does: the shortest repr that round-trips."""
    return repr(float(value))
