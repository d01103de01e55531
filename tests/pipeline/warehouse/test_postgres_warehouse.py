"""Loading processed partitions into the warehouse's staging tables (PostgreSQL, locally)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import psycopg
import pyarrow as pa
import pytest
from support.workers import per_worker

from config.postgres import ensure_database, resolve_database_url, with_database
from olist_pipeline.warehouse.postgres import PostgresWarehouse
from olist_pipeline.warehouse.protocol import (
    UnsupportedColumnType,
    create_load_table_sql,
    sql_type,
)

pytestmark = pytest.mark.integration

WAREHOUSE_DATABASE = per_worker("pipeline_test_warehouse")
UTC = dt.UTC
SCHEMA = pa.schema(
    [
        pa.field("order_id", pa.string(), nullable=False),
        pa.field("comment", pa.string()),
        pa.field("items_revenue", pa.decimal128(14, 2), nullable=False),
        pa.field("purchased_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("estimated", pa.date32()),
        pa.field("is_on_time", pa.bool_()),
        pa.field("items_count", pa.int32()),
        pa.field("lat", pa.float64()),
    ]
)
ROWS = [
    {
        "order_id": "a" * 32,
        "comment": 'says "great", then\na new line',
        "items_revenue": Decimal("1234.50"),
        "purchased_at": dt.datetime(2017, 11, 24, 13, 5, 7, 123456, tzinfo=UTC),
        "estimated": dt.date(2017, 12, 10),
        "is_on_time": True,
        "items_count": 3,
        "lat": -23.5505,
    },
    {
        "order_id": "b" * 32,
        "comment": None,
        "items_revenue": Decimal("0.00"),
        "purchased_at": dt.datetime(2018, 1, 1, 0, 0, tzinfo=UTC),
        "estimated": None,
        "is_on_time": None,
        "items_count": None,
        "lat": None,
    },
    {
        "order_id": "c" * 32,
        "comment": "",
        "items_revenue": Decimal("9.99"),
        "purchased_at": dt.datetime(2018, 6, 30, 23, 59, 59, tzinfo=UTC),
        "estimated": dt.date(2018, 7, 3),
        "is_on_time": False,
        "items_count": 1,
        "lat": 0.0,
    },
]


@pytest.fixture
def warehouse() -> PostgresWarehouse:
    url = with_database(resolve_database_url(), WAREHOUSE_DATABASE)
    ensure_database(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop schema if exists staging cascade")
    warehouse = PostgresWarehouse(url)
    warehouse.create_schemas()
    return warehouse


def commit(lake, day: str, rows: list[dict], run_id: str = "run-1") -> None:
    with lake.write_parquet("processed", "orders", day, SCHEMA, run_id=run_id) as writer:
        writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))


def staged(warehouse: PostgresWarehouse) -> list[tuple]:
    with psycopg.connect(warehouse.url) as conn:
        conn.execute("set time zone 'UTC'")
        return conn.execute(
            "select order_id, comment, items_revenue, purchased_at, estimated, is_on_time,"
            " items_count, lat, _ingest_date, _run_id from staging.lake_orders"
            " order by _ingest_date, order_id"
        ).fetchall()


def test_a_partition_loads_value_for_value(warehouse, lake):
    commit(lake, "2026-11-24", ROWS)

    result = warehouse.load_partition(lake, "orders", "2026-11-24")

    assert result.rows == 3
    loaded = staged(warehouse)
    for row, expected in zip(loaded, ROWS, strict=True):
        assert row[:8] == tuple(expected.values())
        assert row[8:] == (dt.date(2026, 11, 24), "run-1")


def test_loading_a_partition_again_replaces_its_rows_and_keeps_other_days(warehouse, lake):
    commit(lake, "2026-11-23", ROWS[:1])
    commit(lake, "2026-11-24", ROWS)
    warehouse.load_partition(lake, "orders", "2026-11-23")
    warehouse.load_partition(lake, "orders", "2026-11-24")

    commit(lake, "2026-11-24", ROWS[1:], run_id="run-2")
    warehouse.load_partition(lake, "orders", "2026-11-24")

    by_day = [(row[8].isoformat(), row[0][0], row[9]) for row in staged(warehouse)]
    assert by_day == [
        ("2026-11-23", "a", "run-1"),
        ("2026-11-24", "b", "run-2"),
        ("2026-11-24", "c", "run-2"),
    ]


def test_a_missing_partition_changes_nothing(warehouse, lake):
    commit(lake, "2026-11-24", ROWS)
    warehouse.load_partition(lake, "orders", "2026-11-24")

    with pytest.raises(FileNotFoundError, match="processed/orders/ingest_date=2026-11-25"):
        warehouse.load_partition(lake, "orders", "2026-11-25")
    assert len(staged(warehouse)) == 3


def test_load_tables_take_their_types_from_the_manifest():
    columns = [{"name": name, "type": str(SCHEMA.field(name).type)} for name in SCHEMA.names]
    ddl = create_load_table_sql("orders", columns, "postgres")
    assert "items_revenue numeric(14,2)" in ddl
    assert "purchased_at timestamptz" in ddl
    assert "estimated date" in ddl
    assert "_ingest_date date not null" in ddl
    # a load replaces one ingest date: Redshift keeps the table sorted by it
    assert create_load_table_sql("orders", columns, "redshift").endswith(
        "\ncompound sortkey (_ingest_date)"
    )
    assert sql_type("string", "redshift") == "varchar(65535)"
    with pytest.raises(UnsupportedColumnType, match="list<item: int64>"):
        sql_type("list<item: int64>", "postgres")
