"""The MWAA bundle on MWAA's Airflow and Python: a virtualenv on the Python version and with the
Airflow version of ``deploy/aws_runtimes.json`` (plus the providers MWAA installs and the
bundle's requirements.txt) loads the bundle's DAG folder as MWAA would: plugins.zip unpacked
into the plugins folder, which is on ``sys.path``, and the configuration options a deployment
sets (``deploy/mwaa_settings.json``), as MWAA hands them to Airflow's processes.

It proves that the DAG parses there with the same tasks as on this platform's Airflow, that
the plugin loads alone, and that requirements.txt brings everything the tasks import. Not
proven here: Airflow's constraints file (it cannot be downloaded; the requirements install
without that line) and MWAA's own image. See docs/deploy.md.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

import pytest
from support.mwaa_runtime import mwaa_python, run_in

from deploy import package

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNTIMES = json.loads((REPO_ROOT / "deploy" / "aws_runtimes.json").read_text())
MWAA_SETTINGS = json.loads((REPO_ROOT / "deploy" / "mwaa_settings.json").read_text())
GLUE_JOB_NAME = "olist-clean-mwaa-test"
# Test values for the options Terraform fills in.
TERRAFORM_OUTPUTS = {
    "olist.lake_uri": "s3://olist-lake-mwaa-test/olist",
    "olist.glue_job_name": GLUE_JOB_NAME,
    "olist.dbt_redshift_port": "5439",
}
MARKER = "RESULT:"
# The metadata database is never reached while parsing (a closed port proves it).
UNREACHABLE_DATABASE = "postgresql+psycopg2://nobody@127.0.0.1:1/none"

PARSE_DAGS = f"""
import json, sys
from airflow.dag_processing.dagbag import DagBag

# Examples are off through AIRFLOW__CORE__LOAD_EXAMPLES (Airflow 3.3 dropped DagBag's
# include_examples argument, which 3.2 has).
bag = DagBag(dag_folder=sys.argv[1])
print({MARKER!r} + json.dumps({{
    "import_errors": {{path: str(error) for path, error in bag.import_errors.items()}},
    "dags": {{
        dag_id: {{
            task.task_id: {{
                "type": f"{{type(task).__module__}}.{{type(task).__qualname__}}",
                "downstream": sorted(task.downstream_task_ids),
                "outlets": [asset.name for asset in task.outlets],
                "job_name": getattr(task, "job_name", None),
            }}
            for task in dag.tasks
        }}
        for dag_id, dag in bag.dags.items()
    }},
}}))
"""

# What MWAA's components do with plugins.zip, and what the tasks import when they run.
CHECK_PLUGINS_AND_IMPORTS = f"""
import importlib, json, pkgutil, sys
from airflow.plugins_manager import _load_plugins_from_plugin_directory

plugins_folder = sys.argv[1]
plugins, plugin_errors = _load_plugins_from_plugin_directory(plugins_folder)
failures = {{}}
modules = []
for package in ("olist_pipeline", "olist_cleaning"):
    found = pkgutil.walk_packages([f"{{plugins_folder}}/{{package}}"], prefix=f"{{package}}.")
    modules += [package] + [m.name for m in found if not m.name.endswith(".__main__")]
# imported inside task bodies only
modules += ["great_expectations", "dbt.cli.main", "dbt.adapters.redshift", "plotly",
            "adbc_driver_postgresql.dbapi", "pyarrow.parquet", "pandas"]
for name in modules:
    try:
        importlib.import_module(name)
    except Exception as error:
        failures[name] = repr(error)
