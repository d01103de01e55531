"""DAG integrity: every DAG file imports cleanly, without a database, and is documented.

The DAG folder is parsed in a fresh interpreter (Airflow reads its configuration at import
time) whose metadata database URL points at a closed port, so a DAG that touched the
database while being parsed would show up as an import error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "dags"

PARSE_DAGS = """
import gc, json, sys
from airflow.dag_processing.dagbag import DagBag

bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({
    "import_errors": bag.import_errors,
    "frozen_objects": gc.get_freeze_count(),
    "packages": sorted({name.split(".")[0] for name in sys.modules}),
    "dags": {
        dag_id: {
            "tags": sorted(dag.tags),
            "doc_md": dag.doc_md or "",
            "tasks": {
                t.task_id: {
                    "owner": t.owner,
                    "retries": t.retries,
                    "type": type(t).__name__,
                    "outlets": [a.name for a in t.outlets],
                    "upstream": sorted(t.upstream_task_ids),
                    "callbacks": [
                        bool(t.on_execute_callback),
                        bool(t.on_failure_callback),
                        bool(t.on_success_callback),
                    ],
                    "pre_execute": getattr(t._pre_execute_hook, "__qualname__", None),
                }
                for t in dag.tasks
            },
        }
        for dag_id, dag in bag.dags.items()
    },
}))
"""


def parse_dags(tmp_path: Path, **environment: str) -> dict:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://nobody@127.0.0.1:1/none",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "PYTHONPATH": str(REPO_ROOT / "plugins"),
        **environment,
    }
    result = subprocess.run(
        [sys.executable, "-c", PARSE_DAGS, str(DAGS_FOLDER)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict:
    return parse_dags(tmp_path_factory.mktemp("dags"))


def test_every_dag_file_imports_without_error_or_database(parsed):
    assert parsed["import_errors"] == {}
    dag_files = {path.stem for path in DAGS_FOLDER.glob("*.py")}
    assert set(parsed["dags"]) == dag_files, "one DAG per file, named after it"


# What the tasks import when they run, never the DAG file: the DAG processor parses it every
# few seconds (Airflow's guidance: no heavy imports at the top level of a DAG file). With
# CLEAN_RUNNER=glue the DAG instantiates the Amazon provider's GlueJobOperator, whose module
# imports boto3 itself.
TASK_RUNTIME_PACKAGES = {
    "adbc_driver_postgresql",
    "boto3",
    "dbt",
    "great_expectations",
    "pandas",
    "psycopg",
    "pyarrow",
    "pyspark",
}


def test_parsing_the_dags_imports_none_of_the_tasks_libraries(parsed):
    assert TASK_RUNTIME_PACKAGES & set(parsed["packages"]) == set()


def test_dags_are_documented_tagged_owned_and_retried(parsed):
    for dag_id, dag in parsed["dags"].items():
        assert dag["tags"], dag_id
        assert dag["doc_md"].strip().startswith("###"), f"{dag_id} has no doc_md heading"
        for task_id, task in dag["tasks"].items():
            assert task["owner"] not in {"", "airflow"}, f"{dag_id}.{task_id} has no owner"
            assert task["retries"] >= 1, f"{dag_id}.{task_id} is not retried"


def test_elt_dag_runs_lake_warehouse_checks_marts_report_dashboards(parsed):
    assert list(parsed["dags"]["olist_elt"]["tasks"]) == [
        "lake.extract",
        "lake.has_new_data",
        "lake.clean",
        "lake.quality_gate",
        "warehouse.load",
        "warehouse.transform",
        "checks.star_schema_checks",
        "checks.reconcile",
        "marts.marts",
        "marts.lineage_docs",
        "report",
        "dashboards",
    ]


def test_every_elt_task_is_audited_and_writers_name_their_assets(parsed):
    tasks = parsed["dags"]["olist_elt"]["tasks"]
    assert all(task["callbacks"] == [True, True, True] for task in tasks.values())
    assert tasks["lake.extract"]["outlets"] == ["olist.lake.raw"]
    assert tasks["lake.clean"]["outlets"] == ["olist.lake.processed", "olist.lake.rejected"]
    assert "olist.warehouse.staging.lake_orders" in tasks["warehouse.load"]["outlets"]
    assert "olist.warehouse.core.fact_sales" in tasks["warehouse.transform"]["outlets"]
    assert "olist.warehouse.staging.stg_orders" in tasks["warehouse.transform"]["outlets"]
    assert "olist.warehouse.marts.mart_rfm" in tasks["marts.marts"]["outlets"]
    assert tasks["dashboards"]["outlets"] == ["olist.dashboards.site"]


def test_parsing_freezes_the_heap_and_every_elt_task_freezes_it_again_before_it_runs(parsed):
    assert parsed["frozen_objects"] > 100_000  # Airflow's modules, at least
    tasks = parsed["dags"]["olist_elt"]["tasks"]
    assert {task["pre_execute"] for task in tasks.values()} == {"freeze_long_lived_objects"}


def test_the_glue_runner_wires_the_glue_operator(tmp_path):
    parsed = parse_dags(tmp_path, CLEAN_RUNNER="glue")
    assert parsed["import_errors"] == {}
    assert parsed["dags"]["olist_elt"]["tasks"]["lake.clean"]["type"] == "CleanOnGlueOperator"


def test_airflow_loads_the_plugin_and_none_of_the_package_modules():
    """Airflow's plugin loader runs every file of the plugins folder as a top-level module;
    plugins/.airflowignore keeps it out of olist_pipeline/ (whose __main__.py it would run)."""
    from airflow._shared.plugins_manager.plugins_manager import (
        _load_plugins_from_plugin_directory,
    )

    main = sys.modules["__main__"]
    plugins, errors = _load_plugins_from_plugin_directory(str(REPO_ROOT / "plugins"))
    assert errors == {}
    assert [plugin.name for plugin in plugins] == ["olist_docs"]
    assert sys.modules["__main__"] is main
    assert not {"tasks", "settings", "partitions"} & set(sys.modules)


def test_the_crash_suites_worker_runs_the_dags_tasks_in_an_order_the_dag_allows(parsed):
    """tests/reliability/pipeline_driver.py restates the DAG's order; it must not drift."""
    sys.path.insert(0, str(REPO_ROOT / "tests" / "reliability"))
    try:
        from pipeline_driver import TASKS
    finally:
        sys.path.pop(0)
    tasks = parsed["dags"]["olist_elt"]["tasks"]
    order = [task_id for _, task_id in TASKS]
    assert sorted(order) == sorted(tasks)
    for position, task_id in enumerate(order):
        assert set(tasks[task_id]["upstream"]) <= set(order[:position]), task_id
