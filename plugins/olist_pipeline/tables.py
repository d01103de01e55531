"""The shop tables the pipeline moves, declared once for extract, cleaning and quality.

Column types use a small vocabulary that each consumer maps to its own type system
(``arrow_type`` here for the extract and the manifests; the Glue job maps the same names to
Spark types): ``string``, ``boolean``, ``int16``, ``int32``, ``int64``, ``float64``,
``decimal(p,s)``, ``timestamp`` (UTC, microseconds), ``date`` and ``json`` (a JSON document
carried as a string).

Shipped with the Glue job (see ``glue_jobs/olist_cleaning/packaging.py``): it imports nothing
of the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a schema is built: the DAG file imports this registry
    import pyarrow as pa

MONEY = "decimal(12,2)"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    """One shop table as the lake sees it.

    ``key`` is the natural key rows are deduplicated and merged on (not a surrogate ``id``);
    ``changed_at`` is the column the incremental extract filters on.
    """

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    changed_at: str = "updated_at"

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def arrow_schema(self) -> pa.Schema:
        import pyarrow as pa

        return pa.schema(
            [pa.field(c.name, arrow_type(c.type), nullable=c.nullable) for c in self.columns]
        )


def arrow_type(type_name: str) -> pa.DataType:
    import pyarrow as pa

    if match := re.fullmatch(r"decimal\((\d+),(\d+)\)", type_name):
        return pa.decimal128(int(match[1]), int(match[2]))
    return {
        "string": pa.string(),
        "json": pa.string(),
        "boolean": pa.bool_(),
        "int16": pa.int16(),
        "int32": pa.int32(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "date": pa.date32(),
    }[type_name]


def _tracked(*columns: Column) -> tuple[Column, ...]:
    return (*columns, Column("created_at", "timestamp"), Column("updated_at", "timestamp"))


GEOLOCATION = Table(
    "geolocation",
    key=("id",),
    columns=_tracked(
        Column("id", "int64"),
        Column("geolocation_zip_code_prefix", "string"),
        Column("geolocation_lat", "float64"),
        Column("geolocation_lng", "float64"),
        Column("geolocation_city", "string"),
        Column("geolocation_state", "string"),
    ),
)
PRODUCT_CATEGORIES = Table(
    "product_categories",
    key=("product_category_name",),
    columns=_tracked(
        Column("product_category_name", "string"),
        Column("product_category_name_english", "string", nullable=True),
    ),
)
SELLERS = Table(
    "sellers",
    key=("seller_id",),
    columns=_tracked(
        Column("seller_id", "string"),
        Column("seller_zip_code_prefix", "string"),
        Column("seller_city", "string"),
        Column("seller_state", "string"),
    ),
)
PRODUCTS = Table(
    "products",
    key=("product_id",),
    columns=_tracked(
        Column("product_id", "string"),
        Column("product_category_name", "string", nullable=True),
        Column("product_name_length", "int32", nullable=True),
        Column("product_description_length", "int32", nullable=True),
        Column("product_photos_qty", "int32", nullable=True),
        Column("product_weight_g", "int32", nullable=True),
        Column("product_length_cm", "int32", nullable=True),
        Column("product_height_cm", "int32", nullable=True),
        Column("product_width_cm", "int32", nullable=True),
    ),
)
CUSTOMERS = Table(
    "customers",
    key=("customer_id",),
    columns=_tracked(
        Column("customer_id", "string"),
        Column("customer_unique_id", "string"),
        Column("customer_zip_code_prefix", "string"),
        Column("customer_city", "string"),
        Column("customer_state", "string"),
    ),
)
ORDERS = Table(
    "orders",
    key=("order_id",),
    columns=_tracked(
        Column("order_id", "string"),
        Column("customer_id", "string"),
        Column("order_status", "string"),
        Column("order_purchase_timestamp", "timestamp"),
        Column("order_approved_at", "timestamp", nullable=True),
        Column("order_invoiced_at", "timestamp", nullable=True),
        Column("order_canceled_at", "timestamp", nullable=True),
    ),
)
DELIVERIES = Table(
    "deliveries",
    key=("order_id",),
    columns=_tracked(
        Column("order_id", "string"),
        Column("order_delivered_carrier_date", "timestamp", nullable=True),
        Column("order_delivered_customer_date", "timestamp", nullable=True),
        Column("order_estimated_delivery_date", "date"),
    ),
)
ORDER_ITEMS = Table(
    "order_items",
    key=("order_id", "order_item_id"),
    columns=_tracked(
        Column("id", "int64"),
        Column("order_id", "string"),
        Column("order_item_id", "int16"),
        Column("product_id", "string"),
        Column("seller_id", "string"),
        Column("shipping_limit_date", "timestamp"),
        Column("price", MONEY),
        Column("freight_value", MONEY),
    ),
)
PAYMENTS = Table(
    "payments",
    key=("order_id", "payment_sequential"),
    columns=_tracked(
        Column("id", "int64"),
        Column("order_id", "string"),
        Column("payment_sequential", "int16"),
        Column("payment_type", "string"),
        Column("payment_installments", "int16"),
        Column("payment_value", MONEY),
    ),
)
REVIEWS = Table(
    "reviews",
    key=("review_id", "order_id"),
    columns=_tracked(
        Column("id", "int64"),
        Column("review_id", "string"),
        Column("order_id", "string"),
        Column("review_score", "int16"),
        Column("review_comment_title", "string", nullable=True),
        Column("review_comment_message", "string", nullable=True),
        Column("review_creation_date", "timestamp"),
        Column("review_answer_timestamp", "timestamp", nullable=True),
    ),
)
DELETED_ROWS = Table(
    "deleted_rows",
    key=("id",),
    columns=(
        Column("id", "int64"),
        Column("table_name", "string"),
        Column("row_key", "string"),
        Column("row_data", "json"),
        Column("deleted_at", "timestamp"),
    ),
    changed_at="deleted_at",
)

# Dependency order: a table's references point only to tables before it.
TABLES: tuple[Table, ...] = (
    GEOLOCATION,
    PRODUCT_CATEGORIES,
    SELLERS,
    PRODUCTS,
    CUSTOMERS,
    ORDERS,
    DELIVERIES,
    ORDER_ITEMS,
    PAYMENTS,
    REVIEWS,
    DELETED_ROWS,
)
BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}

# Tables that belong to one order: an incremental extract takes an order together with all of
# them, so every partition holds whole orders (see ``lake/extract.py``).
ORDER_PARTS: tuple[str, ...] = ("deliveries", "order_items", "payments", "reviews")
