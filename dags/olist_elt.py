"""
### Olist ELT: shop -> lake -> clean -> quality gate

Every day at 03:00 UTC, for the previous day's data interval:

1. **extract** reads every shop table in one consistent snapshot (one `REPEATABLE READ`
   transaction) and streams the rows changed in the interval (plus whole orders and the rows
   they reference, plus the shop's delete tombstones) to `raw/<table>/ingest_date=D/` in the
   lake, as Parquet with a manifest per partition.
2. **clean** runs the Glue PySpark job (locally: the same script on local Spark, chosen by
   `CLEAN_RUNNER`) once for all tables: dedupe, types, normalised text, geolocation per zip
   prefix, derived revenue and delivery measures. Invalid rows go to `rejected/` with a reason;
   raw = processed + rejected + duplicates, per table, is checked and recorded.
3. **quality_gate** validates every processed table with its Great Expectations suite
   (`expectations/<table>.json`) and builds the Data Docs (menu *Docs -> Data Docs*). A failing
   suite fails this task, and nothing downstream runs; the log names the failing expectations.
4. **report** logs rows extracted / processed / rejected per table.

Trigger with `{"full_refresh": true}` to extract every row instead of the interval. Reruns and
backfills are safe: each task rewrites its own partitions atomically.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

from olist_pipeline.settings import PipelineSettings

SETTINGS = PipelineSettings.from_env()


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
    },
    params={
        "full_refresh": Param(
            False, type="boolean", description="Extract every row, not just the interval's."
        )
    },
    tags=["olist", "elt", "lake", "quality"],
    doc_md=__doc__,
)
def olist_elt():
    @task
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

    if SETTINGS.clean_runner == "glue":
        from airflow.providers.amazon.aws.operators.glue import GlueJobOperator

        from olist_pipeline.cleaning import glue_script_args
        from olist_pipeline.tables import TABLES

        clean = GlueJobOperator(
            task_id="clean",
            job_name=SETTINGS.glue_job_name,
            script_args=glue_script_args(
                lake_uri=SETTINGS.lake_uri,
                ingest_date="{{ ti.xcom_pull(task_ids='extract')['ingest_date'] }}",
                run_id="{{ run_id }}",
                tables=[table.name for table in TABLES],
            ),
            aws_conn_id=SETTINGS.aws_conn_id,
            wait_for_completion=True,
        )
        extracted >> clean
    else:

        @task(task_id="clean")
        def clean_on_local_spark(extracted: dict, dag_run=None) -> dict:
            from olist_pipeline import steps

            return steps.clean(
                SETTINGS, ingest_date=extracted["ingest_date"], run_id=dag_run.run_id
            )

        clean = clean_on_local_spark(extracted)

    @task
    def quality_gate(extracted: dict, dag_run=None) -> dict:
        from olist_pipeline import steps

        return steps.quality_gate(
            SETTINGS, ingest_date=extracted["ingest_date"], run_id=dag_run.run_id
        )

    @task
    def report(extracted: dict) -> str:
        from olist_pipeline import steps

        return steps.report(SETTINGS, ingest_date=extracted["ingest_date"])

    gate = quality_gate(extracted)
    clean >> gate >> report(extracted)


olist_elt()
