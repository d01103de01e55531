"""The warehouse side of the lake: staging tables loaded from processed partitions.

Each processed table lands in ``staging.lake_<table>``, with the partition's columns (their
types read from the partition's manifest, so the warehouse follows the processed contract
without a second copy of it) plus ``_ingest_date`` and ``_run_id``. Loading a partition
replaces that ingest date's rows in one transaction, so a rerun or a backfill leaves the
table as one load would. Locally the rows stream from the Parquet files, batch by batch, into
``COPY ... FROM STDIN``; only the files the partition's manifest commits are read.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from olist_pipeline.lake import Lake, Manifest, partition_key

SCHEMAS = ("staging", "core", "marts")
LOAD_TABLE_PREFIX = "lake_"
# Redshift's varchar is limited to 65,535 bytes and has no text type.
_REDSHIFT_TEXT = "varchar(65535)"


class UnsupportedColumnType(ValueError):
    pass


def load_table_name(table: str) -> str:
    return f"staging.{LOAD_TABLE_PREFIX}{table}"


def sql_type(arrow_type: str, dialect: str) -> str:
    """The warehouse type of a manifest column type (``str(pyarrow type)``)."""
    if match := re.fullmatch(r"decimal128\((\d+), (\d+)\)", arrow_type):
        return f"numeric({match[1]},{match[2]})"
    if arrow_type.startswith("timestamp[") and "tz=" in arrow_type:
        return "timestamptz"
    types = {
        "string": _REDSHIFT_TEXT if dialect == "redshift" else "text",
        "large_string": _REDSHIFT_TEXT if dialect == "redshift" else "text",
        "bool": "boolean",
        "int16": "smallint",
        "int32": "integer",
        "int64": "bigint",
        "double": "double precision",
        "date32[day]": "date",
    }
    if arrow_type not in types:
        raise UnsupportedColumnType(f"no warehouse type for the lake column type {arrow_type!r}")
    return types[arrow_type]


def create_load_table_sql(table: str, columns: list[dict[str, str]], dialect: str) -> str:
    """``create table if not exists`` for a load table with the partition's columns."""
    lines = [f"    {c['name']} {sql_type(c['type'], dialect)}" for c in columns]
    lines += [
        "    _ingest_date date not null",
        f"    _run_id {sql_type('string', dialect)} not null",
    ]
    body = ",\n".join(lines)
    return f"create table if not exists {load_table_name(table)} (\n{body}\n)"


def delete_partition_sql(table: str) -> str:
    return f"delete from {load_table_name(table)} where _ingest_date = %(ingest_date)s"


@dataclass(frozen=True)
class LoadResult:
    table: str
    ingest_date: str
    rows: int


class PostgresWarehouse:
    """The local warehouse: a PostgreSQL database reached through psycopg."""

    dialect = "postgres"

    def __init__(self, url: str):
        self.url = url

    def create_schemas(self) -> None:
        import psycopg

        with psycopg.connect(self.url) as conn:
            for schema in SCHEMAS:
                conn.execute(f"create schema if not exists {schema}")

    def load_partition(self, lake: Lake, table: str, ingest_date: date | str) -> LoadResult:
        """Replace ``ingest_date``'s rows of ``staging.lake_<table>`` with the partition's."""
        import psycopg

        manifest = lake.manifest("processed", table, ingest_date)
        if manifest is None:
            raise FileNotFoundError(
                f"no committed partition {partition_key('processed', table, ingest_date)}"
                f" in {lake.uri}"
            )
        names = [column["name"] for column in manifest.columns]
        column_list = ", ".join([*names, "_ingest_date", "_run_id"])
        base = partition_key("processed", table, manifest.ingest_date)
        rows = 0
        with psycopg.connect(self.url) as conn:  # one transaction: delete and copy together
            conn.execute(create_load_table_sql(table, manifest.columns, self.dialect))
            conn.execute(delete_partition_sql(table), {"ingest_date": manifest.ingest_date})
            copy_sql = f"copy {load_table_name(table)} ({column_list}) from stdin (format csv)"
            with conn.cursor().copy(copy_sql) as copy:
                for entry in manifest.files:
                    with lake.storage.open_read(f"{base}/{entry.path}") as stream:
                        for batch in pq.ParquetFile(stream).iter_batches():
                            copy.write(_csv(batch, manifest))
                            rows += batch.num_rows
        if rows != manifest.rows:
            raise RuntimeError(f"{table}: loaded {rows} rows, the manifest says {manifest.rows}")
        return LoadResult(table, manifest.ingest_date, rows)


def _csv(batch: pa.RecordBatch, manifest: Manifest) -> bytes:
    """One batch as CSV for PostgreSQL's COPY: nulls unquoted and empty, strings quoted."""
    extended = batch.append_column(
        "_ingest_date", pa.array([manifest.ingest_date] * batch.num_rows, pa.string())
    ).append_column("_run_id", pa.array([manifest.run_id] * batch.num_rows, pa.string()))
    sink = io.BytesIO()
    pa_csv.write_csv(
        extended,
        sink,
        write_options=pa_csv.WriteOptions(include_header=False, quoting_style="needed"),
    )
    return sink.getvalue()
