"""Benchmark: loading a folder of Olist CSV files, against a plain COPY of the same files.

``run(data_dir)`` recreates a dedicated database (``olist_bench_load``, on the server that
``config.postgres`` resolves; never the shop's own ``olist``), migrates it, then times

* ``load``: ``dataset.loader.load_folder`` into the empty shop schema (staging, validation,
  upserts, index builds, rejects files written to a temporary folder, commit);
* ``copy``: the baseline, a plain ``COPY ... FROM STDIN (FORMAT csv, HEADER)`` of the same
  files into unindexed tables of text columns, in one transaction;

* ``non_empty_load``: the same load into a shop that already holds other data: a fresh shop
  is first loaded (untimed) with a small dataset of other ids (``PRELOAD_DIR``, by default the
  SCALE=0.01 folder beside ``DATA_DIR``, ``<DATA_DIR>-scale-0.01``, generated into a temporary
  folder when it is missing), then ``DATA_DIR`` is loaded into it and timed;

and returns rows, seconds and rows/s of each, the ratio of the load to the COPY (``ratio``) and
the ratio of the non-empty load to the empty one (``non_empty_ratio``). ``python -m
benchmarks.load DATA_DIR [PRELOAD_DIR]`` prints the figures as JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH_DATABASE = "olist_bench_load"
ALIAS = "bench_load"
PRELOAD_SCALE = 0.01


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


def _migrated_shop():
    """A fresh, migrated benchmark database: (url, Django connection)."""
    from django.core.management import call_command

    url = _fresh_database()
    connection = _connection(url)
    call_command("migrate", database=ALIAS, verbosity=0, interactive=False)
    return url, connection


def _timed_load(data_dir: Path, connection):
    from dataset.loader import load_folder

    with tempfile.TemporaryDirectory(prefix="olist-bench-rejects-") as rejects:
        started = time.perf_counter()
        report = load_folder(data_dir, connection=connection, progress=False, rejects_dir=rejects)
        return report, time.perf_counter() - started


@contextlib.contextmanager
def _preload_folder(data_dir: Path, preload_dir: Path | None):
    """The small dataset loaded before the non-empty measurement (see the module docstring)."""
    if preload_dir is None:
        preload_dir = data_dir.with_name(f"{data_dir.name}-scale-{PRELOAD_SCALE:g}")
    if preload_dir.is_dir():
        yield preload_dir
        return
    from dataset.generator import generate

    with tempfile.TemporaryDirectory(prefix="olist-bench-preload-") as folder:
        generate(Path(folder), scale=PRELOAD_SCALE, progress=False)
        yield Path(folder)


def _load_figures(report, seconds: float) -> dict:
    return {
        "rows": report.read,
        "loaded": report.loaded,
        "rejected": report.rejected,
        "seconds": round(seconds, 2),
        "rows_per_s": round(report.read / seconds),
        "seconds_by_table": {t.table: t.seconds for t in report.tables},
    }


def run(data_dir: Path, preload_dir: Path | None = None) -> dict:
    data_dir = Path(data_dir).resolve()
    _setup_django()

    from dataset.loader import find_files, load_folder

    files = find_files(data_dir)
    url, connection = _migrated_shop()
    size = _read_files(data_dir, [spec.file_name for spec in files])
    report, load_seconds = _timed_load(data_dir, connection)
    connection.close()

    copy_rows, copy_seconds = _plain_copy(url, data_dir, files)

    # A shop that holds other data: the ids of another scale do not overlap these.
    with _preload_folder(data_dir, preload_dir) as preload:
        _, connection = _migrated_shop()
        with tempfile.TemporaryDirectory(prefix="olist-bench-rejects-") as rejects:
            before = load_folder(
                preload, connection=connection, progress=False, rejects_dir=rejects
            )
        _read_files(data_dir, [spec.file_name for spec in files])
        non_empty, non_empty_seconds = _timed_load(data_dir, connection)
        connection.close()

    return {
        "database": BENCH_DATABASE,
        "files": len(files),
        "megabytes": round(size / 1e6, 1),
        "load": _load_figures(report, load_seconds),
        "copy": {
            "rows": copy_rows,
            "seconds": round(copy_seconds, 2),
            "rows_per_s": round(copy_rows / copy_seconds),
        },
        # How many times longer the validated, indexed, idempotent load takes than a bare COPY.
        "ratio": round(load_seconds / copy_seconds, 2),
        "non_empty_load": {
            "preloaded_rows": before.loaded,
            **_load_figures(non_empty, non_empty_seconds),
            "inserted": sum(
                t.inserted + sum(c.inserted for c in t.also.values()) for t in non_empty.tables
            ),
            "updated": sum(
                t.updated + sum(c.updated for c in t.also.values()) for t in non_empty.tables
            ),
        },
        # How many times longer loading into a shop that holds other data takes than into an
        # empty one.
        "non_empty_ratio": round(non_empty_seconds / load_seconds, 2),
        "non_empty_ratio_to_copy": round(non_empty_seconds / copy_seconds, 2),
    }


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print("usage: python -m benchmarks.load DATA_DIR [PRELOAD_DIR]", file=sys.stderr)
        raise SystemExit(2)
    preload = Path(sys.argv[2]) if len(sys.argv) == 3 else None
    print(json.dumps(run(Path(sys.argv[1]), preload), indent=2))
