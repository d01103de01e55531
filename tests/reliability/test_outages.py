"""Outages that are not the worker's death: the warehouse unreachable during the load, and the
shop's loader (``make load``) killed in the middle of its transaction."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
import pytest

from olist_pipeline.lake.partitions import Lake
from olist_pipeline.orchestration.run_facts import RunFacts
from olist_pipeline.tables import TABLES

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]


def folder_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def shop_checksums(url: str) -> dict[str, tuple[int, str]]:
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select tablename from pg_tables where schemaname = 'public' order by 1"
        ).fetchall()
        return {
            name: conn.execute(
                f"select count(*), coalesce(md5(string_agg(t::text, ',' order by t::text)), '')"
                f' from "{name}" t'
            ).fetchone()
            for (name,) in tables
        }


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_warehouse_fails_the_load_naming_it_and_changes_nothing(
    monkeypatch, lake, tmp_path
):
    """A load that cannot reach the warehouse must say which warehouse, and must not touch the
    lake it reads (the retry loads the same committed partitions)."""
    from support.warehouse_builder import WarehouseBuilder, small_shop

    from olist_pipeline.orchestration import tasks
    from olist_pipeline.settings import PipelineSettings

    day = "2026-11-10"
    WarehouseBuilder.write_partitions(type("Builder", (), {"lake": lake})(), day, small_shop())
    before = folder_digest(Path(lake.uri))
    port = closed_port()
    monkeypatch.setenv("LAKE_URI", lake.uri)
    monkeypatch.setenv("AIRFLOW_CONN_OLIST_WAREHOUSE", f"postgresql://postgres@127.0.0.1:{port}/dw")
    facts = RunFacts("manual__outage", day, None, f"{day}T03:00:00+00:00", True, 10)

    with pytest.raises(Exception) as failure:
        tasks.load(PipelineSettings.from_env(), facts)

    message = str(failure.value)
    print(f"\nthe load's error: {type(failure.value).__name__}: {message}")
    assert "connection 'olist_warehouse'" in message and "nothing was loaded" in message
    assert "127.0.0.1" in message and str(port) in message, message
    assert folder_digest(Path(lake.uri)) == before
    assert Lake.from_uri(lake.uri).partitions("processed", TABLES[0].name) == [day]


def test_make_load_killed_mid_load_leaves_the_shop_unchanged(shop_url, tmp_path):
    """The loader's one transaction is the promise: a kill inside it must leave every table's
    rows as they were (checked by an MD5 of every table's sorted rows)."""
    from dataset.generator import generate
    from tests.conftest import TEST_SCALE

    generate(tmp_path, scale=TEST_SCALE * 2, seed=11, progress=False)
    before = shop_checksums(shop_url)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "load_olist", str(tmp_path)],
        cwd=REPO_ROOT / "django_project",
        env={**os.environ, "DATABASE_URL": shop_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    # The test holds a lock on the last table the loader writes: the loader, having written the
    # others, waits for it inside its transaction, where it is killed.
    blocked = (
        "select 1 from pg_stat_activity where datname = current_database()"
        " and pid <> pg_backend_pid() and backend_xid is not null and wait_event_type = 'Lock'"
    )
    with psycopg.connect(shop_url) as holder, psycopg.connect(shop_url, autocommit=True) as conn:
        holder.execute("lock table reviews in access exclusive mode")
        while not conn.execute(blocked).fetchall():
            assert process.poll() is None, process.stdout.read().decode()[-3000:]
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        holder.rollback()
        deadline = time.monotonic() + 30
        while conn.execute(blocked.replace(" and wait_event_type = 'Lock'", "")).fetchall():
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert shop_checksums(shop_url) == before


@pytest.fixture
def restartable_shop(tmp_path) -> Iterator[tuple[str, Callable[[], None]]]:
    """The tiny shop on a PostgreSQL server of the test's own, which the test may restart (the
    shared server must not be): its URL, and a function restarting it."""
    import pgserver
    from pgserver._commands import pg_ctl

    from config.postgres import with_database
    from dataset.generator import generate

    # Under the repository (git-ignored), not /tmp: run by root, the server runs as its own
    # system user, which must reach its data directory.
    data_dir = REPO_ROOT / ".local" / f"reliability-pgdata-{uuid.uuid4().hex[:8]}"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    system_user = "pgserver" if os.geteuid() == 0 else None
    try:
        socket_dir = urlsplit(server.get_uri()).query.removeprefix("host=")
        url = f"postgresql://postgres@{quote(socket_dir, safe='')}/shop"
        with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
            conn.execute("create database shop")
        # Built the way the loaded shop is (a dump of it would carry whatever the shared
        # server's build adds to its catalog, which a stock server may refuse).
        generate(tmp_path / "olist", scale=0.002, seed=7, progress=False)
        for command in (["migrate", "--no-input", "-v", "0"], ["load_olist", tmp_path / "olist"]):
            subprocess.run(
                [sys.executable, "manage.py", *map(str, command)],
                cwd=REPO_ROOT / "django_project",
                env=os.environ | {"DATABASE_URL": url},
                capture_output=True,
                check=True,
            )
        yield (
            url,
            lambda: pg_ctl(["-w", "-m", "fast", "restart"], pgdata=data_dir, user=system_user),
        )
    finally:
        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=data_dir, user=system_user)
        shutil.rmtree(data_dir, ignore_errors=True)


