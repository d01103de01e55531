"""
### Olist ELT: shop -> lake -> warehouse -> star schema -> marts

Every day at 03:00 UTC, for the previous day's data interval:

**lake**
1. **extract** reads every shop table in one consistent snapshot (one `REPEATABLE READ`
   transaction) and streams the rows changed in the interval (plus whole orders and the rows
   they reference, plus the shop's delete tombstones) to `raw/<table>/ingest_date=D/` in the
   lake, as Parquet with a manifest per partition. The manifests also record the shop's totals
   at that snapshot, for the reconciliation.
2. **clean** runs the Glue PySpark job (locally: the same script on local Spark, chosen by
   `CLEAN_RUNNER`): dedupe, types, normalised text, geolocation per zip prefix, derived revenue
   and delivery measures. Invalid rows go to `rejected/` with a reason.
3. **quality_gate** validates every processed table with its Great Expectations suite and
   builds the Data Docs (menu *Docs -> Data Docs*). A failing suite stops the run here.

**warehouse**
4. **load** copies the day's processed partitions into `staging.lake_<table>` (replacing that
   day, so a rerun loads it once).
5. **transform** runs the SQL models in dependency order: `sql/staging/` merges the day into
   `staging.stg_<table>`, the shop's current state (newer rows win, deletes apply), then
   `sql/core/` updates the star schema: the dimensions (with SCD type 2 customers) and
   `fact_sales`, for the orders the day touched.

**checks**
6. **star_schema_checks** validates the fact and dimensions with their suites; **reconcile**
   compares orders, items and payments in the warehouse with the shop's totals at the
   extract's snapshot. A mismatch fails the run with both numbers.

**marts**
7. **marts** rebuilds `sql/marts/` (RFM, CLV, delivery, sellers, daily revenue, forecast).
8. **report** logs rows per stage and table.
9. **dashboards** renders the dashboards of `dashboards/` from the marts into a static site
   (`DASHBOARDS_SITE_URI`: a folder, or S3). Metabase reads the warehouse itself; its questions
   and dashboards are provisioned once with `make metabase`, not by this DAG.

Every task is retried with exponential backoff; a failure is also written to the warehouse's
`audit.pipeline_runs` table. Trigger with `{"full_refresh": true}` to extract every row.
Reruns and backfills are safe: every task rewrites its own partitions or tables idempotently.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task, task_group
from airflow.timetables.interval import CronDataIntervalTimetable

from olist_pipeline import assets
from olist_pipeline.audit import make_audit_callback
from olist_pipeline.settings import PipelineSettings

SETTINGS = PipelineSettings.from_env()
INGEST_DATE = "{{ ti.xcom_pull(task_ids='lake.extract')['ingest_date'] }}"


def _warehouse():
    from olist_pipeline import connections

    return connections.warehouse(SETTINGS)


@dag(
    dag_id="olist_elt",
    schedule=CronDataIntervalTimetable("0 3 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "data-platform",
        "retries": SETTINGS.task_retries,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=15),
        # Every task's outcome goes to the warehouse's audit.pipeline_runs (see the README).
        "on_failure_callback": make_audit_callback(_warehouse, state="failed"),
        "on_retry_callback": make_audit_callback(_warehouse, state="up_for_retry"),
        "on_success_callback": make_audit_callback(_warehouse, state="success"),
    },
    params={
        "full_refresh": Param(
            False, type="boolean", description="Extract every row, not just the interval's."
        )
    },
    tags=["olist", "elt", "lake", "warehouse", "quality"],
    doc_md=__doc__,
)
def olist_elt():
    @task_group
    def lake():
        @task(outlets=[assets.lake_zone(SETTINGS, "raw")])
        def extract(params=None, data_interval_start=None, data_interval_end=None, dag_run=None):
            from olist_pipeline import steps

            return steps.extract(
                SETTINGS,
                ingest_date=steps.ingest_date_of(data_interval_end, dag_run.run_after),
                run_id=dag_run.run_id,
                interval_start=data_interval_start,
                interval_end=data_interval_end or dag_run.run_after,
                full_refresh=params["full_refresh"],
            )

        extracted = extract()
        cleaned_zones = [
            assets.lake_zone(SETTINGS, "processed"),
            assets.lake_zone(SETTINGS, "rejected"),
        ]

        if SETTINGS.clean_runner == "glue":
            from airflow.providers.amazon.aws.operators.glue import GlueJobOperator

            from olist_pipeline.cleaning import glue_script_args
            from olist_pipeline.tables import TABLES

            clean = GlueJobOperator(
                task_id="clean",
                job_name=SETTINGS.glue_job_name,
                script_args=glue_script_args(
                    lake_uri=SETTINGS.lake_uri,
                    ingest_date=INGEST_DATE,
                    run_id="{{ run_id }}",
                    tables=[table.name for table in TABLES],
                ),
                aws_conn_id=SETTINGS.aws_conn_id,
                wait_for_completion=True,
                outlets=cleaned_zones,
            )
            extracted >> clean
        else:

            @task(task_id="clean", outlets=cleaned_zones)
            def clean_on_local_spark(extracted: dict, dag_run=None):
                from olist_pipeline import steps

                return steps.clean(
                    SETTINGS, ingest_date=extracted["ingest_date"], run_id=dag_run.run_id
                )

            clean = clean_on_local_spark(extracted)

        @task
        def quality_gate(extracted: dict, dag_run=None):
            from olist_pipeline import steps

            return steps.quality_gate(
                SETTINGS, ingest_date=extracted["ingest_date"], run_id=dag_run.run_id
            )

        clean >> quality_gate(extracted)

    # The tasks after the lake take the day's partition date from extract's result: a
    # template, rendered when the task runs.
    @task_group
    def warehouse():
        @task(outlets=assets.load_tables())
        def load(ingest_date: str):
            from olist_pipeline import steps

            return steps.load(SETTINGS, ingest_date=ingest_date)

        @task(
            outlets=assets.warehouse_tables(SETTINGS, "staging")
            + assets.warehouse_tables(SETTINGS, "core")
        )
        def transform(ingest_date: str) -> list[dict]:
            from olist_pipeline import steps

            return steps.transform(SETTINGS, ingest_date=ingest_date, layers=("staging", "core"))

        load(INGEST_DATE) >> transform(INGEST_DATE)

    @task_group
    def checks():
        @task
        def star_schema_checks(ingest_date: str, dag_run=None):
            from olist_pipeline import steps

            return steps.star_schema_checks(
                SETTINGS, ingest_date=ingest_date, run_id=dag_run.run_id
            )

        @task
        def reconcile(ingest_date: str) -> str:
            from olist_pipeline import steps

            return steps.reconcile(SETTINGS, ingest_date=ingest_date)

        star_schema_checks(INGEST_DATE)
        reconcile(INGEST_DATE)

    @task_group
    def marts():
        @task(task_id="marts", outlets=assets.warehouse_tables(SETTINGS, "marts"))
        def build_marts(ingest_date: str) -> list[dict]:
            from olist_pipeline import steps

            return steps.marts(SETTINGS, ingest_date=ingest_date)

        build_marts(INGEST_DATE)

    @task
    def report(ingest_date: str, dag_run=None) -> str:
        from olist_pipeline import steps

        return steps.report(SETTINGS, ingest_date=ingest_date, run_id=dag_run.run_id)

    @task(outlets=[assets.dashboard_site(SETTINGS)])
    def dashboards() -> dict:
        from olist_pipeline import steps

        return steps.dashboards(SETTINGS)

    lake() >> warehouse() >> checks() >> marts() >> report(INGEST_DATE) >> dashboards()


olist_elt()
