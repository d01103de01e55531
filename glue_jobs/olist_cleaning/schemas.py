"""Spark types of the raw zone and the processed zone's schemas, the contract downstream reads.

Raw types come from the table registry (``olist_pipeline.tables``); the processed schemas are
declared here once and every processed partition is written in exactly this column order and
these types (``conform``). Nullability states what the quality gate may expect; Spark itself
writes every Parquet column as optional.
"""

from __future__ import annotations

import re

import pyarrow as pa
from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from olist_pipeline.tables import BY_NAME, Table

REJECT_REASON = "reject_reason"
TOTAL_MONEY = T.DecimalType(14, 2)


def spark_type(type_name: str) -> T.DataType:
    """The Spark type of a registry type name (see ``olist_pipeline.tables``)."""
    if match := re.fullmatch(r"decimal\((\d+),(\d+)\)", type_name):
        return T.DecimalType(int(match[1]), int(match[2]))
    return {
        "string": T.StringType(),
        "json": T.StringType(),
        "int16": T.ShortType(),
        "int32": T.IntegerType(),
        "int64": T.LongType(),
        "float64": T.DoubleType(),
        "timestamp": T.TimestampType(),
        "date": T.DateType(),
    }[type_name]


def raw_schema(table: Table) -> T.StructType:
    return T.StructType(
        [T.StructField(c.name, spark_type(c.type), c.nullable) for c in table.columns]
    )


def _raw_fields(table_name: str, *, without: tuple[str, ...] = ()) -> list[T.StructField]:
    """The raw fields of a table except its ``created_at``/``updated_at`` and ``without``."""
    return [
        field
        for field in raw_schema(BY_NAME[table_name]).fields
        if field.name not in {"created_at", "updated_at", *without}
    ]


def _field(name: str, data_type: T.DataType, nullable: bool = False) -> T.StructField:
    return T.StructField(name, data_type, nullable)


_TRACKED = [_field("created_at", T.TimestampType()), _field("updated_at", T.TimestampType())]

PROCESSED: dict[str, T.StructType] = {
    "geolocation": T.StructType(
        [
            _field("geolocation_zip_code_prefix", T.StringType()),
            _field("geolocation_lat", T.DoubleType()),
            _field("geolocation_lng", T.DoubleType()),
            _field("geolocation_city", T.StringType()),
            _field("geolocation_state", T.StringType()),
            _field("points", T.LongType()),
            _field("updated_at", T.TimestampType()),
        ]
    ),
    "product_categories": T.StructType([*_raw_fields("product_categories"), *_TRACKED]),
    "sellers": T.StructType([*_raw_fields("sellers"), *_TRACKED]),
    "products": T.StructType([*_raw_fields("products"), *_TRACKED]),
    "customers": T.StructType([*_raw_fields("customers"), *_TRACKED]),
    "orders": T.StructType(
        [
            *_raw_fields("orders"),
            _field("items_count", T.IntegerType()),
            _field("items_price", TOTAL_MONEY),
            _field("items_freight", TOTAL_MONEY),
            _field("items_revenue", TOTAL_MONEY),
            _field("payments_total", TOTAL_MONEY),
            *_TRACKED,
        ]
    ),
    "deliveries": T.StructType(
        [
            *_raw_fields("deliveries"),
            _field("delivery_days", T.IntegerType(), nullable=True),
            _field("delay_days", T.IntegerType(), nullable=True),
            _field("is_on_time", T.BooleanType(), nullable=True),
            *_TRACKED,
        ]
    ),
    "order_items": T.StructType(
        [*_raw_fields("order_items"), _field("item_revenue", TOTAL_MONEY), *_TRACKED]
    ),
    "payments": T.StructType([*_raw_fields("payments"), *_TRACKED]),
    "reviews": T.StructType([*_raw_fields("reviews"), *_TRACKED]),
    "deleted_rows": T.StructType(
        [
            *_raw_fields("deleted_rows", without=("row_data", "deleted_at")),
            _field("natural_key", T.StringType()),
            _field("deleted_at", T.TimestampType()),
        ]
    ),
}


def rejected_schema(table: Table) -> T.StructType:
    return T.StructType([*raw_schema(table).fields, _field(REJECT_REASON, T.StringType())])


def conform(df: DataFrame, schema: T.StructType) -> DataFrame:
    """``df`` as exactly ``schema``'s columns, in its order, cast to its types."""
    missing = [field.name for field in schema.fields if field.name not in df.columns]
    if missing:
        raise ValueError(f"columns {missing} are missing; the frame has {df.columns}")
    columns: list[SparkColumn] = [
        F.col(field.name).cast(field.dataType).alias(field.name) for field in schema.fields
    ]
    return df.select(*columns)


def arrow_type(data_type: T.DataType) -> pa.DataType:
    if isinstance(data_type, T.DecimalType):
        return pa.decimal128(data_type.precision, data_type.scale)
    return {
        T.StringType: pa.string(),
        T.ShortType: pa.int16(),
        T.IntegerType: pa.int32(),
        T.LongType: pa.int64(),
        T.DoubleType: pa.float64(),
        T.BooleanType: pa.bool_(),
        T.TimestampType: pa.timestamp("us", tz="UTC"),
        T.DateType: pa.date32(),
    }[type(data_type)]


def arrow_schema(schema: T.StructType) -> pa.Schema:
    """The Arrow schema of what Spark writes for ``schema`` (recorded in manifests)."""
    return pa.schema(
        [pa.field(f.name, arrow_type(f.dataType), nullable=f.nullable) for f in schema.fields]
    )
