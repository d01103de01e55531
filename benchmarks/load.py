"""Benchmark: loading a folder of Olist CSV files, against a plain COPY of the same files.

``run(data_dir)`` recreates a dedicated database (``olist_bench_load``, on the server that
``config.postgres`` resolves; never the shop's own ``olist``), migrates it, then times

* ``load``: ``dataset.loader.load_folder`` into the empty shop schema (staging, validation,
  upserts, index builds, rejects files written to a temporary folder, commit);
* ``copy``: the baseline, a plain ``COPY ... FROM STDIN (FORMAT csv, HEADER)`` of the same
  files into unindexed tables of text columns, in one transaction;

and returns rows, seconds and rows/s for both and their ratio. ``python -m benchmarks.load
DATA_DIR`` prints the figures as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH_DATABASE = "olist_bench_load"
ALIAS = "bench_load"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _fresh_database() -> str:
    """Drop and recreate the benchmark database; return its URL."""
    import psycopg
    from psycopg import sql

    from config.postgres import ensure_database, resolve_database_url, with_database

    url = with_database(resolve_database_url(), BENCH_DATABASE)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(
                sql.Identifier(BENCH_DATABASE)
            )
        )
    ensure_database(url)
    return url


def _connection(url: str):
    """A Django connection to the benchmark database (a database alias added at run time)."""
    import dj_database_url
    from django.db import connections

    if ALIAS in connections.settings:
        connections[ALIAS].close()
        del connections.settings[ALIAS]
    settings = dj_database_url.parse(url, conn_max_age=0)
    # configure_settings fills in Django's defaults (it insists on seeing a "default" entry).
    connections.settings[ALIAS] = connections.configure_settings({"default": {}, ALIAS: settings})[
        ALIAS
    ]
    return connections[ALIAS]


def _read_files(data_dir: Path, names: list[str]) -> int:
    """Read every file once so both measurements start from the same (warm) page cache."""
    size = 0
    for name in names:
        with (data_dir / name).open("rb") as fh:
            while chunk := fh.read(1 << 20):
                size += len(chunk)
    return size


def _plain_copy(url: str, data_dir: Path, files) -> tuple[int, float]:
    """The baseline: COPY every file as it is into an unindexed table of text columns."""
    import psycopg
    from psycopg import sql

    rows = 0
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            for spec in files:
                table = sql.Identifier(f"bench_copy_{spec.table}")
                columns = sql.SQL(", ").join(
                    sql.SQL("{} text").format(sql.Identifier(c)) for c in spec.header
                )
                cur.execute(sql.SQL("create table {} ({})").format(table, columns))
                statement = sql.SQL("copy {} from stdin (format csv, header true)").format(table)
                with (data_dir / spec.file_name).open("rb") as fh, cur.copy(statement) as copy:
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
                rows += cur.rowcount
        seconds = time.perf_counter() - started
        with conn.transaction(), conn.cursor() as cur:
            for spec in files:
                cur.execute(
                    sql.SQL("drop table {}").format(sql.Identifier(f"bench_copy_{spec.table}"))
                )
    return rows, seconds


def run(data_dir: Path) -> dict:
    data_dir = Path(data_dir).resolve()
    _setup_django()
    from django.core.management import call_command

    from dataset.loader import find_files, load_folder

    files = find_files(data_dir)
    url = _fresh_database()
    connection = _connection(url)
    call_command("migrate", database=ALIAS, verbosity=0, interactive=False)
    size = _read_files(data_dir, [spec.file_name for spec in files])

    with tempfile.TemporaryDirectory(prefix="olist-bench-rejects-") as rejects:
        started = time.perf_counter()
        report = load_folder(data_dir, connection=connection, progress=False, rejects_dir=rejects)
        load_seconds = time.perf_counter() - started
    connection.close()

    copy_rows, copy_seconds = _plain_copy(url, data_dir, files)

    return {
        "database": BENCH_DATABASE,
        "files": len(files),
        "megabytes": round(size / 1e6, 1),
        "load": {
            "rows": report.read,
            "loaded": report.loaded,
            "rejected": report.rejected,
            "seconds": round(load_seconds, 2),
            "rows_per_s": round(report.read / load_seconds),
            "seconds_by_table": {t.table: t.seconds for t in report.tables},
        },
        "copy": {
            "rows": copy_rows,
            "seconds": round(copy_seconds, 2),
            "rows_per_s": round(copy_rows / copy_seconds),
        },
        # How many times longer the validated, indexed, idempotent load takes than a bare COPY.
        "ratio": round(load_seconds / copy_seconds, 2),
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m benchmarks.load DATA_DIR", file=sys.stderr)
        raise SystemExit(2)
    print(json.dumps(run(Path(sys.argv[1])), indent=2))
