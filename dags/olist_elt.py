"""
### Olist ELT: shop -> lake -> warehouse -> star schema -> marts

Every day at 03:00 UTC, for the previous day's data interval:

**lake**
1. **extract** reads every shop table in one consistent snapshot (one `REPEATABLE READ`
   transaction) and streams the rows changed in the interval (plus whole orders and the rows
   they reference, plus the shop's delete tombstones) to `raw/<table>/ingest_date=D/` in the
   lake, as Parquet with a manifest per partition. It returns the run's facts (the partition
   date, the interval, the shop's totals at the snapshot, whether anything changed), which
   every later task takes.
2. **clean** runs the Glue PySpark job (locally: the same script on local Spark, chosen by
   `CLEAN_RUNNER`): dedupe, types, normalised text, geolocation per zip prefix, derived revenue
   and delivery measures. Invalid rows go to `rejected/` with a reason.
3. **quality_gate** validates every processed table with its Great Expectations suite and
   builds the Data Docs (menu *Docs -> Data Docs*). A failing suite stops the run here.

**warehouse**
4. **load** copies the day's processed partitions into `staging.lake_<table>`, two tables at
   a time (replacing that day, so a rerun loads it once).
5. **transform** runs `dbt build` on the dbt project's (`sql/`) staging and core models, with
   their tests, for the run's `ingest_date` (a dbt variable): `models/staging/` merges the day
   into `staging.stg_<table>`, the shop's current state (newer rows win, deletes apply), then
   `models/core/` updates the star schema: the dimensions (with SCD type 2 customers) and
   `fact_sales`, for the orders the day touched. A failed model or test fails the task with
   dbt's message; each run's `manifest.json` and `run_results.json` are kept with the run.

**checks**
6. **star_schema_checks** validates the fact and dimensions with their suites; **reconcile**
   compares orders, items and payments in the warehouse with the shop's totals at the
   extract's snapshot. A mismatch fails the run with both numbers.

**marts**
7. **marts** runs `dbt build` on `models/marts/` (RFM, CLV, delivery, sellers, revenue,
   forecast) and their tests; **lineage_docs** builds dbt's lineage site (menu *Docs ->
   Lineage (dbt docs)*), beside the Data Docs.
8. **report** logs rows per stage and table.
9. **dashboards** renders the dashboards of `dashboards/` from the marts into a static site
   (`DASHBOARDS_SITE_URI`: a folder, or S3). Metabase reads the warehouse itself; its questions
   and dashboards are provisioned once with `make metabase`, not by this DAG.

A quiet day (no change in the shop) starts no Spark, Glue job, Great Expectations run or model
rebuild. **has_new_data**, right after the extract, commits the day's empty cleaned
partitions and skips every later task when the warehouse and its marts are current (each
skipped stage gets a `skipped` row, "no new data", in the run audit); otherwise every task
runs, and each says "no new data" in its log when it has nothing to do.

Every task is retried with exponential backoff; every outcome is also written to the
warehouse's `audit.pipeline_runs` table. Trigger with `{"full_refresh": true}` to extract every
row. Reruns and backfills are safe: every task rewrites its own partitions or tables
idempotently.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, TaskGroup, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

from olist_pipeline.orchestration import assets
from olist_pipeline.orchestration.heap import freeze_long_lived_objects
from olist_pipeline.orchestration.run_facts import RunFacts
from olist_pipeline.settings import PipelineSettings
from olist_pipeline.warehouse.audit import make_audit_callback

SETTINGS = PipelineSettings.from_env()
CLEANED_ZONES = [assets.lake_zone(SETTINGS, "processed"), assets.lake_zone(SETTINGS, "rejected")]


def _warehouse():
    from olist_pipeline.orchestration import connections

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
        # Every task's outcome goes to the warehouse's audit.pipeline_runs (see docs/). The
        # row each attempt writes when it starts lets its retry record an attempt whose worker
        # was killed (SIGKILL runs no callback) as failed.
        "on_execute_callback": make_audit_callback(_warehouse, state="running"),
        "on_failure_callback": make_audit_callback(_warehouse, state="failed"),
        "on_retry_callback": make_audit_callback(_warehouse, state="up_for_retry"),
        "on_success_callback": make_audit_callback(_warehouse, state="success"),
        # What the task's process holds by now (Airflow, the DAG, an earlier task's imports
        # under `dags test`) is left out of the garbage collector's scans: see heap.py.
        "pre_execute": freeze_long_lived_objects,
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
    @task(task_id="extract", outlets=[assets.lake_zone(SETTINGS, "raw")])
    def extract(
        params=None, data_interval_start=None, data_interval_end=None, dag_run=None
    ) -> RunFacts:
        from olist_pipeline.orchestration import tasks

        return tasks.extract(
            SETTINGS,
            run_id=dag_run.run_id,
            interval_start=data_interval_start,
            interval_end=data_interval_end,
            run_after=dag_run.run_after,
            full_refresh=params["full_refresh"],
        )

    @task.short_circuit
    def has_new_data(facts: RunFacts, task=None, dag=None) -> bool:
        from olist_pipeline.orchestration import tasks

        return tasks.has_new_data(
            SETTINGS,
            facts,
            dag_id=dag.dag_id,
            skipped=sorted(task.get_flat_relative_ids(upstream=False)),
        )

    @task(task_id="clean", outlets=CLEANED_ZONES)
    def clean_on_local_spark(facts: RunFacts) -> dict:
        from olist_pipeline.orchestration import tasks

        return tasks.clean(SETTINGS, facts)

    @task
    def quality_gate(facts: RunFacts) -> dict:
        from olist_pipeline.orchestration import tasks

        return tasks.quality_gate(SETTINGS, facts)

    @task(outlets=assets.load_tables())
    def load(facts: RunFacts) -> dict[str, int]:
        from olist_pipeline.orchestration import tasks

        return tasks.load(SETTINGS, facts)

    @task(
        outlets=assets.warehouse_tables(SETTINGS, "staging")
        + assets.warehouse_tables(SETTINGS, "core")
    )
    def transform(facts: RunFacts) -> list[dict]:
        from olist_pipeline.orchestration import tasks

        return tasks.transform(SETTINGS, facts, layers=("staging", "core"))

    @task
    def star_schema_checks(facts: RunFacts) -> dict:
        from olist_pipeline.orchestration import tasks

        return tasks.star_schema_checks(SETTINGS, facts)

    @task
    def reconcile(facts: RunFacts) -> str:
        from olist_pipeline.orchestration import tasks

        return tasks.reconcile(SETTINGS, facts)

    @task(task_id="marts", outlets=assets.warehouse_tables(SETTINGS, "marts"))
    def build_marts(facts: RunFacts) -> list[dict]:
        from olist_pipeline.orchestration import tasks

        return tasks.marts(SETTINGS, facts)

    @task
    def lineage_docs(facts: RunFacts) -> str:
        from olist_pipeline.orchestration import tasks

        return tasks.lineage_docs(SETTINGS, facts)

    @task
    def report(facts: RunFacts) -> str:
        from olist_pipeline.orchestration import tasks

        return tasks.report(SETTINGS, facts)

    @task(outlets=[assets.dashboard_site(SETTINGS)])
    def dashboards() -> dict:
        from olist_pipeline.orchestration import tasks

        return tasks.dashboards(SETTINGS)

    # The extract's facts go to every later task; the groups run one after another.
    with TaskGroup("lake", tooltip="shop -> raw -> processed + rejected, gated") as lake:
        facts = extract()
        go_on = has_new_data(facts)
        if SETTINGS.clean_runner == "glue":
            from olist_pipeline.orchestration.glue import CleanOnGlueOperator

            clean = CleanOnGlueOperator(
                task_id="clean", facts=facts, settings=SETTINGS, outlets=CLEANED_ZONES
            )
        else:
            clean = clean_on_local_spark(facts)
        go_on >> clean >> quality_gate(facts)
    with TaskGroup("warehouse", tooltip="processed zone -> staging -> star schema") as warehouse:
        load(facts) >> transform(facts)
    with TaskGroup("checks", tooltip="the star schema's suites; the shop's totals") as checks:
        star_schema_checks(facts)
        reconcile(facts)
    with TaskGroup("marts", tooltip="the marts the dashboards read") as marts:
        build_marts(facts) >> lineage_docs(facts)

    lake >> warehouse >> checks >> marts >> report(facts) >> dashboards()


olist_elt()
# Airflow and the DAG, just parsed, live as long as the process: a full collection during the
# run (the first task's start-up triggers several) need not scan them again. See heap.py.
freeze_long_lived_objects()
