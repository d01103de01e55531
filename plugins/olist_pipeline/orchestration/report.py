"""What one run did: rows per lake zone and table (from the partitions' manifests), rows per
warehouse table and mart, the RFM segments, and seconds per stage (from the run audit).

The DAG's ``report`` task logs this; ``make demo`` prints it with
``python -m olist_pipeline.orchestration.report`` (the newest ingest date, or
``--date YYYY-MM-DD``; the warehouse at ``--warehouse-url``, else ``WAREHOUSE_URL``, else the
``AIRFLOW_CONN_<WAREHOUSE_CONN_ID>`` variable).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from olist_pipeline import static_sites
from olist_pipeline.lake.partitions import Lake, ProcessedDetails
from olist_pipeline.orchestration.connections import local_warehouse_url
from olist_pipeline.settings import PipelineSettings
from olist_pipeline.tables import TABLES


@dataclass(frozen=True)
class TableSummary:
    table: str
    extracted: int
    processed: int
    rejected: int
    duplicates_removed: int


def summarise(lake: Lake, ingest_date: str) -> list[TableSummary]:
    rows = []
    for table in TABLES:
        raw = lake.manifest("raw", table.name, ingest_date)
        processed = lake.manifest("processed", table.name, ingest_date)
        rejected = lake.manifest("rejected", table.name, ingest_date)
        details = processed.details if processed else None
        accounting = details.accounting if isinstance(details, ProcessedDetails) else None
        rows.append(
            TableSummary(
                table=table.name,
                extracted=raw.rows if raw else 0,
                processed=processed.rows if processed else 0,
                rejected=rejected.rows if rejected else 0,
                duplicates_removed=accounting.duplicates_removed if accounting else 0,
            )
        )
    return rows


def format_summary(rows: list[TableSummary]) -> str:
    def line(name: str, *counts: int) -> str:
        return f"{name:<20}" + "".join(f"{count:>12,}" for count in counts)

    header = f"{'table':<20}" + "".join(
        f"{title:>12}" for title in ("extracted", "processed", "rejected", "merged/dup")
    )
    rule = "-" * len(header)
    counts = [(r.extracted, r.processed, r.rejected, r.duplicates_removed) for r in rows]
    body = [line(row.table, *row_counts) for row, row_counts in zip(rows, counts, strict=True)]
    totals = [sum(column) for column in zip(*counts, strict=True)]
    return "\n".join([header, rule, *body, rule, line("total", *totals)])


def warehouse_rows(warehouse, dbt_project_dir) -> list[tuple[str, str, int]]:
    """(layer, relation, rows) of every model's table, layer by layer."""
    from olist_pipeline.warehouse.dbt import LAYERS, model_names

    counts = []
    for layer in LAYERS:
        for name in model_names(dbt_project_dir, layer):
            (rows,) = warehouse.query(f"select count(*) from {layer}.{name}")[0]
            counts.append((layer, f"{layer}.{name}", rows))
    return counts


def rfm_segments(warehouse) -> list[tuple[str, int]]:
    return warehouse.query(
        "select segment, count(*) from marts.mart_rfm group by segment order by 2 desc, 1"
    )


def stage_seconds(warehouse, run_id: str) -> list[tuple[str, float]]:
    """Seconds each task of ``run_id`` took, from ``audit.pipeline_runs`` (its last try)."""
    rows = warehouse.query(
        "select task_id, extract(epoch from finished_at - started_at) from audit.pipeline_runs"
        " where run_id = %(run_id)s and state = 'success' and task_id is not null"
        " order by started_at",
        {"run_id": run_id},
    )
    return [(task_id, float(seconds)) for task_id, seconds in rows]


def skipped_stages(warehouse, run_id: str) -> list[tuple[str, str]]:
    """The tasks of ``run_id`` that a quiet day skipped, with the reason (``has_new_data``)."""
    return warehouse.query(
        "select task_id, error from audit.pipeline_runs"
        " where run_id = %(run_id)s and state = 'skipped' order by task_id",
        {"run_id": run_id},
    )


def latest_run_id(warehouse) -> str | None:
    rows = warehouse.query(
        "select run_id from audit.pipeline_runs where task_id is not null"
        " order by recorded_at desc limit 1"
    )
    return rows[0][0] if rows else None


def format_warehouse(
    tables: list[tuple[str, str, int]],
    segments: list[tuple[str, int]],
    seconds: list[tuple[str, float]],
) -> str:
    lines = [f"{'warehouse table':<44}{'rows':>12}", "-" * 56]
    lines += [f"{relation:<44}{rows:>12,}" for _, relation, rows in tables]
    if segments:
        lines += ["", "RFM segments (marts.mart_rfm):"]
        lines += [f"  {segment:<42}{count:>12,}" for segment, count in segments]
    if seconds:
        lines += ["", "Seconds per stage:"]
        lines += [f"  {task:<42}{value:>12.1f}" for task, value in seconds]
        lines += [f"  {'all stages':<42}{sum(v for _, v in seconds):>12.1f}"]
    return "\n".join(lines)


def warehouse_summary(warehouse, dbt_project_dir, run_id: str | None) -> str:
    seconds = stage_seconds(warehouse, run_id) if run_id else []
    text = format_warehouse(
        warehouse_rows(warehouse, dbt_project_dir), rfm_segments(warehouse), seconds
    )
    skipped = skipped_stages(warehouse, run_id) if run_id else []
    if skipped:
        reasons = sorted({reason for _, reason in skipped})
        text += f"\n\nSkipped ({'; '.join(reasons)}):\n"
        text += "\n".join(f"  {task}" for task, _ in skipped)
    return text


def latest_ingest_date(lake: Lake) -> str | None:
    dates = lake.partitions("raw", TABLES[0].name)
    return dates[-1] if dates else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m olist_pipeline.orchestration.report")
    parser.add_argument("--date", help="the ingest date (default: the newest in the lake)")
    parser.add_argument("--warehouse-url", help="libpq URL of the local warehouse")
    args = parser.parse_args(argv)
    settings = PipelineSettings.from_env()
    lake = Lake.from_uri(settings.lake_uri)
    ingest_date = args.date or latest_ingest_date(lake)
    if ingest_date is None:
        print(f"The lake at {lake.uri} holds no run yet.", file=sys.stderr)
        return 1
    print(f"Lake {lake.uri}, ingest_date={ingest_date}:")
    print(format_summary(summarise(lake, ingest_date)))
    warehouse_url = args.warehouse_url or local_warehouse_url(settings)
    if warehouse_url:
        from olist_pipeline.warehouse.postgres import PostgresWarehouse

        warehouse = PostgresWarehouse(warehouse_url)
        print()
        print(warehouse_summary(warehouse, settings.dbt_project_dir, latest_run_id(warehouse)))
    print()
    print(f"Data Docs: {static_sites.location(settings.data_docs_uri)}")
    print(f"Lineage (dbt docs): {static_sites.location(settings.dbt_docs_uri)}")
    site = static_sites.location(settings.dashboards_site_uri)
    print(f"Dashboards: {site} (open it in a browser, or run make dashboards-serve)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
