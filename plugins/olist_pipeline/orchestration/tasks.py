"""The bodies of the ELT DAG's tasks: each resolves its systems and calls one stage.

The DAG file only wires these together; every stage they call has its own tests. The first
task, ``extract``, returns the run's facts (``RunFacts``), and every later task takes them: the
partition date, the interval, and whether the day is quiet (nothing extracted), in which case
no stage starts Spark, Great Expectations or a rebuild, and each says so in its log. Imports
of the stages happen inside the functions, so parsing the DAG imports neither Spark nor GX.
"""

from __future__ import annotations

import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from olist_pipeline.orchestration import connections
from olist_pipeline.orchestration.run_facts import RunFacts, ingest_date_of
from olist_pipeline.settings import PipelineSettings

log = logging.getLogger(__name__)
NO_NEW_DATA = "no new data: the extract found no change in the shop during the interval"
# Tables loaded into the warehouse at once, each in its own transaction on its own connection.
# A load is the database's work (a binary COPY and a vacuum on PostgreSQL, a COPY from S3 on
# Redshift), one core per connection: two keep a two-core machine busy (docs/benchmarks.md,
# the eighth round). Every table's load replaces its day, so a rerun after a failure loads each
# table once, whichever had committed.
LOAD_CONNECTIONS = 2


def extract(
    settings: PipelineSettings,
    *,
    run_id: str,
    interval_start: datetime | None,
    interval_end: datetime | None,
    run_after: datetime,
    full_refresh: bool,
) -> RunFacts:
    """Extract the shop into the lake's raw zone; the run's facts for every later task."""
    from olist_pipeline.lake.extract import extract_tables

    ingest_date = ingest_date_of(interval_end, run_after)
    lake = connections.lake(settings)
    try:
        results = extract_tables(
            connections.postgres_url(settings.shop_conn_id),
            lake,
            ingest_date=ingest_date,
            run_id=run_id,
            interval_start=interval_start,
            interval_end=interval_end or run_after,
            full_refresh=full_refresh,
            lookback=timedelta(minutes=settings.extract_lookback_minutes),
        )
    except Exception as exc:  # a shop restarted or unreachable: say which, and what is left
        raise RuntimeError(
            f"the extract from the shop of connection {settings.shop_conn_id!r} failed; the"
            " table being read committed no partition (its previous one, if any, stands) and"
            f" a retry extracts every table again: {type(exc).__name__}: {exc}"
        ) from exc
    for result in results:
        log.info("extracted %s", result.as_dict())
    details = lake.manifest("raw", results[0].table, ingest_date).details
    return RunFacts(
        run_id=run_id,
        ingest_date=ingest_date.isoformat(),
        interval_start=details.interval.start,
        interval_end=details.interval.end,
        full_refresh=full_refresh,
        rows_extracted=sum(result.rows for result in results),
        shop_totals=details.shop_totals or {},
    )


def has_new_data(
    settings: PipelineSettings, facts: RunFacts, *, dag_id: str, skipped: list[str]
) -> bool:
    """Whether the run goes on past the extract. False only on a quiet day after which every
    later stage would change nothing: the warehouse is built and its marts already measure from
    the as-of date this run would give them. Then this commits the day's empty cleaned
    partitions (as the cleaning job does on a quiet day, without Spark), records each stage in
    ``skipped`` as skipped for "no new data" in the run audit and the log, and the DAG skips
    them: no Spark, Great Expectations or dbt start-up, and no task start-up either. Any other
    day (changes, or a warehouse not built yet, or marts to move to a new as-of date) runs
    every stage, each of which handles a quiet day on its own."""
    if not facts.quiet:
        return True
    warehouse = connections.warehouse(settings)
    if not _built(warehouse) or not _marts_current(warehouse, facts.ingest_date):
        log.info("%s, but the warehouse or its marts are not current: all stages run", NO_NEW_DATA)
        return True
    from olist_cleaning.quiet_day import commit_quiet_day
    from olist_pipeline.warehouse.audit import record_skipped

    commit_quiet_day(connections.lake(settings), job_arguments(settings, facts))
    record_skipped(warehouse, dag_id, facts.run_id, skipped, reason=NO_NEW_DATA)
    for task_id in skipped:
        log.info("%s: skipped, %s", task_id, NO_NEW_DATA)
    return False


