"""The bodies of the ELT DAG's tasks: each resolves its systems and calls one stage.

The DAG file only wires these together; every stage they call has its own tests. Imports of
the stages happen inside the functions, so parsing the DAG imports neither Spark nor GX.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from olist_pipeline import connections
from olist_pipeline.settings import PipelineSettings

log = logging.getLogger(__name__)


def ingest_date_of(data_interval_end: datetime | None, run_after: datetime) -> date:
    """The partition a run writes: the UTC date its data interval ends (a manual run without an
    interval: the date it ran)."""
    moment = data_interval_end or run_after
    return moment.astimezone(UTC).date()


def extract(
    settings: PipelineSettings,
    *,
    ingest_date: date,
    run_id: str,
    interval_start: datetime | None,
    interval_end: datetime,
    full_refresh: bool,
) -> dict:
    from olist_pipeline.extract import extract_tables

    results = extract_tables(
        connections.postgres_url(settings.shop_conn_id),
        connections.lake(settings),
        ingest_date=ingest_date,
        run_id=run_id,
        interval_start=interval_start,
        interval_end=interval_end,
        full_refresh=full_refresh,
        lookback=timedelta(minutes=settings.extract_lookback_minutes),
    )
    for result in results:
        log.info("extracted %s", result.as_dict())
    return {"ingest_date": ingest_date.isoformat(), "tables": [r.as_dict() for r in results]}


def clean(settings: PipelineSettings, *, ingest_date: str, run_id: str) -> dict:
    """Run the cleaning job on local Spark (in this process or through spark-submit)."""
    from olist_pipeline import cleaning

    summary = cleaning.clean(settings, ingest_date, run_id)
    for table, accounting in summary.items():
        log.info("cleaned %s: %s", table, accounting)
    return summary


def quiet_day(settings: PipelineSettings, ingest_date: str) -> bool:
    """True when every processed partition of the day is committed and empty: nothing changed
    in the shop during the run's interval."""
    from olist_pipeline.tables import TABLES

    lake = connections.lake(settings)
    manifests = [lake.manifest("processed", table.name, ingest_date) for table in TABLES]
    return all(manifest is not None and manifest.rows == 0 for manifest in manifests)


def quality_gate(settings: PipelineSettings, *, ingest_date: str, run_id: str) -> dict:
    """Validate the processed partitions; a failing suite raises and stops the DAG here.
    A quiet day has no row to validate, so it skips Great Expectations' start-up."""
    from olist_pipeline.quality import run_gate

    if quiet_day(settings, ingest_date):
        log.info(
            "Quality gate: every processed partition of %s is empty; nothing to validate",
            ingest_date,
        )
        return {"docs": None, "tables": {}}

    gate = run_gate(
        connections.lake(settings),
        ingest_date,
        run_id=run_id,
        expectations_dir=settings.expectations_dir,
        gx_project_dir=settings.gx_project_dir,
        data_docs_uri=settings.data_docs_uri,
    )
    log.info("%s", gate.report())
    return {"docs": gate.docs_location, "tables": {t.table: t.rows for t in gate.tables}}


def load(settings: PipelineSettings, *, ingest_date: str) -> dict[str, int]:
    """Load every processed table's partition of the day into the warehouse's staging."""
    from olist_pipeline.tables import TABLES

    lake = connections.lake(settings)
    warehouse = connections.warehouse(settings)
    warehouse.create_schemas()
    loaded = {}
    for table in TABLES:
        result = warehouse.load_partition(lake, table.name, ingest_date)
        log.info("loaded %s rows of %s into staging", f"{result.rows:,}", table.name)
        loaded[table.name] = result.rows
    return loaded


def transform(
    settings: PipelineSettings, *, ingest_date: str, layers: tuple[str, ...]
) -> list[dict]:
    """Run the SQL models of ``layers`` (staging, core, marts) for the day. On a quiet day a
    built warehouse has nothing to merge: staging and core would touch no row, so they are
    skipped (a warehouse not built yet is built, empty)."""
    from olist_pipeline.sql_models import Project
    from olist_pipeline.transform import run_models

    warehouse = connections.warehouse(settings)
    if "marts" not in layers and quiet_day(settings, ingest_date) and _built(warehouse):
        log.info("%s: the day's partitions are empty; nothing to merge", ", ".join(layers))
        return []
    project = Project(settings.sql_dir, warehouse.dialect)
    runs = run_models(warehouse, project, ingest_date=ingest_date, layers=layers)
    return [run.as_dict() for run in runs]


def _built(warehouse) -> bool:
    [(tables,)] = warehouse.query(
        "select count(*) from information_schema.tables"
        " where table_schema = 'core' and table_name = 'fact_sales'"
    )
    return tables > 0