print({MARKER!r} + json.dumps({{
    "plugins": [plugin.name for plugin in plugins],
    "plugin_errors": plugin_errors,
    "modules": modules,
    "failures": failures,
    "python": "%d.%d" % sys.version_info[:2],
    "airflow": importlib.import_module("airflow").__version__,
}}))
"""


def result(output: str) -> dict:
    [line] = [line for line in output.splitlines() if line.startswith(MARKER)]
    return json.loads(line.removeprefix(MARKER))


def deployed_options(dags: Path) -> dict[str, str]:
    """What MWAA gives every Airflow process for the options of deploy/mwaa_settings.json: each
    ``section.key`` as ``AIRFLOW__SECTION__KEY``, the fixed ones as written (the DAGs folder
    being the bundle's here), Terraform's with test values."""
    options = MWAA_SETTINGS["configuration_options"]
    values = dict(options["fixed"])
    values |= {
        name: TERRAFORM_OUTPUTS.get(name, f"mwaa-test-{name.split('.')[-1]}")
        for name in options["from_terraform"]
    }
    env = {}
    for name, value in values.items():
        section, key = name.split(".", 1)
        env[f"AIRFLOW__{section}__{key}".upper()] = value.replace(
            str(package.MWAA_DAGS_FOLDER), str(dags)
        )
    return env


def airflow_env(home: Path, dags: Path, plugins: Path, **settings: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")
    }
    return {
        **env,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": UNREACHABLE_DATABASE,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins),
        # MWAA puts the plugins folder on sys.path
        "PYTHONPATH": str(plugins),
        "GX_ANALYTICS_ENABLED": "False",
        **settings,
    }


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("bundle") / "dist"
    package.build(dist)
    return dist / "mwaa"


@pytest.fixture(scope="module")
def mwaa(bundle, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """MWAA's Python and the environment of an MWAA component for the bundle."""
    python = mwaa_python((bundle / "requirements.txt").read_text(), RUNTIMES)
    plugins = tmp_path_factory.mktemp("plugins")
    with zipfile.ZipFile(bundle / "plugins.zip") as archive:
        archive.extractall(plugins)
    dags = bundle / "dags"
    home = tmp_path_factory.mktemp("mwaa-airflow-home")
    return python, airflow_env(home, dags, plugins, **deployed_options(dags))


@pytest.fixture(scope="module")
def local_dags(tmp_path_factory) -> dict:
    """The DAGs as this platform's Airflow parses them from the repository, with the local
    defaults but the Glue runner."""
    env = airflow_env(
        tmp_path_factory.mktemp("local-airflow-home"),
        REPO_ROOT / "dags",
        REPO_ROOT / "plugins",
        CLEAN_RUNNER="glue",
    )
    return result(run_in(sys.executable, PARSE_DAGS, env, str(REPO_ROOT / "dags")))


def test_the_dag_parses_on_mwaa_airflow_with_the_same_tasks(mwaa, local_dags):
    python, env = mwaa
    parsed = result(run_in(python, PARSE_DAGS, env, env["AIRFLOW__CORE__DAGS_FOLDER"]))

    assert parsed["import_errors"] == {}
    assert local_dags["import_errors"] == {}
    assert parsed["dags"].keys() == local_dags["dags"].keys() == {"olist_elt"}
    tasks, local_tasks = parsed["dags"]["olist_elt"], local_dags["dags"]["olist_elt"]
    assert list(tasks) == list(local_tasks)
    for task_id, task in tasks.items():
        local = local_tasks[task_id]
        assert task["type"] == local["type"], task_id
        assert task["downstream"] == local["downstream"], task_id
        # the asset names, the dbt models' among them: the bundle's dbt project was found
        assert task["outlets"] == local["outlets"], task_id
    clean = tasks["lake.clean"]
    assert clean["type"] == "olist_pipeline.orchestration.glue.CleanOnGlueOperator"
    assert clean["job_name"] == GLUE_JOB_NAME
    assert "olist.warehouse.marts.mart_rfm" in tasks["marts.marts"]["outlets"]


def test_plugins_load_and_requirements_cover_every_import(mwaa):
    python, env = mwaa
    checked = result(
        run_in(python, CHECK_PLUGINS_AND_IMPORTS, env, env["AIRFLOW__CORE__PLUGINS_FOLDER"])
    )

    assert (checked["python"], checked["airflow"]) == (
        RUNTIMES["mwaa"]["python"],
        RUNTIMES["mwaa"]["airflow"],
    )
    assert checked["plugins"] == ["olist_docs"]
    assert checked["plugin_errors"] == {}
    assert "olist_cleaning.quiet_day" in checked["modules"]
    # Only the job's Spark modules fail, for want of the Spark that runs them on Glue.
    spark_only = {
        name: error
        for name, error in checked["failures"].items()
        if name.startswith("olist_cleaning.") and "No module named 'pyspark'" in error
    }
    assert checked["failures"] == spark_only
    assert {"olist_cleaning.job", "olist_cleaning.transforms"} <= set(spark_only)
