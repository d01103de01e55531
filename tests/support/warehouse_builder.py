"""Build a warehouse from small fixture rows, through the pipeline's own path.

``WarehouseBuilder.run(ingest_date, {table: rows})`` writes each processed table's partition to
a lake (tables not given get an empty partition, as a quiet day's run would), loads every
partition into staging with ``load_partition`` and builds the dbt models (with their data
tests). A row names only the columns a test cares about: the others are null, ``updated_at``
defaults to the ingest day's noon and ``created_at`` to ``updated_at``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import psycopg
import pyarrow as pa
from psycopg.rows import dict_row

from olist_cleaning.schemas import PROCESSED, arrow_schema
from olist_pipeline.lake.partitions import Lake
from olist_pipeline.warehouse.dbt import LAYERS, DbtProject, NodeRun, layer_selector, profile_env
from olist_pipeline.warehouse.postgres import PostgresWarehouse

REPO_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = REPO_ROOT / "sql"


_PROJECTS: dict[tuple, DbtProject] = {}


def _shared_project(sql_dir: Path, env: dict[str, str]) -> DbtProject:
    """One ``DbtProject`` per project and database for the whole session: it parses the project
    once (the parse names the database), however many tests build a warehouse of that name."""
    key = (str(sql_dir), tuple(sorted(env.items())))
    if key not in _PROJECTS:
        work_dir = Path(tempfile.mkdtemp(prefix="olist-dbt-"))
        _PROJECTS[key] = DbtProject(sql_dir, env=env, work_dir=work_dir)
    return _PROJECTS[key]


def at(text: str) -> dt.datetime:
    """A UTC timestamp from ``'2017-11-24 10:00'``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


class WarehouseBuilder:
    def __init__(
        self,
        warehouse: PostgresWarehouse,
        lake: Lake,
        sql_dir: Path = SQL_DIR,
        layers: tuple[str, ...] = LAYERS,
        work_dir: Path | None = None,
    ):
        self.warehouse = warehouse
        self.lake = lake
        self.layers = layers
        # dbt selectors to build instead of whole layers: a module about some marts builds them
        # and their ancestors (``+mart_rfm``), not the other marts' models and tests.
        self.models: list[str] | None = None
        self.project = (
            DbtProject(sql_dir, env=profile_env(warehouse), work_dir=work_dir)
            if work_dir
            else _shared_project(sql_dir, profile_env(warehouse))
        )

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
        layers: tuple[str, ...] | None = None,
    ) -> list[NodeRun]:
        """Commit ``tables`` as the day's partitions, load them and build the models of
        ``layers`` (by default the builder's ``models``, else its layers) with their tests."""
        self.write_partitions(ingest_date, tables or {})
        self.warehouse.create_schemas()
        for table in PROCESSED:
            self.warehouse.load_partition(self.lake, table, ingest_date)
        if layers is None and self.models:
            return self.project.build(self.models, ingest_date=ingest_date)
        layers = self.layers if layers is None else layers
        if not layers:
            return []
        return self.project.build(layer_selector(layers), ingest_date=ingest_date)

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


SP, RJ, RS = "01001", "20040", "90010"


def order_row(order_id, customer_id, status, purchased, revenue, payments, **extra):
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "order_status": status,
        "order_purchase_timestamp": at(purchased),
        "items_revenue": Decimal(revenue),
        "payments_total": Decimal(payments),
        **extra,
    }


def item_row(order_id, item_id, product_id, seller_id, price, freight):
    price, freight = Decimal(price), Decimal(freight)
    return {
        "order_id": order_id,
        "order_item_id": item_id,
        "product_id": product_id,
        "seller_id": seller_id,
        "price": price,
        "freight_value": freight,
        "item_revenue": price + freight,
    }


def customer_row(customer_id, unique_id, zip_code, city, state):
    return {
        "customer_id": customer_id,
        "customer_unique_id": unique_id,
        "customer_zip_code_prefix": zip_code,
        "customer_city": city,
        "customer_state": state,
    }


