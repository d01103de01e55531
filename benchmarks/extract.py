"""Benchmark: the extract (shop PostgreSQL -> raw zone Parquet) against a plain COPY of the tables.

``run(shop_url)`` reads a SCALE=1 shop database (read only; ``olist`` in ``make bench``) and times

* ``copy``: the baseline, a plain ``COPY <table> TO STDOUT`` of every table with psycopg, the
  bytes thrown into /dev/null;
* ``extract``: ``olist_pipeline.lake.extract.extract_tables`` with a full refresh into a temporary
  local lake: one REPEATABLE READ transaction, tables streamed one after another (what the DAG
  runs);
* ``parallel``: the same tables split over two threads, each on its own connection that imports
  the first one's snapshot (``pg_export_snapshot()`` + ``set transaction snapshot``), largest
  table first: what mapped tasks per table would at best achieve, without their per-task start-up.

Both extracts run in a fresh child process, so their peak resident memory (``ru_maxrss``) is
about the extract alone; the child also reports its peak after the imports, before any
work, so the difference is the extract's own memory. Returns rows, seconds and rows/s for each,
``ratio`` = copy seconds / extract seconds (target 0.7 or better) and
``parallel_speedup`` = extract seconds / parallel seconds. ``python -m benchmarks.extract
[SHOP_URL]`` prints the figures as JSON.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, date, datetime, timedelta

from benchmarks import REPO_ROOT

DEFAULT_SHOP_URL = "postgresql://postgres@127.0.0.1:5432/olist"
PARALLEL_THREADS = 2


def _plain_copy(shop_url: str) -> tuple[int, float]:
    """The baseline: every table copied out as PostgreSQL sends it, nothing done with it."""
    import psycopg

    from olist_pipeline.tables import TABLES

    rows = 0
    with psycopg.connect(shop_url) as conn, open(os.devnull, "wb") as sink, conn.cursor() as cur:
        started = time.perf_counter()
        for table in TABLES:
            with cur.copy(f"copy {table.name} to stdout") as copy:
                for chunk in copy:
                    sink.write(chunk)
            rows += cur.rowcount
        seconds = time.perf_counter() - started
    return rows, seconds


def _sequential(shop_url: str, lake_dir: str) -> list:
    from olist_pipeline.lake.extract import extract_tables
    from olist_pipeline.lake.partitions import Lake

    return extract_tables(
        shop_url,
        Lake.from_uri(lake_dir),
        ingest_date=date.today(),
        run_id="bench",
        interval_start=None,
        interval_end=datetime.now(UTC),
        full_refresh=True,
    )


def _parallel(shop_url: str, lake_dir: str) -> list:
    """Tables spread over threads that share one exported snapshot."""
    import adbc_driver_postgresql.dbapi as adbc

    from olist_pipeline.lake.extract import extract_table, run_details
    from olist_pipeline.lake.partitions import Lake
    from olist_pipeline.tables import TABLES

    lake = Lake.from_uri(lake_dir)
    with (
        closing(adbc.connect(shop_url, autocommit=True)) as leader,
        closing(leader.cursor()) as cursor,
    ):
        cursor.execute("begin isolation level repeatable read read only")
        cursor.execute("select pg_export_snapshot(), pg_current_snapshot()::text")
        exported, snapshot = cursor.fetchone()
        cursor.execute(
            "select relname from pg_class where relname in ("
            + ", ".join(f"'{t.name}'" for t in TABLES)
            + ") order by pg_relation_size(oid) desc"
        )
        largest_first = [name for (name,) in cursor.fetchall()]
        details = run_details(
            interval_start=None,
            interval_end=datetime.now(UTC),
            full_refresh=True,
            lookback=timedelta(0),
            snapshot=snapshot,
        )
        by_name = {table.name: table for table in TABLES}

        def extract_one(name: str):
            with (
                closing(adbc.connect(shop_url, autocommit=True)) as connection,
                closing(connection.cursor()) as worker,
            ):
                worker.execute("begin isolation level repeatable read read only")
                worker.execute(f"set transaction snapshot '{exported}'")
                result = extract_table(
                    worker,
                    lake,
                    by_name[name],
                    window=None,
                    ingest_date=date.today(),
                    run_id="bench",
                    details=details,
                )
                worker.execute("commit")
                return result

        with ThreadPoolExecutor(max_workers=PARALLEL_THREADS) as pool:
            results = list(pool.map(extract_one, largest_first))
        cursor.execute("commit")
    return results


def _measure_in_child(mode: str, shop_url: str) -> dict:
    """Run one extract in this (fresh) process: seconds, rows, bytes and peak memory."""
    import adbc_driver_postgresql.dbapi  # noqa: F401 - counted in the start-up memory
    import pyarrow.parquet  # noqa: F401

    from olist_pipeline.lake import extract, partitions  # noqa: F401

    imported_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    measure = {"sequential": _sequential, "parallel": _parallel}[mode]
    with tempfile.TemporaryDirectory(prefix="olist-bench-lake-") as lake_dir:
        started = time.perf_counter()
        results = measure(shop_url, lake_dir)
        seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "rows": sum(r.rows for r in results),
        "parquet_megabytes": round(sum(r.bytes for r in results) / 1e6, 1),
        "seconds": seconds,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "startup_rss_mb": round(imported_kb / 1024, 1),
    }


def _child(mode: str, shop_url: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.extract", "--child", mode, shop_url],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"extract benchmark ({mode}) failed:\n{result.stderr}")
    return json.loads(result.stdout)


def run(shop_url: str = DEFAULT_SHOP_URL) -> dict:
    # Warm the server's cache once so the first measurement does not pay for the disk.
    _plain_copy(shop_url)
    copy_rows, copy_seconds = _plain_copy(shop_url)
    sequential = _child("sequential", shop_url)
    parallel = _child("parallel", shop_url)
    return {
        "copy": {
            "rows": copy_rows,
            "seconds": round(copy_seconds, 3),
            "rows_per_s": round(copy_rows / copy_seconds),
        },
        "extract": {
            **sequential,
            "seconds": round(sequential["seconds"], 3),
            "rows_per_s": round(sequential["rows"] / sequential["seconds"]),
            "extract_rss_mb": round(sequential["peak_rss_mb"] - sequential["startup_rss_mb"], 1),
        },
        "parallel": {
            **parallel,
            "threads": PARALLEL_THREADS,
            "seconds": round(parallel["seconds"], 3),
            "rows_per_s": round(parallel["rows"] / parallel["seconds"]),
            "extract_rss_mb": round(parallel["peak_rss_mb"] - parallel["startup_rss_mb"], 1),
        },
        # The extract's speed as a fraction of a bare COPY's (1.0: as fast as the baseline).
        "ratio": round(copy_seconds / sequential["seconds"], 3),
        "parallel_speedup": round(sequential["seconds"] / parallel["seconds"], 3),
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(_measure_in_child(sys.argv[2], sys.argv[3])))
    elif len(sys.argv) <= 2:
        print(json.dumps(run(*sys.argv[1:]), indent=2))
    else:
        print("usage: python -m benchmarks.extract [SHOP_URL]", file=sys.stderr)
        raise SystemExit(2)
