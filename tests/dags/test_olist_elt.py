"""The ELT DAG end to end, run by Airflow itself (``airflow dags test``) on a tiny shop.

Real tasks in a real Airflow with its metadata in PostgreSQL, the cleaning on a Spark Connect server
and Great Expectations for the gate; only the lake and the Data Docs live in a temporary
folder. Slow (Airflow, Spark and GX start-ups), so each scenario is one DAG run, and the quiet
day is the day after the full refresh's, on the same lake and warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg
import pytest
from support.workers import per_worker

from config.postgres import ensure_database, resolve_database_url, with_database
from olist_pipeline.database_urls import sqlalchemy_url
from olist_pipeline.lake.partitions import Lake
from olist_pipeline.orchestration.run_facts import DESERIALIZATION_ALLOWLIST
from olist_pipeline.tables import TABLES

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = Path(sys.executable).with_name("airflow")
METADATA_DATABASE = per_worker("pipeline_test_airflow")


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory, spark_connect) -> dict[str, str]:
    """Environment for the Airflow CLI: a private home and a fresh metadata database, migrated
    once (fresh, so DAG runs and assets of an earlier session do not carry over)."""
    server_url = resolve_database_url()
    metadata_url = with_database(server_url, METADATA_DATABASE)
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{METADATA_DATABASE}" with (force)')
    ensure_database(metadata_url)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path_factory.mktemp("airflow-home")),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(server_url, METADATA_DATABASE),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES": DESERIALIZATION_ALLOWLIST,
        "CLEAN_RUNNER": "spark-connect",
        "SPARK_CONNECT_URL": spark_connect[0],
        "SPARK_CONNECT_HOME": str(spark_connect[1]),
        # A failed task would otherwise wait out its retry delays inside `dags test`.
        "TASK_RETRIES": "0",
        "SPARK_MASTER": "local[2]",
        "GX_ANALYTICS_ENABLED": "False",
    }
    migrate = subprocess.run(
        [str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True, check=False
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    return env


def run_dag(
    env: dict[str, str],
    tmp_path: Path,
    shop_url: str,
    warehouse_url: str,
    conf: dict,
    *extra: str,
    logical_date: str | None = None,
):
    env = {
        **env,
        "AIRFLOW_CONN_OLIST_SHOP": shop_url,
        "AIRFLOW_CONN_OLIST_WAREHOUSE": warehouse_url,
        "LAKE_URI": str(tmp_path / "lake"),
        "DATA_DOCS_URI": str(tmp_path / "data_docs"),
        "GX_PROJECT_DIR": str(tmp_path / "gx"),
        "DASHBOARDS_SITE_URI": str(tmp_path / "dashboards"),
        "DBT_WORK_DIR": str(tmp_path / "dbt"),
        "DBT_ARTEFACTS_URI": str(tmp_path / "dbt_runs"),
        "DBT_DOCS_URI": str(tmp_path / "dbt_docs"),
    } | dict(item.split("=", 1) for item in extra)
    return subprocess.run(
        [
            str(AIRFLOW),
            "dags",
            "test",
            "olist_elt",
            *([logical_date] if logical_date else []),
            "-c",
            json.dumps(conf),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def shop_counts(shop_url: str) -> dict[str, int]:
    with psycopg.connect(shop_url) as conn:
        return {
            table.name: conn.execute(f"select count(*) from {table.name}").fetchone()[0]
            for table in TABLES
        }


def warehouse_rows(warehouse_url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(warehouse_url) as conn:
        return conn.execute(sql, params).fetchall()


@dataclass
class DagRun:
    folder: Path
    warehouse_url: str
    process: subprocess.CompletedProcess
    ingest_date: str
    run_id: str

    @property
    def output(self) -> str:
        return self.process.stdout + self.process.stderr


@pytest.fixture(scope="module")
def full_refresh(airflow_env, loaded_shop_url, module_warehouse_url, tmp_path_factory) -> DagRun:
    """One full-refresh run of the DAG into an empty warehouse, which the module's tests read
    (and the quiet day's test runs the next day on)."""
    folder = tmp_path_factory.mktemp("full-refresh")
    process = run_dag(
        airflow_env, folder, loaded_shop_url, module_warehouse_url, {"full_refresh": True}
    )
    assert process.returncode == 0, (process.stdout + process.stderr)[-5000:]
    lake = Lake.from_uri(str(folder / "lake"))
    (ingest_date,) = lake.partitions("raw", "orders")
    run_id = lake.manifest("raw", "orders", ingest_date).run_id
    return DagRun(folder, module_warehouse_url, process, ingest_date, run_id)


def test_a_full_refresh_fills_the_lake_and_the_warehouse(full_refresh, loaded_shop_url):
    lake = Lake.from_uri(str(full_refresh.folder / "lake"))
    ingest_date, warehouse_url = full_refresh.ingest_date, full_refresh.warehouse_url
    expected = shop_counts(loaded_shop_url)
    for table in TABLES:
        raw = lake.manifest("raw", table.name, ingest_date)
        processed = lake.manifest("processed", table.name, ingest_date)
        rejected = lake.manifest("rejected", table.name, ingest_date)
        assert raw.rows == expected[table.name], table.name
        assert raw.details.full_refresh is True
        accounting = asdict(processed.details.accounting)
        assert accounting["raw_rows"] == raw.rows
        assert raw.rows == (processed.rows + rejected.rows + accounting["duplicates_removed"]), (
            table.name
        )
        assert processed.run_id == raw.run_id
    # Geolocation collapses to one row per zip prefix.
    assert lake.manifest("processed", "geolocation", ingest_date).rows < expected["geolocation"]
    assert (full_refresh.folder / "data_docs" / "index.html").is_file()
    output = full_refresh.output
    assert "Data Docs:" in output

    # The star schema holds every item of the shop, and the reconciliation said so.
    [(facts,)] = warehouse_rows(warehouse_url, "select count(*) from core.fact_sales")
    assert facts == expected["order_items"]
    assert "Reconciliation: all 6 measures match" in output
    [(customers,)] = warehouse_rows(warehouse_url, "select count(*) from marts.mart_rfm")
    assert customers > 0
    # Every task recorded its success, and the report printed the RFM segments.
    # Each attempt wrote a row when it started (on_execute_callback), and one when it ended.
    rows = warehouse_rows(
        warehouse_url,
        "select task_id, state from audit.pipeline_runs where run_id = %s order by started_at",
        (full_refresh.run_id,),
    )
    audited = [(task, state) for task, state in rows if state != "running"]
    assert sorted(task for task, state in rows if state == "running") == sorted(
        task for task, _ in audited
    )
    tasks = [task for task, _ in audited]
    # the two checks have no order between them
    assert tasks[6:8] in (
        ["checks.star_schema_checks", "checks.reconcile"],
        ["checks.reconcile", "checks.star_schema_checks"],
    )
    assert tasks[:6] + tasks[8:] == [
        "lake.extract",
        "lake.has_new_data",
        "lake.clean",
        "lake.quality_gate",
        "warehouse.load",
        "warehouse.transform",
        "marts.marts",
        "marts.lineage_docs",
        "report",
        "dashboards",
    ]
    assert {state for _, state in audited} == {"success"}
    # dbt's artefacts were kept with the run, and its lineage site built beside the Data Docs.
    (kept,) = (full_refresh.folder / "dbt_runs" / f"ingest_date={ingest_date}").iterdir()
    assert sorted(p.name for p in kept.iterdir()) == ["marts", "staging-core"]
    assert (kept / "marts" / "run_results.json").is_file()
    assert (full_refresh.folder / "dbt_docs" / "index.html").is_file()
    assert "Lineage (dbt docs):" in output
    assert "RFM segments" in output
    # The last task rendered the dashboard site from the marts.
    assert (full_refresh.folder / "dashboards" / "index.html").is_file()
    assert (full_refresh.folder / "dashboards" / "customer_segments.html").is_file()


# Every task after has_new_data, which a quiet day skips.
LATER_TASKS = [
    "checks.reconcile",
    "checks.star_schema_checks",
    "dashboards",
    "lake.clean",
    "lake.quality_gate",
    "marts.lineage_docs",
    "marts.marts",
    "report",
    "warehouse.load",
    "warehouse.transform",
]


def test_a_quiet_day_after_it_commits_empty_partitions_and_skips_every_later_task(
    airflow_env, loaded_shop_url, full_refresh
):
    """Nothing changed in the tiny shop on 9 November (it was loaded today), and the warehouse
    and its marts are current after the full refresh: the run extracts nothing, commits the
    day's empty cleaned partitions and skips every later task, with a row saying why in the
    audit. (A date after the DAG's start date, or Airflow creates no task.)"""
    run = run_dag(
        airflow_env,
        full_refresh.folder,
        loaded_shop_url,
        full_refresh.warehouse_url,
        {"full_refresh": False},
        logical_date="2026-11-10T03:00:00+00:00",
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]

    lake = Lake.from_uri(str(full_refresh.folder / "lake"))
    # A manual run at 03:00 on the 10th covers the day that ended then; its partition is
    # named after the day the interval ends.
    ingest_date = "2026-11-10"
    assert ingest_date in lake.partitions("raw", "orders")
    run_id = lake.manifest("raw", "orders", ingest_date).run_id
    for table in TABLES:
        raw = lake.manifest("raw", table.name, ingest_date)
        assert raw.rows == 0, table.name
        assert raw.details.full_refresh is False
        assert raw.details.interval.start == "2026-11-09T03:00:00+00:00"
        assert raw.details.interval.end == "2026-11-10T03:00:00+00:00"
        assert raw.details.interval.lookback_minutes == 15
        assert lake.manifest("processed", table.name, ingest_date).rows == 0
        assert lake.manifest("rejected", table.name, ingest_date).rows == 0

    audited = warehouse_rows(
        full_refresh.warehouse_url,
        "select task_id, state, error from audit.pipeline_runs"
        " where run_id = %s and state <> 'running' order by task_id",
        (run_id,),
    )
    assert [(task, state) for task, state, _ in audited] == sorted(
        [("lake.extract", "success"), ("lake.has_new_data", "success")]
        + [(task, "skipped") for task in LATER_TASKS]
    )
    assert all(error.startswith("no new data") for _, state, error in audited if state == "skipped")
    # No stage after the extract ran: no dbt artefacts and no validation for the day.
    assert not (full_refresh.folder / "dbt_runs" / f"ingest_date={ingest_date}").exists()
    # The warehouse is as the full refresh left it.
    [(facts,)] = warehouse_rows(full_refresh.warehouse_url, "select count(*) from core.fact_sales")
    assert facts == shop_counts(loaded_shop_url)["order_items"]


def test_a_failing_suite_stops_the_dag_before_the_warehouse(
    airflow_env, loaded_shop_url, warehouse_url, tmp_path
):
    expectations = tmp_path / "expectations"
    shutil.copytree(REPO_ROOT / "expectations", expectations)
    suite_file = expectations / "orders.json"
    suite = json.loads(suite_file.read_text())
    suite["expectations"].append(
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "order_status", "value_set": ["delivered"]},
        }
    )
    suite_file.write_text(json.dumps(suite))

    run = run_dag(
        airflow_env,
        tmp_path,
        loaded_shop_url,
        warehouse_url,
        {"full_refresh": True},
        f"EXPECTATIONS_DIR={expectations}",
    )
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "expect_column_values_to_be_in_set on order_status" in output
    lake = Lake.from_uri(str(tmp_path / "lake"))
    (ingest_date,) = lake.partitions("processed", "orders")
    assert lake.manifest("processed", "orders", ingest_date) is not None
    assert "Run summary" not in output, "the report ran after a failed gate"
    # Nothing reached the warehouse, and the audit table says which task failed and why.
    [(loaded,)] = warehouse_rows(
        warehouse_url,
        "select count(*) from information_schema.tables where table_schema = 'staging'",
    )
    assert loaded == 0
    [(task, state, error)] = warehouse_rows(
        warehouse_url,
        "select task_id, state, error from audit.pipeline_runs where state = 'failed'",
    )
    assert (task, state) == ("lake.quality_gate", "failed")
    assert "LakeGateFailed" in error
