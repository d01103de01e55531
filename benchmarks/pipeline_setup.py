"""What the pipeline benchmarks start from: a SCALE=1 shop and one raw partition of it.

``shop_database(data_dir)`` gives the URL of ``olist_bench_pipeline`` (never the shop's own
``olist``), loaded from ``data_dir`` with ``manage.py load_olist`` unless it already holds that
folder's orders; ``raw_partition(shop_url, lake_uri)`` extracts it once (full refresh) so the
clean and gate benchmarks measure themselves only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from benchmarks import DJANGO_PROJECT

BENCH_DATABASE = "olist_bench_pipeline"
INGEST_DATE = date(2018, 10, 18)  # a fixed partition: reruns replace it


def _orders_in_folder(data_dir: Path) -> int:
    with (data_dir / "olist_orders_dataset.csv").open("rb") as orders:
        return sum(1 for _ in orders) - 1


def _orders_in_database(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        if not conn.execute("select to_regclass('orders') is not null").fetchone()[0]:
            return -1
        return conn.execute("select count(*) from orders").fetchone()[0]


def loaded_shop(server_url: str, data_dir: Path, database: str) -> str:
    """URL of ``database`` on ``server_url``, migrated and loaded from ``data_dir`` with
    ``manage.py load_olist`` unless it already holds the folder's orders."""
    from config.postgres import ensure_database, with_database

    url = with_database(server_url, database)
    ensure_database(url)
    if _orders_in_database(url) == _orders_in_folder(data_dir):
        return url
    print(f"[bench] loading {data_dir} into {database}", file=sys.stderr, flush=True)
    environment = {**os.environ, "DATABASE_URL": url}
    for command in (["migrate", "--no-input", "-v", "0"], ["load_olist", str(data_dir)]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=DJANGO_PROJECT,
            env=environment,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return url


def shop_database(data_dir: Path) -> str:
    from config.postgres import resolve_database_url

    return loaded_shop(resolve_database_url(), Path(data_dir).resolve(), BENCH_DATABASE)


def raw_partition(shop_url: str, lake_uri: str) -> str:
    """Extract every table once into ``lake_uri``; the ingest date written."""
    from olist_pipeline.lake.extract import extract_tables
    from olist_pipeline.lake.partitions import Lake

    extract_tables(
        shop_url,
        Lake.from_uri(lake_uri),
        ingest_date=INGEST_DATE,
        run_id="benchmark",
        interval_start=None,
        interval_end=datetime.now(UTC),
        full_refresh=True,
    )
    return INGEST_DATE.isoformat()