def test_the_shop_restarted_while_the_extract_reads_fails_it_cleanly_and_the_retry_succeeds(
    restartable_shop, monkeypatch, tmp_path
):
    """A restart of the shop's server (a failover, a minor-version upgrade) kills the extract's
    snapshot: the attempt must fail with the server's error and commit no partition of the
    table it was reading, and the retry must extract the shop as it is."""
    from olist_pipeline.orchestration import tasks
    from olist_pipeline.settings import PipelineSettings

    url, restart = restartable_shop
    monkeypatch.setenv("AIRFLOW_CONN_OLIST_SHOP", url)
    monkeypatch.setenv("LAKE_URI", str(tmp_path / "lake"))
    settings = PipelineSettings.from_env()
    lake = Lake.from_uri(str(tmp_path / "lake"))
    run_after = datetime(2026, 11, 10, 3, tzinfo=UTC)

    def extract():
        return tasks.extract(
            settings,
            run_id="manual__shop-restart",
            interval_start=None,
            interval_end=None,
            run_after=run_after,
            full_refresh=True,
        )

    # A lock on reviews holds the extract inside its snapshot, the tables before it committed,
    # until the restart ends every session, the lock's holder's too.
    holder = psycopg.connect(url)
    holder.execute("lock table reviews in access exclusive mode")
    with ThreadPoolExecutor(1) as pool, psycopg.connect(url, autocommit=True) as conn:
        attempt = pool.submit(extract)
        while not conn.execute(
            "select 1 from pg_stat_activity where wait_event_type = 'Lock'"
            " and query ilike '%reviews%'"
        ).fetchall():
            assert not attempt.done(), attempt.result()
            time.sleep(0.02)
        restart()
        with pytest.raises(Exception) as failure:
            attempt.result(timeout=60)
    holder.close()

    error = f"{type(failure.value).__name__}: {failure.value}"
    print(f"\nthe extract's error: {error}")
    assert "connection 'olist_shop'" in error and "terminating connection" in error, error
    order = [table.name for table in TABLES]
    reading = order.index("reviews")
    committed = {t for t in order if lake.manifest("raw", t, "2026-11-10") is not None}
    assert committed == set(order[:reading]), committed
    assert not any((tmp_path / "lake" / "raw" / t).exists() for t in order[reading + 1 :])

    facts = extract()  # the retry, on the restarted server

    with psycopg.connect(url) as conn:
        for table in TABLES:
            [(rows,)] = conn.execute(f'select count(*) from "{table.name}"').fetchall()
            assert lake.manifest("raw", table.name, "2026-11-10").rows == rows, table.name
    assert facts.rows_extracted > 0