def job_arguments(settings: PipelineSettings, facts: RunFacts):
    """The cleaning job's arguments for the run: every table of its raw partition."""
    from olist_cleaning.arguments import JobArguments

    return JobArguments(
        lake_uri=settings.lake_uri, ingest_date=facts.ingest_date, run_id=facts.run_id
    )


def clean(settings: PipelineSettings, facts: RunFacts) -> dict:
    """Run the cleaning job on this machine (``CLEAN_RUNNER`` spark-connect, local or
    spark-submit); a quiet day commits its empty partitions without Spark."""
    from olist_pipeline.lake import cleaning

    lake = connections.lake(settings)
    arguments = job_arguments(settings, facts)
    if facts.quiet:
        from olist_cleaning.quiet_day import commit_quiet_day

        log.info("Clean: %s; empty partitions committed without Spark", NO_NEW_DATA)
        return commit_quiet_day(lake, arguments)
    summary = cleaning.run_locally(
        settings.clean_runner,
        lake,
        arguments,
        spark_master=settings.spark_master,
        spark_connect_url=settings.spark_connect_url,
        spark_connect_home=settings.spark_connect_home,
    )
    for table, accounting in summary.items():
        log.info("cleaned %s: %s", table, accounting)
    return summary


def quality_gate(settings: PipelineSettings, facts: RunFacts) -> dict:
    """Validate the processed partitions; a failing suite raises and stops the DAG here.
    A quiet day has no row to validate, so it skips Great Expectations' start-up."""
    if facts.quiet:
        log.info("Lake gate: %s; nothing to validate", NO_NEW_DATA)
        return {"docs": None, "tables": {}}
    from olist_pipeline.quality.lake_gate import run_lake_gate

    gate = run_lake_gate(
        connections.lake(settings),
        facts.ingest_date,
        run_id=facts.run_id,
        expectations_dir=settings.expectations_dir,
        gx_project_dir=settings.gx_project_dir,
        data_docs_uri=settings.data_docs_uri,
    )
    log.info("%s", gate.report())
    return {"docs": gate.docs_location, "tables": {t.table: t.rows for t in gate.tables}}


def load(settings: PipelineSettings, facts: RunFacts) -> dict[str, int]:
    """Load every processed table's partition of the day into the warehouse's staging."""
    from olist_pipeline.tables import TABLES

    lake = connections.lake(settings)
    warehouse = connections.warehouse(settings)
    try:
        warehouse.create_schemas()
    except Exception as exc:  # before any row moves: say which warehouse, nothing is written
        raise RuntimeError(
            f"the warehouse of connection {settings.warehouse_conn_id!r} cannot be reached or"
            f" prepared; nothing was loaded: {exc}"
        ) from exc
    loaded = {}
    with ThreadPoolExecutor(LOAD_CONNECTIONS, thread_name_prefix="load") as pool:
        results = pool.map(
            lambda table: warehouse.load_partition(lake, table.name, facts.ingest_date), TABLES
        )
        # In the registry's order. The first failure raises: the tables not yet started are
        # not, those running finish.
        for result in results:
            log.info("loaded %s rows of %s into staging", f"{result.rows:,}", result.table)
            loaded[result.table] = result.rows
    return loaded


def dbt_project(settings: PipelineSettings, warehouse):
    """The dbt project (``sql/``) on the pipeline's warehouse."""
    from olist_pipeline.warehouse.dbt import DbtProject, profile_env

    return DbtProject(
        settings.dbt_project_dir,
        env=profile_env(warehouse),
        work_dir=settings.dbt_work_dir,
        executable=settings.dbt_executable,
    )


