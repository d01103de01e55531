"""Fixtures shared by the pipeline, cleaning job and DAG tests: a small shop database with
committed data, warehouses, lakes, a Spark session and moto's S3 server.

The pipeline reads the shop through its own connections, so these tests cannot use
pytest-django's per-test transactions. ``loaded_shop_url`` is a database of its own, migrated
and loaded once per session by the project's commands (``manage.py migrate`` and
``manage.py load_olist``) from a dataset the generator writes at a tiny scale. Tests that change
the shop take ``shop_url``: a copy made with ``CREATE DATABASE ... TEMPLATE`` and dropped
afterwards, so they never disturb each other or the read-only tests.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.workers import WORKER, per_worker

REPO_ROOT = Path(__file__).resolve().parents[1]
# Airflow and GX read these when first imported; keep them in the repository and offline.
# Under pytest-xdist each worker has a home of its own (Airflow writes its airflow.cfg there).
os.environ.setdefault("AIRFLOW_HOME", str(REPO_ROOT / ".local" / "airflow"))
if WORKER:
    os.environ["AIRFLOW_HOME"] = per_worker(os.environ["AIRFLOW_HOME"], "-")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
TEST_SCALE = 0.002  # about 200 orders, 2,000 geolocation rows
TEST_SEED = 7
SHOP_DATABASE = per_worker("pipeline_test_shop")


# Under pytest-xdist (make test: -n 2 --dist loadfile) a module's tests stay on one worker, so a
# module-scoped fixture is built once. The modules that start Spark inside the worker's own
# process (the `spark` fixture) are one unit of work together, so one worker runs them all: the
# suite starts one such JVM instead of one per worker (each took 30-45 CPU-seconds to start and
# warm up in a `make test` of 2026-12-05, on two cores the suite keeps busy), and its compiled
# code serves every one of them.
IN_PROCESS_SPARK = "modules using the in-process Spark session"
IN_PROCESS_SPARK_MODULES = (
    "tests/pipeline/lake/test_cleaning.py",
    "tests/glue_jobs/test_job.py",
    "tests/glue_jobs/test_glue_runtime.py",
    "tests/glue_jobs/test_transforms.py",
    "tests/glue_jobs/test_glue_entrypoint.py",
)
# The slowest units go first, longest first: a worker that drew one late would leave the other
# idle at the end (in a `make test` of 2026-12-03 the star schema's module ran alone for its
# last minutes). Their order is that of their worker-seconds in a `make test
# PYTEST_ARGS="--durations=0"` of 2026-12-05, summed per unit. (loadgroup's xdist_group marks do
# not group on pytest 9: xdist 3.8 renames `item._nodeid`, which pytest 9 no longer reads.)
SLOWEST_FIRST = (
    IN_PROCESS_SPARK,
    "tests/reliability/test_crash_recovery.py",
    "tests/dags/test_olist_elt.py",
    "tests/pipeline/dashboards/test_site.py",
    "tests/pipeline/warehouse/test_star_schema.py",
    "tests/pipeline/warehouse/test_dbt_project.py",
    "tests/glue_jobs/test_spark_cluster.py",
    "tests/pipeline/warehouse/test_marts_customers.py",
    "tests/api/test_fuzz.py",
    "tests/pipeline/warehouse/test_mart_sales_forecast.py",
    "tests/pipeline/warehouse/test_marts_operations.py",
)


def module_path(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def work_unit(nodeid: str) -> str:
    """The unit of work a test belongs to under pytest-xdist: its module, or the in-process
    Spark unit."""
    path = module_path(nodeid)
    return IN_PROCESS_SPARK if path in IN_PROCESS_SPARK_MODULES else path


@pytest.hookimpl(optionalhook=True)  # optional: the Glue runtime's pytest has no xdist
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` with ``work_unit`` as its scope; other modes are xdist's own."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LoadWorkUnitScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return LoadWorkUnitScheduling(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    result = yield
    strays = sorted(
        {
            module_path(item.nodeid)
            for item in items
            if "spark" in getattr(item, "fixturenames", ())
            and work_unit(item.nodeid) != IN_PROCESS_SPARK
        }
    )
    if strays:
        raise pytest.UsageError(
            f"{', '.join(strays)}: the in-process `spark` fixture is used here; add the module"
            " to IN_PROCESS_SPARK_MODULES in tests/conftest.py (one worker runs them all)"
        )
    if WORKER:  # after pytest-django's reordering: xdist hands the units out in this order

        def rank(item) -> int:
            unit = work_unit(item.nodeid)
            return SLOWEST_FIRST.index(unit) if unit in SLOWEST_FIRST else len(SLOWEST_FIRST)

        items.sort(key=rank)  # stable: the rest keep pytest's order
    return result


def _drop(url: str) -> None:
    import psycopg

    from config.postgres import with_database

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def manage(*args: str, database_url: str) -> str:
    """Run a Django management command against ``database_url``; its stdout."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT / "django_project",
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@pytest.fixture(scope="session")
def loaded_shop_url(tmp_path_factory) -> Iterator[str]:
    """libpq URL of a shop database holding the generated tiny dataset (do not modify it)."""
    from config.postgres import ensure_database, resolve_database_url, with_database
    from dataset.generator import generate

    url = with_database(resolve_database_url(), SHOP_DATABASE)
    _drop(url)
    ensure_database(url)
    folder = tmp_path_factory.mktemp("olist-tiny")
    generate(folder, scale=TEST_SCALE, seed=TEST_SEED, progress=False)
    manage("migrate", "--no-input", "-v", "0", database_url=url)
    manage("load_olist", str(folder), database_url=url)
    yield url
    _drop(url)


