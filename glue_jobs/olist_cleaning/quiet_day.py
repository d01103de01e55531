"""A quiet day: nothing changed in the shop during the run's interval, so every raw partition is
empty. Its processed and rejected partitions are committed empty, exactly as a Spark run would
commit them, without starting Spark (or a Glue job run): the Airflow side calls this instead of
starting the job. Needs no Spark, so it runs wherever the DAG's tasks run."""

from __future__ import annotations

from olist_cleaning.accounting import Outcomes, account, table_summary
from olist_cleaning.arguments import JobArguments
from olist_cleaning.schemas import PROCESSED, arrow_schema, rejected_columns
from olist_pipeline.lake.partitions import Lake, Manifest, ProcessedDetails, RejectedDetails
from olist_pipeline.tables import BY_NAME


class NotAQuietDay(RuntimeError):
    """A raw partition of the run has rows (or none is committed): the job must run."""


def commit_quiet_day(lake: Lake, arguments: JobArguments) -> dict[str, dict]:
    """Commit empty processed and rejected partitions of ``arguments.tables``; each table's
    accounting and reasons, as ``job.run`` returns them. Raises ``NotAQuietDay``, with nothing
    written, when a raw partition has a row or is missing."""
    manifests = {
        table: lake.manifest("raw", table, arguments.ingest_date) for table in arguments.tables
    }
    busy = sorted(
        table for table, manifest in manifests.items() if manifest is None or manifest.rows
    )
    if busy:
        raise NotAQuietDay(
            f"raw partitions of {arguments.ingest_date} with rows or not committed: {busy}"
        )
    return {
        table: commit_empty(lake, table, arguments.ingest_date, arguments.run_id, raw_manifest)
        for table, raw_manifest in manifests.items()
    }


def commit_empty(
    lake: Lake, table: str, ingest_date: str, run_id: str, raw_manifest: Manifest
) -> dict:
    """Commit ``table``'s empty rejected and processed partitions of an empty raw partition;
    its accounting and reasons, as ``job.run`` returns them."""
    accounting = account(table, raw_rows=0, outcomes=Outcomes(), processed_rows=0, rejected_rows=0)
    lake.commit(
        "rejected",
        table,
        ingest_date,
        run_id=run_id,
        files=[],
        schema=arrow_schema(rejected_columns(BY_NAME[table])),
        details=RejectedDetails(reasons={}),
    )
    lake.commit(
        "processed",
        table,
        ingest_date,
        run_id=run_id,
        files=[],
        schema=arrow_schema(PROCESSED[table]),
        details=ProcessedDetails(
            accounting=accounting,
            raw_run_id=raw_manifest.run_id,
            raw_checksum=raw_manifest.checksum,
        ),
    )
    return table_summary(accounting, {})