def transform(
    settings: PipelineSettings, facts: RunFacts, *, layers: tuple[str, ...]
) -> list[dict]:
    """``dbt build`` of the models of ``layers`` (staging, core, marts) for the day, with their
    tests; a failed model or test fails the task with dbt's message. On a quiet day a built
    warehouse has nothing to merge: staging and core would touch no row, so they are skipped
    (a warehouse not built yet is built, empty)."""
    from olist_pipeline.warehouse.dbt import layer_selector

    warehouse = connections.warehouse(settings)
    if "marts" not in layers and facts.quiet and _built(warehouse):
        log.info("%s: %s; nothing to merge", ", ".join(layers), NO_NEW_DATA)
        return []
    project = dbt_project(settings, warehouse)
    stage = "-".join(layers)
    with _artefacts_folder(settings, facts, stage) as artefacts:
        runs = project.build(
            layer_selector(layers), ingest_date=facts.ingest_date, artefacts_dir=artefacts
        )
    return [run.as_dict() for run in runs]


def _built(warehouse) -> bool:
    [(tables,)] = warehouse.query(
        "select count(*) from information_schema.tables"
        " where table_schema = 'core' and table_name = 'fact_sales'"
    )
    return tables > 0


@contextmanager
def _artefacts_folder(settings: PipelineSettings, facts: RunFacts, stage: str):
    """A folder for one dbt invocation's artefacts, kept with the run at
    ``DBT_ARTEFACTS_URI/ingest_date=D/run_id=R/<stage>/`` (copied there afterwards when that
    is on S3), whatever the invocation's outcome."""
    relative = Path(f"ingest_date={facts.ingest_date}", f"run_id={facts.run_id}", stage)
    uri = settings.dbt_artefacts_uri
    if not uri.startswith("s3://"):
        yield Path(uri.removeprefix("file://")) / relative
        return
    from olist_pipeline import static_sites

    with tempfile.TemporaryDirectory(prefix="dbt-artefacts-") as folder:
        try:
            yield Path(folder)
        finally:
            static_sites.mirror_to_s3(
                Path(folder),
                f"{uri.rstrip('/')}/{relative.as_posix()}",
                static_sites.default_s3_client(connections.lake(settings)),
            )


# The day after the last purchase, in São Paulo: the as-of date the marts measure from when the
# data ends before the run's day (sql/macros/marts.sql, as_of_date).
_LAST_PURCHASE_DAY_SQL = {
    "postgres": "select cast(max(purchased_at) at time zone 'America/Sao_Paulo' as date)"
    " from core.fact_sales",
    "redshift": "select cast(convert_timezone('America/Sao_Paulo', max(purchased_at)) as date)"
    " from core.fact_sales",
}


def marts_as_of_date(warehouse, ingest_date: str) -> date:
    """The as-of date a marts build for ``ingest_date`` measures from: the run's day, or the
    day after the last purchase when the data ends earlier."""
    [(last_purchase_day,)] = warehouse.query(_LAST_PURCHASE_DAY_SQL[warehouse.dialect])
    day = date.fromisoformat(ingest_date)
    return day if last_purchase_day is None else min(day, last_purchase_day + timedelta(days=1))


def marts(settings: PipelineSettings, facts: RunFacts) -> list[dict]:
    """Rebuild the marts, unless they are current: a quiet day left the star schema as it was,
    and the marts already measure from the same as-of date."""
    if facts.quiet and _marts_current(connections.warehouse(settings), facts.ingest_date):
        log.info("Marts: %s, and they measure from the run's as-of date already; kept", NO_NEW_DATA)
        return []
    return transform(settings, facts, layers=("marts",))


def _marts_current(warehouse, ingest_date: str) -> bool:
    """The marts exist and measure from the as-of date a build for ``ingest_date`` would use."""
    try:
        wanted = marts_as_of_date(warehouse, ingest_date)
        [(built,)] = warehouse.query("select max(as_of_date) from marts.mart_rfm")
    except Exception:  # no marts yet (a first run): build them
        log.info("Marts: not built yet", exc_info=True)
        return False
    return built is not None and wanted == built


