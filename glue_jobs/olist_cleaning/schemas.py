"""The processed zone's schemas, the contract downstream reads, and the rejected zone's.

Columns are declared in the table registry's type vocabulary (``olist_pipeline.tables``), so
the schemas need no Spark: the job casts every processed partition to exactly these columns and
types (``spark.conform``), and the quiet-day commit records them without starting Spark.
Nullability states what the quality gate may expect; Spark itself writes every Parquet column
as optional.
"""

from __future__ import annotations

import pyarrow as pa

from olist_pipeline.tables import BY_NAME, Column, Table, arrow_type

REJECT_REASON = "reject_reason"
TOTAL_MONEY = "decimal(14,2)"

_TRACKED = (Column("created_at", "timestamp"), Column("updated_at", "timestamp"))


def _raw_columns(table_name: str, *, without: tuple[str, ...] = ()) -> tuple[Column, ...]:
    """The raw columns of a table except its ``created_at``/``updated_at`` and ``without``."""
    return tuple(
        column
        for column in BY_NAME[table_name].columns
        if column.name not in {"created_at", "updated_at", *without}
    )


PROCESSED: dict[str, tuple[Column, ...]] = {
    "geolocation": (
        Column("geolocation_zip_code_prefix", "string"),
        Column("geolocation_lat", "float64"),
        Column("geolocation_lng", "float64"),
        Column("geolocation_city", "string"),
        Column("geolocation_state", "string"),
        Column("points", "int64"),
        Column("updated_at", "timestamp"),
    ),
    "product_categories": (*_raw_columns("product_categories"), *_TRACKED),
    "sellers": (*_raw_columns("sellers"), *_TRACKED),
    "products": (*_raw_columns("products"), *_TRACKED),
    "customers": (*_raw_columns("customers"), *_TRACKED),
    "orders": (
        *_raw_columns("orders"),
        Column("items_count", "int32"),
        Column("items_price", TOTAL_MONEY),
        Column("items_freight", TOTAL_MONEY),
        Column("items_revenue", TOTAL_MONEY),
        Column("payments_total", TOTAL_MONEY),
        *_TRACKED,
    ),
    "deliveries": (
        *_raw_columns("deliveries"),
        Column("delivery_days", "int32", nullable=True),
        Column("delay_days", "int32", nullable=True),
        Column("is_on_time", "boolean", nullable=True),
        *_TRACKED,
    ),
    "order_items": (
        *_raw_columns("order_items"),
        Column("item_revenue", TOTAL_MONEY),
        *_TRACKED,
    ),
    "payments": (*_raw_columns("payments"), *_TRACKED),
    "reviews": (*_raw_columns("reviews"), *_TRACKED),
    "deleted_rows": (
        *_raw_columns("deleted_rows", without=("row_data", "deleted_at")),
        Column("natural_key", "string"),
        Column("deleted_at", "timestamp"),
    ),
}


def rejected_columns(table: Table) -> tuple[Column, ...]:
    """A rejected row: the raw row as it arrived, and why it was rejected."""
    return (*table.columns, Column(REJECT_REASON, "string"))


def arrow_schema(columns: tuple[Column, ...]) -> pa.Schema:
    """The Arrow schema of ``columns`` (what a manifest records)."""
    return pa.schema([pa.field(c.name, arrow_type(c.type), nullable=c.nullable) for c in columns])
