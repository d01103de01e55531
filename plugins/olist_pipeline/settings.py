"""The pipeline's settings, read from environment variables in one place.

Local defaults make ``make demo`` work with nothing set. With ``PIPELINE_ENV=production`` (MWAA)
the settings without a safe default must be given, and a missing one fails with a message that
names it. ``.env.example`` lists every variable.

MWAA takes no environment variables of its own: a deployment sets the settings as Airflow
configuration options of the ``olist`` section (``olist.lake_uri``), which MWAA hands to every
Airflow process as ``AIRFLOW__OLIST__LAKE_URI``; ``from_env`` adopts them under their plain
names. ``deploy/mwaa_settings.json`` lists what a deployment sets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CLEAN_RUNNERS = ("spark-connect", "local", "spark-submit", "glue")
DEPLOYED_OPTION_PREFIX = "AIRFLOW__OLIST__"


class MissingSetting(RuntimeError):
    pass


def adopt_deployed_options(environ: dict[str, str] | None = None) -> None:
    """Set each ``AIRFLOW__OLIST__<NAME>`` (an ``olist.<name>`` configuration option of the
    deployment) as ``<NAME>`` where ``<NAME>`` is not set, for this code and for what it starts
    (dbt reads its profile's ``DBT_REDSHIFT_*`` from the environment)."""
    environ = os.environ if environ is None else environ
    for key, value in list(environ.items()):
        if key.startswith(DEPLOYED_OPTION_PREFIX):
            environ.setdefault(key.removeprefix(DEPLOYED_OPTION_PREFIX), value)


def _get(name: str, local_default: str, *, production: bool) -> str:
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if production:
        raise MissingSetting(f"{name} must be set when PIPELINE_ENV=production (see .env.example)")
    return local_default


@dataclass(frozen=True)
class PipelineSettings:
    environment: str
    lake_uri: str
    shop_conn_id: str
    warehouse_conn_id: str
    bi_conn_id: str
    aws_conn_id: str
    clean_runner: str
    spark_master: str
    spark_connect_url: str
    spark_connect_home: Path
    glue_job_name: str
    expectations_dir: Path
    gx_project_dir: Path
    data_docs_uri: str
    dbt_project_dir: Path
    dbt_work_dir: Path
    dbt_executable: str | None
    dbt_docs_uri: str
    dbt_artefacts_uri: str
    dashboards_dir: Path
    dashboards_site_uri: str
    extract_lookback_minutes: int
    task_retries: int

    @classmethod
    def from_env(cls) -> PipelineSettings:
        adopt_deployed_options()
        environment = os.environ.get("PIPELINE_ENV", "local").strip() or "local"
        production = environment == "production"
        lake_uri = _get("LAKE_URI", str(REPO_ROOT / "data" / "lake"), production=production)
        clean_runner = _get("CLEAN_RUNNER", "spark-connect", production=False)
        if clean_runner not in CLEAN_RUNNERS:
            raise ValueError(
                f"CLEAN_RUNNER={clean_runner!r}; expected one of {', '.join(CLEAN_RUNNERS)}"
            )
        # Published sites and kept files live beside the lake when it is on S3, under data/
        # locally.
        home = lake_uri.rstrip("/") if lake_uri.startswith("s3://") else str(REPO_ROOT / "data")
        default_docs, default_site = f"{home}/data_docs", f"{home}/dashboards"
        return cls(
            environment=environment,
            lake_uri=lake_uri,
            shop_conn_id=_get("SHOP_CONN_ID", "olist_shop", production=False),
            warehouse_conn_id=_get("WAREHOUSE_CONN_ID", "olist_warehouse", production=False),
            # The dashboards read the warehouse as the read-only BI role; without this
            # connection they read through the warehouse connection.
            bi_conn_id=_get("BI_CONN_ID", "olist_bi", production=False),
            aws_conn_id=_get("AWS_CONN_ID", "aws_default", production=False),
            clean_runner=clean_runner,
            spark_master=_get("SPARK_MASTER", "local[2]", production=False),
            spark_connect_url=_get("SPARK_CONNECT_URL", "sc://127.0.0.1:15002", production=False),
            spark_connect_home=Path(
                _get(
                    "SPARK_CONNECT_HOME",
                    str(REPO_ROOT / "data" / "spark-connect"),
                    production=False,
                )
            ),
            glue_job_name=_get(
                "GLUE_JOB_NAME", "olist-clean", production=production and clean_runner == "glue"
            ),
            expectations_dir=Path(
                _get("EXPECTATIONS_DIR", str(REPO_ROOT / "expectations"), production=False)
            ),
            gx_project_dir=Path(
                _get("GX_PROJECT_DIR", str(REPO_ROOT / "data" / "gx"), production=False)
            ),
            data_docs_uri=_get("DATA_DOCS_URI", default_docs, production=False),
            dbt_project_dir=Path(_get("DBT_PROJECT_DIR", str(REPO_ROOT / "sql"), production=False)),
            dbt_work_dir=Path(
                _get("DBT_WORK_DIR", str(REPO_ROOT / ".local" / "dbt"), production=False)
            ),
            dbt_executable=os.environ.get("DBT_EXECUTABLE", "").strip() or None,
            dbt_docs_uri=_get("DBT_DOCS_URI", f"{home}/dbt_docs", production=False),
            dbt_artefacts_uri=_get("DBT_ARTEFACTS_URI", f"{home}/dbt_runs", production=False),
            dashboards_dir=Path(
                _get("DASHBOARDS_DIR", str(REPO_ROOT / "dashboards"), production=False)
            ),
            dashboards_site_uri=_get("DASHBOARDS_SITE_URI", default_site, production=False),
            extract_lookback_minutes=int(_get("EXTRACT_LOOKBACK_MINUTES", "15", production=False)),
            task_retries=int(_get("TASK_RETRIES", "2", production=False)),
        )
