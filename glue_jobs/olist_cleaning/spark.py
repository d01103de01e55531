"""Spark types of the registry's type vocabulary, and casting a frame to declared columns."""

from __future__ import annotations

import re

from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from olist_pipeline.tables import Column, Table


def spark_type(type_name: str) -> T.DataType:
    """The Spark type of a registry type name (see ``olist_pipeline.tables``)."""
    if match := re.fullmatch(r"decimal\((\d+),(\d+)\)", type_name):
        return T.DecimalType(int(match[1]), int(match[2]))
    return {
        "string": T.StringType(),
        "json": T.StringType(),
        "boolean": T.BooleanType(),
        "int16": T.ShortType(),
        "int32": T.IntegerType(),
        "int64": T.LongType(),
        "float64": T.DoubleType(),
        "timestamp": T.TimestampType(),
        "date": T.DateType(),
    }[type_name]


def spark_schema(columns: tuple[Column, ...]) -> T.StructType:
    return T.StructType([T.StructField(c.name, spark_type(c.type), c.nullable) for c in columns])


def raw_schema(table: Table) -> T.StructType:
    return spark_schema(table.columns)


def conform(df: DataFrame, columns: tuple[Column, ...]) -> DataFrame:
    """``df`` as exactly ``columns``, in their order, cast to their types."""
    missing = [column.name for column in columns if column.name not in df.columns]
    if missing:
        raise ValueError(f"columns {missing} are missing; the frame has {df.columns}")
    cast: list[SparkColumn] = [
        F.col(column.name).cast(spark_type(column.type)).alias(column.name) for column in columns
    ]
    return df.select(*cast)
