"""The extract from the shop's PostgreSQL into the lake's raw zone, on a real tiny shop.

Read-only tests use ``loaded_shop_url``; tests that change the shop take their own ``shop_url``
copy. Where a test needs rows "changed" at chosen instants it writes ``updated_at`` with the
shop's triggers switched off for that transaction (``session_replication_role = replica``),
because the touch trigger would otherwise overwrite the value with ``now()``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from olist_pipeline.lake.extract import SchemaDrift, extract_tables
from olist_pipeline.lake.partitions import ChangedRange, Interval, Lake, partition_key
from olist_pipeline.tables import BY_NAME, ORDER_PARTS, TABLES, Table

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[3]
DAY = date(2024, 3, 1)
WINDOW_START = datetime(2020, 1, 1, tzinfo=UTC)
WINDOW_END = datetime(2020, 1, 2, tzinfo=UTC)
LOOKBACK = timedelta(minutes=15)


def full_refresh(url: str, lake: Lake, *, run_id: str = "run-full", **options) -> list:
    return extract_tables(
        url,
        lake,
        ingest_date=DAY,
        run_id=run_id,
        interval_start=None,
        interval_end=datetime.now(UTC),
        full_refresh=True,
        **options,
    )


def incremental(url: str, lake: Lake, start, end, *, lookback=LOOKBACK) -> list:
    return extract_tables(
        url,
        lake,
        ingest_date=DAY,
        run_id="run-incremental",
        interval_start=start,
        interval_end=end,
        full_refresh=False,
        lookback=lookback,
    )


def shop_rows(url: str, table: Table, where: str = "true") -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(
            f"select {', '.join(table.column_names)} from {table.name} where {where}"
            f" order by {', '.join(table.key)}"
        ).fetchall()


def lake_rows(lake: Lake, table: Table) -> list[dict]:
    rows = lake.read_table("raw", table.name, DAY).to_pylist()
    if table.name == "deleted_rows":
        for row in rows:
            row["row_data"] = json.loads(row["row_data"])
    return sorted(rows, key=lambda row: tuple(row[k] for k in table.key))


def lake_keys(lake: Lake, table_name: str, column: str) -> set:
    return set(lake.read_table("raw", table_name, DAY).column(column).to_pylist())


def column_values(url: str, query: str) -> set:
    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute(query).fetchall()}


def set_changed_at(url: str, statements: list[tuple[str, str, datetime]]) -> None:
    """``(table, where, moment)``: mark rows as changed at ``moment``, triggers off."""
    with psycopg.connect(url) as conn:
        conn.execute("set local session_replication_role = replica")
        for table, where, moment in statements:
            conn.execute(f"update {table} set updated_at = %s where {where}", [moment])


def test_a_full_refresh_copies_every_table_exactly(loaded_shop_url, lake):
    extracts = full_refresh(loaded_shop_url, lake)

    assert [e.table for e in extracts] == [t.name for t in TABLES]
    json.dumps([e.as_dict() for e in extracts])  # what the Airflow task hands on
    snapshots = set()
    for table, result in zip(TABLES, extracts, strict=True):
        expected = shop_rows(loaded_shop_url, table)
        stored = lake.read_table("raw", table.name, DAY)
        assert stored.schema.equals(table.arrow_schema()), table.name
        assert lake_rows(lake, table) == expected, table.name
        manifest = lake.manifest("raw", table.name, DAY)
        assert manifest.rows == result.rows == len(expected)
        assert result.bytes == sum(f.bytes for f in manifest.files)
        changed = [row[table.changed_at] for row in expected]
        assert manifest.details.updated_at_range == ChangedRange(
            min=min(changed).isoformat() if changed else None,
            max=max(changed).isoformat() if changed else None,
        )
        assert manifest.details.full_refresh is True
        assert manifest.details.source_table == table.name
        assert manifest.details.unique_key is True  # every key is a primary key or unique
        snapshots.add(manifest.details.snapshot)
    assert len(snapshots) == 1

    item = lake_rows(lake, BY_NAME["order_items"])[0]
    assert isinstance(item["price"], Decimal)
    assert item["price"].as_tuple().exponent == -2
    assert item["shipping_limit_date"].tzinfo is not None
    assert (
        lake.read_table("raw", "deliveries", DAY).schema.field("order_estimated_delivery_date").type
        == BY_NAME["deliveries"].arrow_schema().field("order_estimated_delivery_date").type
    )


def test_an_interval_takes_the_changed_rows_and_their_closure(shop_url, lake):
    order_a, order_b, order_before, order_at_end = sorted(
        column_values(
            shop_url,
            "select order_id from orders o where exists"
            " (select from order_items i where i.order_id = o.order_id)"
            " and exists (select from payments p where p.order_id = o.order_id)"
            " order by order_id limit 4",
        )
    )
    selected = f"order_id in ('{order_a}', '{order_b}')"
    [lonely_product] = column_values(
        shop_url,
        "select product_id from products where product_category_name is not null"
        f" and product_id not in (select product_id from order_items where {selected})"
        " order by product_id limit 1",
    )
    [lonely_customer] = column_values(
        shop_url,
        f"select customer_id from customers where customer_id not in"
        f" (select customer_id from orders where {selected}) order by customer_id limit 1",
    )
    [category] = column_values(
        shop_url,
        "select product_category_name from product_categories where product_category_name"
        " not in (select coalesce(product_category_name, '') from products)"
        " order by 1 limit 1",
    )
    [geolocation_id] = column_values(shop_url, "select min(id) from geolocation")
    set_changed_at(
        shop_url,
        [
            ("orders", f"order_id = '{order_a}'", WINDOW_START + timedelta(hours=10)),
            # Inside the lookback, before the interval proper.
            ("payments", f"order_id = '{order_b}'", WINDOW_START - timedelta(minutes=10)),
            ("products", f"product_id = '{lonely_product}'", WINDOW_START + timedelta(hours=5)),
            ("customers", f"customer_id = '{lonely_customer}'", WINDOW_START),
            ("product_categories", f"product_category_name = '{category}'", WINDOW_START),
            ("geolocation", f"id = {geolocation_id}", WINDOW_END - timedelta(microseconds=1)),
            # Just outside: before the lookback, and at the (exclusive) end.
            ("orders", f"order_id = '{order_before}'", WINDOW_START - timedelta(minutes=20)),
            ("deliveries", f"order_id = '{order_at_end}'", WINDOW_END),
        ],
    )

    incremental(shop_url, lake, WINDOW_START, WINDOW_END)

    assert lake_keys(lake, "orders", "order_id") == {order_a, order_b}
    for part in ORDER_PARTS:
        assert lake_rows(lake, BY_NAME[part]) == shop_rows(shop_url, BY_NAME[part], selected)
    assert lake_keys(lake, "customers", "customer_id") == {lonely_customer} | column_values(
        shop_url, f"select customer_id from orders where {selected}"
    )
    item_products = column_values(shop_url, f"select product_id from order_items where {selected}")
    assert lake_keys(lake, "products", "product_id") == {lonely_product} | item_products
    assert lake_keys(lake, "sellers", "seller_id") == column_values(
        shop_url, f"select seller_id from order_items where {selected}"
    )
    products = "', '".join({lonely_product} | item_products)
    assert lake_keys(lake, "product_categories", "product_category_name") == {
        category
    } | column_values(
        shop_url,
        "select product_category_name from products"
        f" where product_id in ('{products}') and product_category_name is not null",
    )
    assert lake_keys(lake, "geolocation", "id") == {geolocation_id}
    assert lake.read_table("raw", "deleted_rows", DAY).num_rows == 0
    assert lake.read_table("raw", "deleted_rows", DAY).schema.equals(
        BY_NAME["deleted_rows"].arrow_schema()
    )

    details = lake.manifest("raw", "geolocation", DAY).details
    assert details.interval == Interval(
        start=WINDOW_START.isoformat(), end=WINDOW_END.isoformat(), lookback_minutes=15
    )
    assert details.full_refresh is False
    geolocation_changed_at = (WINDOW_END - timedelta(microseconds=1)).isoformat()
    assert details.updated_at_range == ChangedRange(
        min=geolocation_changed_at, max=geolocation_changed_at
    )


def test_a_first_incremental_run_without_a_start_takes_everything_before_the_end(
    loaded_shop_url, lake
):
    extracts = incremental(loaded_shop_url, lake, None, datetime.now(UTC) + timedelta(days=1))

    for table, result in zip(TABLES, extracts, strict=True):
        assert result.rows == len(shop_rows(loaded_shop_url, table)), table.name


def test_naive_interval_bounds_are_refused(lake):
    with pytest.raises(ValueError, match="timezone-aware"):
        incremental("postgresql://unused", lake, datetime(2020, 1, 1), datetime(2020, 1, 2))


class ConcurrentWriterLake(Lake):
    """Runs a committed write on the shop right after the first orders partition is published,
    i.e. while the extract is between tables."""

    def __init__(self, storage, shop_url: str, write) -> None:
        super().__init__(storage)
        self.shop_url = shop_url
        self.write = write

    def commit(self, zone, table, ingest_date, **kwargs):
        manifest = super().commit(zone, table, ingest_date, **kwargs)
        if table == "orders" and self.write is not None:
            with psycopg.connect(self.shop_url) as conn:
                self.write(conn)
            self.write = None  # once: later runs see the shop as it now is
        return manifest


def test_every_table_is_read_in_one_snapshot_despite_concurrent_writers(shop_url, tmp_path):
    [(customer_id, product_id, seller_id)] = (
        psycopg.connect(shop_url)
        .execute(
            "select o.customer_id, i.product_id, i.seller_id from orders o"
            " join order_items i using (order_id) order by i.id limit 1"
        )
        .fetchall()
    )
    [(item_id, old_price)] = (
        psycopg.connect(shop_url)
        .execute("select id, price from order_items order by id desc limit 1")
        .fetchall()
    )
    [review_id] = column_values(shop_url, "select min(id) from reviews")
    new_order = uuid.uuid4().hex

    def place_order_and_change_others(conn: psycopg.Connection) -> None:
        conn.execute(
            "insert into orders (order_id, customer_id, order_status, order_purchase_timestamp)"
            " values (%s, %s, 'created', now())",
            [new_order, customer_id],
        )
        conn.execute(
            "insert into order_items (order_id, order_item_id, product_id, seller_id,"
            " shipping_limit_date, price, freight_value) values (%s, 1, %s, %s, now(), 10, 1)",
            [new_order, product_id, seller_id],
        )
        conn.execute("update order_items set price = price + 1 where id = %s", [item_id])
        conn.execute("delete from reviews where id = %s", [review_id])

    lake = ConcurrentWriterLake(
        Lake.from_uri(str(tmp_path / "lake")).storage, shop_url, place_order_and_change_others
    )

    full_refresh(shop_url, lake)

    assert column_values(shop_url, f"select count(*) from orders where order_id = '{new_order}'")
    orders = lake_keys(lake, "orders", "order_id")
    items = lake.read_table("raw", "order_items", DAY).to_pylist()
    assert new_order not in orders
    assert {item["order_id"] for item in items} <= orders
    assert next(item["price"] for item in items if item["id"] == item_id) == old_price
    assert review_id in lake_keys(lake, "reviews", "id")
    assert lake.read_table("raw", "deleted_rows", DAY).num_rows == 0
    snapshots = {lake.manifest("raw", t.name, DAY).details.snapshot for t in TABLES}
    assert len(snapshots) == 1

    full_refresh(shop_url, lake, run_id="run-after")

    assert new_order in lake_keys(lake, "orders", "order_id")
    assert new_order in lake_keys(lake, "order_items", "order_id")
    assert lake_keys(lake, "deleted_rows", "row_key") == {str(review_id)}


def test_rerunning_a_run_rewrites_the_same_partitions(loaded_shop_url, lake):
    full_refresh(loaded_shop_url, lake)
    first = {t.name: lake.manifest("raw", t.name, DAY) for t in TABLES}

    full_refresh(loaded_shop_url, lake)

    for table in TABLES:
        again = lake.manifest("raw", table.name, DAY)
        # Same bytes; the manifest's own checksum differs only by the new attempt folder name.
        assert [f.sha256 for f in again.files] == [f.sha256 for f in first[table.name].files]
        assert again.rows == first[table.name].rows
        keys = lake.storage.list(f"{partition_key('raw', table.name, DAY)}/")
        assert len(keys) == 2, keys  # the manifest and one data file: nothing left over
    assert lake.partitions("raw", "orders") == [DAY.isoformat()]


def test_a_failure_mid_write_keeps_the_previous_partitions_of_the_unwritten_tables(shop_url, lake):
    full_refresh(shop_url, lake, run_id="run-1")
    before = {t.name: lake.manifest("raw", t.name, DAY) for t in TABLES}
    # A payment the registry's decimal(12,2) cannot hold, stored last in the table.
    with psycopg.connect(shop_url) as conn:
        conn.execute("alter table payments alter column payment_value type numeric(20, 2)")
        conn.execute(
            "update payments set payment_value = 1e15 where id = (select max(id) from payments)"
        )

    with pytest.raises(Exception, match=r"[Pp]recision|[Oo]verflow|[Rr]escal"):
        full_refresh(shop_url, lake, run_id="run-2", batch_bytes=4096)

    position = [t.name for t in TABLES].index("payments")
    for table in TABLES[:position]:
        assert lake.manifest("raw", table.name, DAY).run_id == "run-2", table.name
    for table in TABLES[position:]:
        manifest = lake.manifest("raw", table.name, DAY)
        assert manifest == before[table.name], table.name
        assert len(lake.storage.list(f"{partition_key('raw', table.name, DAY)}/")) == 2
    assert lake.read_table("raw", "payments", DAY).num_rows == before["payments"].rows


def test_deletes_reach_the_lake_as_tombstones_with_their_orders(shop_url, lake):
    [(item_id, item_order)] = (
        psycopg.connect(shop_url)
        .execute(
            "select id, order_id from order_items i where"
            " (select count(*) from order_items j where j.order_id = i.order_id) > 1"
            " order by id limit 1"
        )
        .fetchall()
    )
    [(review_id, review_order)] = (
        psycopg.connect(shop_url)
        .execute("select id, order_id from reviews order by id limit 1")
        .fetchall()
    )
    [started] = column_values(shop_url, "select now()")
    with psycopg.connect(shop_url) as conn:
        conn.execute("delete from order_items where id = %s", [item_id])
        conn.execute("delete from reviews where id = %s", [review_id])
    [finished] = column_values(shop_url, "select now()")

    incremental(shop_url, lake, started, finished, lookback=timedelta(0))

    tombstones = lake_rows(lake, BY_NAME["deleted_rows"])
    assert [(t["table_name"], t["row_key"]) for t in tombstones] == [
        ("order_items", str(item_id)),
        ("reviews", str(review_id)),
    ]
    assert tombstones[0]["row_data"]["order_id"] == item_order
    assert lake_keys(lake, "orders", "order_id") == {item_order, review_order}
    remaining = lake_keys(lake, "order_items", "id")
    assert item_id not in remaining
    assert remaining == column_values(
        shop_url,
        f"select id from order_items where order_id in ('{item_order}', '{review_order}')",
    )


def test_a_shop_column_missing_from_the_registry_stops_the_run_before_any_write(shop_url, lake):
    with psycopg.connect(shop_url) as conn:
        conn.execute("alter table customers add column loyalty_points integer")

    with pytest.raises(SchemaDrift, match="customers: columns not in the registry loyalty_points"):
        full_refresh(shop_url, lake)

    assert all(lake.partitions("raw", t.name) == [] for t in TABLES)


def test_a_key_the_shop_does_not_enforce_leaves_the_duplicates_to_the_cleaning(shop_url, lake):
    with psycopg.connect(shop_url) as conn:
        conn.execute("alter table reviews drop constraint reviews_key")

    full_refresh(shop_url, lake)

    unique = {t.name: lake.manifest("raw", t.name, DAY).details.unique_key for t in TABLES}
    assert unique.pop("reviews") is False
    assert set(unique.values()) == {True}


PEAK_MEMORY_SCRIPT = """
import json, resource, sys
from datetime import UTC, date, datetime
from olist_pipeline.lake.extract import extract_tables
from olist_pipeline.lake.partitions import Lake
from olist_pipeline.tables import BY_NAME
[result] = extract_tables(
    sys.argv[1], Lake.from_uri(sys.argv[2]), ingest_date=date(2024, 3, 1), run_id="memory",
    interval_start=None, interval_end=datetime.now(UTC), full_refresh=True,
    tables=[BY_NAME["geolocation"]], batch_bytes=1 << 20,
)
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": result.rows, "peak_kb": peak_kb}))
"""


def _peak_memory_of_extract(shop_url: str, lake_dir: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY_SCRIPT, shop_url, str(lake_dir)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "plugins")},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def _grow_geolocation(shop_url: str, rows: int) -> None:
    """Add distinct points (the shop keeps each point once)."""
    with psycopg.connect(shop_url) as conn:
        conn.execute(
            "insert into geolocation (geolocation_zip_code_prefix, geolocation_lat,"
            " geolocation_lng, geolocation_city, geolocation_state)"
            " select lpad((n %% 99999)::text, 5, '0'), -23.5 + n * 1e-7, -46.6 - n * 1e-7,"
            " 'sao paulo ' || (n %% 500), 'SP' from (select max(id) as m from geolocation) last,"
            " generate_series(m + 1, m + %s) n",
            [rows],
        )


def test_peak_memory_does_not_grow_with_the_table(shop_url, tmp_path):
    """The same extract of a table and of one eight times larger, each in a fresh process."""
    base_rows = 50_000
    existing = len(column_values(shop_url, "select id from geolocation"))
    _grow_geolocation(shop_url, base_rows - existing)
    small = _peak_memory_of_extract(shop_url, tmp_path / "small")
    _grow_geolocation(shop_url, 7 * base_rows)
    large = _peak_memory_of_extract(shop_url, tmp_path / "large")

    assert (small["rows"], large["rows"]) == (base_rows, 8 * base_rows)
    large_table_bytes = (
        Lake.from_uri(str(tmp_path / "large")).read_table("raw", "geolocation", DAY).nbytes
    )
    growth = (large["peak_kb"] - small["peak_kb"]) * 1024
    # Streaming measures no growth here; holding the table measured about a third of its
    # Arrow size (the smaller run's allocations are partly reused).
    assert growth < large_table_bytes / 8, (growth, large_table_bytes)