@pytest.fixture
def shop_url(loaded_shop_url) -> Iterator[str]:
    """A private copy of the loaded shop that the test may change; dropped afterwards."""
    import psycopg

    from config.postgres import with_database

    copy = with_database(loaded_shop_url, f"{SHOP_DATABASE}_{uuid.uuid4().hex[:8]}")
    with psycopg.connect(with_database(loaded_shop_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{copy.rsplit("/", 1)[1]}" template "{SHOP_DATABASE}"')
    try:
        yield copy
    finally:
        _drop(copy)


@pytest.fixture
def lake(tmp_path: Path):
    """A lake in a fresh folder."""
    from olist_pipeline.lake.partitions import Lake

    return Lake.from_uri(str(tmp_path / "lake"))


def _fresh_warehouse(name: str) -> Iterator[str]:
    from config.postgres import ensure_database, resolve_database_url, with_database

    url = with_database(resolve_database_url(), name)
    _drop(url)  # what an interrupted session may have left
    ensure_database(url)
    try:
        yield url
    finally:
        _drop(url)


@pytest.fixture
def warehouse_url() -> Iterator[str]:
    """libpq URL of an empty warehouse database of the test's own; dropped afterwards.

    Every test's database has the same name, created afresh: dbt's parse of the project names
    the database, so one name lets the tests share one parse (tests/support/warehouse_builder.py)
    instead of paying dbt's full parse, seconds, in every test."""
    yield from _fresh_warehouse(per_worker("pipeline_test_warehouse"))


@pytest.fixture(scope="module")
def module_warehouse_url() -> Iterator[str]:
    """An empty warehouse database that a whole module builds once and only reads."""
    yield from _fresh_warehouse(f"pipeline_test_warehouse_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def warehouse_builder(warehouse_url, lake):
    """A ``WarehouseBuilder`` (tests/support/warehouse_builder.py) on an empty warehouse."""
    from support.warehouse_builder import WarehouseBuilder

    from olist_pipeline.warehouse.postgres import PostgresWarehouse

    return WarehouseBuilder(PostgresWarehouse(warehouse_url), lake)


@pytest.fixture(scope="session")
def s3_client():
    """A boto3 S3 client talking to moto's S3 server, started on a free loopback port."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
    finally:
        server.stop()


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for all the cleaning tests (a start costs seconds)."""
    from olist_cleaning.session import local_session

    session = local_session("local[2]", shuffle_partitions=2)
    yield session
    session.stop()
    # py4j logs from finalizers at interpreter exit, after pytest closed its log streams.
    logging.getLogger("py4j").setLevel(logging.WARNING)


def _spark_connect_home(basetemp: Path) -> Path:
    """The home of the session's Spark Connect server: beside the workers' own folders under
    pytest-xdist (one server for all of them), in the session's folder otherwise."""
    return (basetemp.parent if WORKER else basetemp) / "spark-connect"


@pytest.fixture(scope="session")
def spark_connect(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The Spark Connect server of this test session (``CLEAN_RUNNER=spark-connect``), on a
    free loopback port: its URL and home folder. Started as the runner starts the stack's.

    Under pytest-xdist every worker uses the first worker's server (its URL is in the home
    folder), so the suite pays for one JVM and its warm-up, not one per worker; the controller
    stops it when the session ends (``pytest_sessionfinish``). Each cleaning has sessions of its
    own on the server, as two DAG runs on the stack's server would."""
    import fcntl

    from olist_pipeline.lake import spark_server

    home = _spark_connect_home(tmp_path_factory.getbasetemp())
    home.mkdir(exist_ok=True)
    with (home / "url.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker picks the port, the others read it
        url_file = home / "url"
        if not url_file.exists():
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                url_file.write_text(f"sc://127.0.0.1:{probe.getsockname()[1]}")
        url = url_file.read_text()
        spark_server.ensure_running(url, master="local[2]", home=home)
    assert spark_server.answers(url), f"no Spark Connect server answers at {url}"
    yield url, home
    if not WORKER:
        spark_server.stop(home)


def pytest_sessionfinish(session):
    """Under pytest-xdist, stop the workers' shared Spark Connect server (if one started)."""
    if WORKER or not hasattr(session.config, "_tmp_path_factory"):
        return
    workers = getattr(session.config.option, "numprocesses", None)
    if not workers:
        return  # no xdist workers: the fixture stopped its server itself
    from olist_pipeline.lake import spark_server

    home = _spark_connect_home(session.config._tmp_path_factory.getbasetemp())
    if home.is_dir():
        spark_server.stop(home)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright, for the pages' tests (the dashboard site,
    the lineage site); offline: no background or component-update traffic."""
    import shutil

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "no chromium on PATH: make test installs Debian's (apt-get install chromium)"
    arguments = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=arguments)
        yield browser
        browser.close()
