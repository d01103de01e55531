"""Build a warehouse from small fixture rows, through the pipeline's own path.

``WarehouseBuilder.run(ingest_date, {table: rows})`` writes each processed table's partition to
a lake (tables not given get an empty partition, as a quiet day's run would), loads every
partition into staging with ``load_partition`` and runs the SQL models. A row names only the
columns a test cares about: the others are null, ``updated_at`` defaults to the ingest day's
noon and ``created_at`` to ``updated_at``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import pyarrow as pa
from psycopg.rows import dict_row

from olist_cleaning.schemas import PROCESSED, arrow_schema
from olist_pipeline.lake import Lake
from olist_pipeline.sql_models import LAYERS, Project
from olist_pipeline.transform import ModelRun, run_models
from olist_pipeline.warehouse import PostgresWarehouse

REPO_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = REPO_ROOT / "sql"


def at(text: str) -> dt.datetime:
    """A UTC timestamp from ``'2017-11-24 10:00'``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


class WarehouseBuilder:
    def __init__(self, warehouse: PostgresWarehouse, lake: Lake, sql_dir: Path = SQL_DIR):
        self.warehouse = warehouse
        self.lake = lake
        self.project = Project(sql_dir, warehouse.dialect)

    def write_partitions(self, ingest_date: str, tables: dict[str, list[dict]]) -> None:
        unknown = set(tables) - set(PROCESSED)
        if unknown:
            raise ValueError(f"no processed tables {sorted(unknown)}")
        default_time = dt.datetime.combine(
            dt.date.fromisoformat(ingest_date), dt.time(12), tzinfo=dt.UTC
        )
        for table, spark_schema in PROCESSED.items():
            # Fixture rows leave out what a test does not need, so every column may be null.
            schema = pa.schema(f.with_nullable(True) for f in arrow_schema(spark_schema))
            rows = []
            for given in tables.get(table, []):
                row = dict.fromkeys(schema.names) | given
                if "updated_at" in row and row["updated_at"] is None:
                    row["updated_at"] = default_time
                if "created_at" in row and row["created_at"] is None:
                    row["created_at"] = row["updated_at"]
                rows.append(row)
            with self.lake.write_parquet(
                "processed", table, ingest_date, schema, run_id=f"test-{ingest_date}"
            ) as writer:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))

    def run(
        self,
        ingest_date: str,
        tables: dict[str, list[dict]] | None = None,
        layers: tuple[str, ...] = LAYERS,
    ) -> list[ModelRun]:
        """Commit ``tables`` as the day's partitions, load them and run the models."""
        self.write_partitions(ingest_date, tables or {})
        self.warehouse.create_schemas()
        for table in PROCESSED:
            self.warehouse.load_partition(self.lake, table, ingest_date)
        return run_models(self.warehouse, self.project, ingest_date=ingest_date, layers=layers)

    def rows(self, sql: str, params: dict | None = None) -> list[dict]:
        with psycopg.connect(self.warehouse.url, row_factory=dict_row) as conn:
            conn.execute("set time zone 'UTC'")
            return conn.execute(sql, params).fetchall()

    def checksum(self, relation: str) -> tuple[int, str]:
        """Row count and an order-independent checksum of a table's full contents."""
        (row,) = self.rows(
            f"select count(*) as n, md5(coalesce(string_agg(row_text, '' order by row_text), ''))"
            f" as digest from (select cast(t as text) as row_text from {relation} as t) as r"
        )
        return row["n"], row["digest"]
