"""deploy/mwaa_settings.json, the one list of what an MWAA deployment sets (Terraform reads it):
the pipeline runs in production from those options alone, every setting the code reads is either
in it or set aside with a reason, and docs/deploy.md names each."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from deploy import package
from olist_pipeline.settings import (
    DEPLOYED_OPTION_PREFIX,
    MissingSetting,
    PipelineSettings,
    adopt_deployed_options,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOYED = json.loads((REPO_ROOT / "deploy" / "mwaa_settings.json").read_text())
OPTIONS = DEPLOYED["configuration_options"]
PIPELINE_OPTIONS = {
    key.removeprefix("olist.").upper(): value
    for group in ("fixed", "from_terraform")
    for key, value in OPTIONS[group].items()
    if key.startswith("olist.")
}
# What the code reads from the environment: settings, dbt's profile, the command-line tools.
READS = re.compile(r"""(?:environ\.get|environ\[|getenv|_get)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
DBT_READS = re.compile(r"""env_var\(\s*'([A-Z][A-Z0-9_]+)'""")


def names_read_by_the_code() -> set[str]:
    names = set()
    for path in [*(REPO_ROOT / "plugins").rglob("*.py"), *(REPO_ROOT / "dags").glob("*.py")]:
        names |= set(READS.findall(path.read_text()))
    for path in (REPO_ROOT / "sql").glob("*.yml"):
        names |= set(DBT_READS.findall(path.read_text()))
    return names


@pytest.fixture
def deployed_environment():
    """This process's environment as MWAA's: only the deployment's options, none of the names
    the pipeline reads set directly. Restored afterwards as a whole: ``from_env`` sets the
    adopted names in ``os.environ`` itself, behind monkeypatch's back."""
    saved = dict(os.environ)
    for name in names_read_by_the_code() | {"PIPELINE_ENV"}:
        os.environ.pop(name, None)
    for name, value in PIPELINE_OPTIONS.items():
        example = "s3://olist-lake-dev/olist" if name == "LAKE_URI" else value
        os.environ[f"{DEPLOYED_OPTION_PREFIX}{name}"] = example
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_the_pipeline_runs_in_production_from_the_deployed_options(deployed_environment):
    settings = PipelineSettings.from_env()

    assert (settings.environment, settings.clean_runner) == ("production", "glue")
    assert settings.lake_uri == "s3://olist-lake-dev/olist"
    assert settings.data_docs_uri == "s3://olist-lake-dev/olist/data_docs"
    assert str(settings.dbt_project_dir) == OPTIONS["fixed"]["olist.dbt_project_dir"]
    assert settings.glue_job_name == PIPELINE_OPTIONS["GLUE_JOB_NAME"]


@pytest.mark.parametrize("name", ["LAKE_URI", "GLUE_JOB_NAME"])
def test_a_deployment_without_a_required_option_fails_naming_it(deployed_environment, name):
    del os.environ[f"{DEPLOYED_OPTION_PREFIX}{name}"]
    with pytest.raises(MissingSetting, match=name):
        PipelineSettings.from_env()


def test_an_option_never_overrides_a_variable_set_directly():
    environ = {"AIRFLOW__OLIST__LAKE_URI": "s3://from-option", "LAKE_URI": "/set/directly"}
    adopt_deployed_options(environ)
    assert environ["LAKE_URI"] == "/set/directly"


def test_every_setting_the_code_reads_is_deployed_or_set_aside_with_a_reason():
    set_aside = DEPLOYED["not_deployed"]
    prefixes = tuple(name.removesuffix("*") for name in set_aside if name.endswith("*"))
    placed = set(PIPELINE_OPTIONS) | set(set_aside)
    unplaced = {name for name in names_read_by_the_code() - placed if not name.startswith(prefixes)}
    assert not unplaced, f"add these to deploy/mwaa_settings.json: {sorted(unplaced)}"
    assert not set(PIPELINE_OPTIONS) & set(set_aside)
    assert all(reason.strip() for reason in set_aside.values())


def test_the_bundle_puts_the_files_where_the_options_point():
    for name, path in package.dags_folder_settings().items():
        assert PIPELINE_OPTIONS[name] == path, name


def test_the_tasks_may_hand_over_the_runs_facts():
    from olist_pipeline.orchestration.run_facts import DESERIALIZATION_ALLOWLIST

    allowed = OPTIONS["fixed"]["core.allowed_deserialization_classes"]
    assert allowed == DESERIALIZATION_ALLOWLIST


def test_the_connections_are_the_pipelines_and_come_from_secrets_manager():
    settings = PipelineSettings.from_env()
    assert set(DEPLOYED["connections"]) == {
        settings.shop_conn_id,
        settings.warehouse_conn_id,
        settings.aws_conn_id,
    }
    backend = json.loads(OPTIONS["fixed"]["secrets.backend_kwargs"])
    for name in (settings.shop_conn_id, settings.warehouse_conn_id):
        assert f"secret {backend['connections_prefix']}/{name}" in DEPLOYED["connections"][name]


def test_the_deploy_page_names_every_option_and_connection():
    page = (REPO_ROOT / "docs" / "deploy.md").read_text()
    names = [*OPTIONS["fixed"], *OPTIONS["from_terraform"], *DEPLOYED["connections"]]
    assert [name for name in names if f"`{name}`" not in page] == []