def marts(settings: PipelineSettings, *, ingest_date: str) -> list[dict]:
    """Rebuild the marts, unless they are current: a quiet day left the star schema as it was,
    and the marts already measure from the same as-of date."""
    from olist_pipeline.sql_models import Project

    warehouse = connections.warehouse(settings)
    project = Project(settings.sql_dir, warehouse.dialect)
    if quiet_day(settings, ingest_date):
        as_of = project.render_query(
            "select {{ as_of_date(ref('fact_sales')) }}, (select max(as_of_date) from {{"
            " ref('mart_rfm') }})",
            ingest_date=ingest_date,
        )
        try:
            wanted, built = warehouse.query(as_of)[0]
        except Exception:  # no marts yet (a first run): build them
            log.info("Marts: not built yet", exc_info=True)
            wanted, built = None, None
        if built is not None and wanted == built:
            log.info("Marts: nothing changed and they measure from %s already; kept", built)
            return []
    return transform(settings, ingest_date=ingest_date, layers=("marts",))


def star_schema_checks(settings: PipelineSettings, *, ingest_date: str, run_id: str) -> dict:
    """Validate the fact and dimensions with their suites; a failure raises and stops the run.
    On a quiet day the run changed no warehouse row, so the last checks still stand."""
    from olist_pipeline.warehouse_quality import run_warehouse_checks

    if quiet_day(settings, ingest_date):
        log.info("Star schema checks: the run loaded no row; the last checks still stand")
        return {"docs": None, "tables": []}

    checked = run_warehouse_checks(
        connections.warehouse_sqlalchemy_url(settings),
        run_id=run_id,
        ingest_date=ingest_date,
        expectations_dir=settings.expectations_dir,
        gx_project_dir=settings.gx_project_dir,
        data_docs_uri=settings.data_docs_uri,
    )
    log.info("%s", checked.report())
    return {"docs": checked.docs_location, "tables": [t.table for t in checked.tables]}


def reconcile(settings: PipelineSettings, *, ingest_date: str) -> str:
    """Compare the warehouse with the shop's totals at the extract's snapshot (recorded in the
    raw partitions' manifests); a difference raises with both numbers."""
    from olist_pipeline.reconcile import reconcile as compare
    from olist_pipeline.reconcile import totals_from_json, warehouse_totals

    manifest = connections.lake(settings).manifest("raw", "orders", ingest_date)
    if manifest is None or not manifest.details.get("shop_totals"):
        raise RuntimeError(f"the raw orders partition of {ingest_date} records no shop totals")
    details = manifest.details
    result = compare(
        totals_from_json(details["shop_totals"]),
        warehouse_totals(connections.warehouse(settings)),
        extracted_before=None if details["full_refresh"] else details["interval"]["end"],
    )
    log.info("%s", result.report())
    return result.report()


def report(settings: PipelineSettings, *, ingest_date: str, run_id: str) -> str:
    from olist_pipeline import static_sites
    from olist_pipeline.report import format_summary, summarise, warehouse_summary

    text = (
        f"ingest_date={ingest_date}\n"
        f"{format_summary(summarise(connections.lake(settings), ingest_date))}\n\n"
        f"{warehouse_summary(connections.warehouse(settings), settings.sql_dir, run_id)}\n\n"
        f"Data Docs: {static_sites.location(settings.data_docs_uri)}"
    )
    log.info("Run summary:\n%s", text)
    return text


def dashboards(settings: PipelineSettings, warehouse=None) -> dict:
    """Render the dashboard site from the warehouse (default: the warehouse connection's) into
    ``DASHBOARDS_SITE_URI``; on S3, build it locally, then mirror it."""
    import tempfile
    from pathlib import Path

    from olist_pipeline import static_sites
    from olist_pipeline.dashboards import definitions, site

    loaded = definitions.load(settings.dashboards_dir)
    warehouse = warehouse or connections.warehouse(settings)
    uri = settings.dashboards_site_uri
    if uri.startswith("s3://"):
        with tempfile.TemporaryDirectory() as folder:
            summary = site.render(loaded, warehouse, settings.sql_dir, Path(folder) / "site")
            uploaded = static_sites.mirror_to_s3(
                summary.out_dir, uri, static_sites.default_s3_client(connections.lake(settings))
            )
        log.info("Uploaded %d changed files of the dashboard site to %s", uploaded, uri)
    else:
        summary = site.render(loaded, warehouse, settings.sql_dir, Path(uri))
    location = static_sites.location(uri)
    log.info("Dashboards: %d pages, %s", len(summary.pages), location)
    return {"location": location, "pages": len(summary.pages)}
