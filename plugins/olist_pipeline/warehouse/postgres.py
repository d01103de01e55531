"""The local warehouse: a PostgreSQL database, reached through psycopg and ADBC.

A partition's rows stream from its Parquet files, batch by batch, into PostgreSQL's binary
``COPY ... FROM STDIN`` (ADBC); only the files the partition's manifest commits are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from olist_pipeline.lake.partitions import Lake, Manifest, partition_key
from olist_pipeline.warehouse.protocol import (
    SCHEMAS,
    LoadResult,
    Script,
    Statement,
    create_load_table_sql,
    load_table_name,
)

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

    def run_script(self, statements: Script) -> None:
        """Run ``statements`` in one transaction: all of them take effect, or none."""
        import psycopg

        with psycopg.connect(self.url, options=_SESSION_OPTIONS) as conn:
            for statement in statements:
                if isinstance(statement, Statement):
                    conn.execute(statement.sql, statement.params or None)
                else:
                    conn.execute(statement)

    def _vacuum(self, relation: str) -> None:
        """Reclaim the rows a load's delete + insert left dead and refresh the planner's
        statistics, so the models reading ``relation`` plan for its real size."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:  # vacuum runs outside one
            conn.execute(f"vacuum (analyze) {relation}")

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
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
                f"delete from {load_table_name(table)} where _ingest_date = $1",
                (date.fromisoformat(manifest.ingest_date),),
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
        self._vacuum(load_table_name(table))
        return LoadResult(table, manifest.ingest_date, rows)


def _with_load_columns(batch: pa.RecordBatch, manifest: Manifest) -> pa.RecordBatch:
    """The batch with the load's own columns: the partition's ingest date and run id."""
    rows = batch.num_rows
    day = date.fromisoformat(manifest.ingest_date)
    return batch.append_column("_ingest_date", pa.array([day] * rows, pa.date32())).append_column(
        "_run_id", pa.array([manifest.run_id] * rows, pa.string())
    )
