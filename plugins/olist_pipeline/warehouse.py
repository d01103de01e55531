"""The warehouse side of the lake: staging tables loaded from processed partitions.

Each processed table lands in ``staging.lake_<table>``, with the partition's columns (their
types read from the partition's manifest, so the warehouse follows the processed contract
without a second copy of it) plus ``_ingest_date`` and ``_run_id``. Loading a partition
replaces that ingest date's rows in one transaction, so a rerun or a backfill leaves the
table as one load would. Locally the rows stream from the Parquet files, batch by batch, into
PostgreSQL's binary ``COPY ... FROM STDIN`` (ADBC); on Redshift, ``COPY ... FORMAT AS PARQUET``
reads them from S3 (``olist_pipeline.redshift``). Only the files the partition's manifest
commits are read.

``PostgresWarehouse`` and ``RedshiftWarehouse`` offer the same methods (``create_schemas``,
``load_partition``, ``run_script``, ``query``, ``maintain``); the warehouse connection's type
picks one (``olist_pipeline.connections.warehouse``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from olist_pipeline.lake import Lake, Manifest, partition_key

SCHEMAS = ("staging", "core", "marts", "audit")
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
    # Every load deletes one ingest date: Redshift sorts by it, PostgreSQL indexes it.
    options = "\ncompound sortkey (_ingest_date)" if dialect == "redshift" else ""
    return f"create table if not exists {load_table_name(table)} (\n{body}\n){options}"


@dataclass(frozen=True)
class LoadResult:
    table: str
    ingest_date: str
    rows: int


# Memory for the models' sorts, hashes and temp tables (the defaults, 4 MB and 8 MB, spill a
# full load's joins to disk), and no JIT: compiling a query costs more than these short ones
# take. This session only.
_SESSION_OPTIONS = "-c work_mem=64MB -c temp_buffers=256MB -c jit=off"


class PostgresWarehouse:
    """The local warehouse: a PostgreSQL database reached through psycopg."""

    dialect = "postgres"

    def __init__(self, url: str):
        self.url = url

    def create_schemas(self) -> None:
        self.run_script([f"create schema if not exists {schema}" for schema in SCHEMAS])

    def run_script(self, statements: list[str]) -> None:
        """Run ``statements`` in one transaction: all of them take effect, or none."""
        import psycopg

        with psycopg.connect(self.url, options=_SESSION_OPTIONS) as conn:
            for statement in statements:
                conn.execute(statement)

    def maintain(self, relation: str) -> None:
        """Reclaim the rows a model's delete + insert left dead and refresh the planner's
        statistics, so the next model reading ``relation`` plans for its real size."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:  # vacuum runs outside one
            conn.execute(f"vacuum (analyze) {relation}")

    def query(self, sql: str, params: dict | None = None) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()

    def load_partition(self, lake: Lake, table: str, ingest_date: date | str) -> LoadResult:
        """Replace ``ingest_date``'s rows of ``staging.lake_<table>`` with the partition's."""
        from contextlib import closing

        import adbc_driver_postgresql.dbapi as adbc

        manifest = lake.manifest("processed", table, ingest_date)
        if manifest is None:
            raise FileNotFoundError(
                f"no committed partition {partition_key('processed', table, ingest_date)}"
                f" in {lake.uri}"
            )
        base = partition_key("processed", table, manifest.ingest_date)
        schema, _, name = load_table_name(table).partition(".")
        rows = 0
        # One transaction: the table, the day's delete and the rows commit together. ADBC
        # streams the Arrow batches as binary COPY, so values cross without a text round trip.
        with closing(adbc.connect(self.url)) as conn, closing(conn.cursor()) as cursor:
            cursor.execute(create_load_table_sql(table, manifest.columns, self.dialect))
            cursor.execute(
                f"create index if not exists {name}_ingest_date on {schema}.{name} (_ingest_date)"
            )
            cursor.execute(
                f"delete from {load_table_name(table)}"
                f" where _ingest_date = '{date.fromisoformat(manifest.ingest_date)}'"
            )
            for entry in manifest.files:
                with lake.storage.open_read(f"{base}/{entry.path}") as stream:
                    for batch in pq.ParquetFile(stream).iter_batches():
                        if batch.num_rows:
                            cursor.adbc_ingest(
                                name,
                                _with_load_columns(batch, manifest),
                                "append",
                                db_schema_name=schema,
                            )
                            rows += batch.num_rows
            if rows != manifest.rows:
                conn.rollback()
                raise RuntimeError(
                    f"{table}: read {rows} rows, the manifest says {manifest.rows}; nothing loaded"
                )
            conn.commit()
        self.maintain(load_table_name(table))
        return LoadResult(table, manifest.ingest_date, rows)


def _with_load_columns(batch: pa.RecordBatch, manifest: Manifest) -> pa.RecordBatch:
    """The batch with the load's own columns: the partition's ingest date and run id."""
    rows = batch.num_rows
    day = date.fromisoformat(manifest.ingest_date)
    return batch.append_column("_ingest_date", pa.array([day] * rows, pa.date32())).append_column(
        "_run_id", pa.array([manifest.run_id] * rows, pa.string())
    )
