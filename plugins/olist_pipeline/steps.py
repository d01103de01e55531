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


def quality_gate(settings: PipelineSettings, *, ingest_date: str, run_id: str) -> dict:
    """Validate the processed partitions; a failing suite raises and stops the DAG here."""
    from olist_pipeline.quality import run_gate

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


def report(settings: PipelineSettings, *, ingest_date: str) -> str:
    from olist_pipeline.quality import data_docs_location
    from olist_pipeline.report import format_summary, summarise

    text = (
        f"ingest_date={ingest_date}\n"
        f"{format_summary(summarise(connections.lake(settings), ingest_date))}\n"
        f"Data Docs: {data_docs_location(settings.data_docs_uri)}"
    )
    log.info("Run summary:\n%s", text)
    return text