def lineage_docs(settings: PipelineSettings, facts: RunFacts) -> str:
    """Build dbt's lineage site (models, sources, columns, tests and their graph) as one
    self-contained page and publish it at ``DBT_DOCS_URI`` (a folder, or S3). A quiet day
    changed no model, table or column, so a site already published still stands."""
    from olist_pipeline import static_sites

    uri = settings.dbt_docs_uri
    location = static_sites.location(uri)
    if facts.quiet and not uri.startswith("s3://") and Path(location).exists():
        log.info("Lineage site: %s; %s still stands", NO_NEW_DATA, location)
        return location
    project = dbt_project(settings, connections.warehouse(settings))
    if uri.startswith("s3://"):
        with tempfile.TemporaryDirectory(prefix="dbt-docs-") as folder:
            project.generate_docs(Path(folder), ingest_date=facts.ingest_date)
            static_sites.mirror_to_s3(
                Path(folder), uri, static_sites.default_s3_client(connections.lake(settings))
            )
    else:
        project.generate_docs(Path(uri.removeprefix("file://")), ingest_date=facts.ingest_date)
    log.info("Lineage site: %s", location)
    return location


def star_schema_checks(settings: PipelineSettings, facts: RunFacts) -> dict:
    """Validate the fact and dimensions with their suites; a failure raises and stops the run.
    On a quiet day the run changed no warehouse row, so the last checks still stand."""
    if facts.quiet:
        log.info("Star schema checks: %s; the last checks still stand", NO_NEW_DATA)
        return {"docs": None, "tables": []}
    from olist_pipeline.quality.warehouse_checks import run_warehouse_checks

    checked = run_warehouse_checks(
        connections.warehouse_sqlalchemy_url(settings),
        run_id=facts.run_id,
        ingest_date=facts.ingest_date,
        expectations_dir=settings.expectations_dir,
        gx_project_dir=settings.gx_project_dir,
        data_docs_uri=settings.data_docs_uri,
    )
    log.info("%s", checked.report())
    return {"docs": checked.docs_location, "tables": [t.table for t in checked.tables]}


def reconcile(settings: PipelineSettings, facts: RunFacts) -> str:
    """Compare the warehouse with the shop's totals at the extract's snapshot; a difference
    raises with both numbers."""
    from olist_pipeline.quality.reconciliation import reconcile as compare
    from olist_pipeline.quality.reconciliation import totals_from_json, warehouse_totals

    if not facts.shop_totals:
        raise RuntimeError(f"the run of {facts.ingest_date} recorded no shop totals")
    result = compare(
        totals_from_json(facts.shop_totals),
        warehouse_totals(connections.warehouse(settings)),
        extracted_before=facts.extracted_before,
    )
    log.info("%s", result.report())
    return result.report()


def report(settings: PipelineSettings, facts: RunFacts) -> str:
    from olist_pipeline import static_sites
    from olist_pipeline.orchestration.report import format_summary, summarise, warehouse_summary

    warehouse = connections.warehouse(settings)
    text = (
        f"ingest_date={facts.ingest_date}\n"
        f"{format_summary(summarise(connections.lake(settings), facts.ingest_date))}\n\n"
        f"{warehouse_summary(warehouse, settings.dbt_project_dir, facts.run_id)}"
        f"\n\nData Docs: {static_sites.location(settings.data_docs_uri)}"
        f"\nLineage (dbt docs): {static_sites.location(settings.dbt_docs_uri)}"
    )
    log.info("Run summary:\n%s", text)
    return text


def dashboards(settings: PipelineSettings) -> dict:
    """Render the dashboard site from the warehouse into ``DASHBOARDS_SITE_URI``."""
    from olist_pipeline import static_sites
    from olist_pipeline.dashboards.reader import bi_warehouse
    from olist_pipeline.dashboards.site import publish

    lake = connections.lake(settings)
    summary = publish(
        settings,
        bi_warehouse(settings),
        s3_client_factory=lambda: static_sites.default_s3_client(lake),
    )
    location = static_sites.location(settings.dashboards_site_uri)
    return {"location": location, "pages": len(summary.pages)}