def small_shop() -> dict[str, list[dict]]:
    """A small shop for the warehouse tests (every processed table it needs, by name).

    u1 buys in São Paulo, then moves to Rio and buys again; u2 buys a product the catalogue
    lost. o2's payments (100.00) exceed its items' revenue (90.00): a voucher's interest."""
    return {
        "geolocation": [
            {
                "geolocation_zip_code_prefix": SP,
                "geolocation_lat": -23.55,
                "geolocation_lng": -46.63,
                "geolocation_city": "sao paulo",
                "geolocation_state": "SP",
                "points": 3,
            },
            {
                "geolocation_zip_code_prefix": RJ,
                "geolocation_lat": -22.90,
                "geolocation_lng": -43.17,
                "geolocation_city": "rio de janeiro",
                "geolocation_state": "RJ",
                "points": 2,
            },
        ],
        "product_categories": [
            {
                "product_category_name": "beleza_saude",
                "product_category_name_english": "health_beauty",
            },
        ],
        "products": [
            {"product_id": "p1", "product_category_name": "beleza_saude"},
            {"product_id": "p2", "product_category_name": None},
        ],
        "sellers": [
            {
                "seller_id": "s1",
                "seller_zip_code_prefix": SP,
                "seller_city": "sao paulo",
                "seller_state": "SP",
            },
            {
                "seller_id": "s2",
                "seller_zip_code_prefix": RJ,
                "seller_city": "rio de janeiro",
                "seller_state": "RJ",
            },
        ],
        "customers": [
            customer_row("c1a", "u1", SP, "sao paulo", "SP"),
            customer_row("c1b", "u1", RJ, "rio de janeiro", "RJ"),
            customer_row("c2", "u2", RS, "porto alegre", "RS"),
        ],
        "orders": [
            order_row("o1", "c1a", "delivered", "2017-03-01 15:00", "110.00", "110.00"),
            order_row("o2", "c1b", "delivered", "2018-01-10 12:00", "90.00", "100.00"),
            order_row("o3", "c2", "shipped", "2017-11-24 10:00", "22.00", "22.00"),
        ],
        "order_items": [
            item_row("o1", 1, "p1", "s1", "100.00", "10.00"),
            item_row("o2", 1, "p1", "s1", "50.00", "5.00"),
            item_row("o2", 2, "p2", "s2", "30.00", "5.00"),
            item_row("o3", 1, "p9", "s1", "20.00", "2.00"),
        ],
        "payments": [
            {
                "order_id": "o1",
                "payment_sequential": 1,
                "payment_type": "credit_card",
                "payment_value": Decimal("110.00"),
            },
            {
                "order_id": "o2",
                "payment_sequential": 1,
                "payment_type": "boleto",
                "payment_value": Decimal("100.00"),
            },
            {
                "order_id": "o3",
                "payment_sequential": 1,
                "payment_type": "voucher",
                "payment_value": Decimal("22.00"),
            },
        ],
        "deliveries": [
            {
                "order_id": "o1",
                "order_delivered_customer_date": at("2017-03-09 10:00"),
                "delivery_days": 8,
                "delay_days": -5,
                "is_on_time": True,
            },
            {
                "order_id": "o2",
                "order_delivered_customer_date": at("2018-01-30 10:00"),
                "delivery_days": 20,
                "delay_days": 3,
                "is_on_time": False,
            },
        ],
        "reviews": [
            {
                "review_id": "r1",
                "order_id": "o1",
                "review_score": 5,
                "review_answer_timestamp": at("2017-03-10 10:00"),
            },
            {
                "review_id": "r2",
                "order_id": "o2",
                "review_score": 1,
                "review_answer_timestamp": at("2018-01-31 10:00"),
            },
            {
                "review_id": "r3",
                "order_id": "o2",
                "review_score": 4,
                "review_answer_timestamp": at("2018-02-05 10:00"),
            },
        ],
    }
