"""What one run put in the lake, per table, read back from the partitions' manifests.

The DAG's last task logs this table; ``make demo`` prints it with
``python -m olist_pipeline.report`` (the newest ingest date, or ``--date YYYY-MM-DD``).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from olist_pipeline.lake import Lake
from olist_pipeline.quality import data_docs_location
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
        accounting = processed.details.get("accounting", {}) if processed else {}
        rows.append(
            TableSummary(
                table=table.name,
                extracted=raw.rows if raw else 0,
                processed=processed.rows if processed else 0,
                rejected=rejected.rows if rejected else 0,
                duplicates_removed=accounting.get("duplicates_removed", 0),
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


def latest_ingest_date(lake: Lake) -> str | None:
    dates = lake.partitions("raw", TABLES[0].name)
    return dates[-1] if dates else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m olist_pipeline.report")
    parser.add_argument("--date", help="the ingest date (default: the newest in the lake)")
    args = parser.parse_args(argv)
    settings = PipelineSettings.from_env()
    lake = Lake.from_uri(settings.lake_uri)
    ingest_date = args.date or latest_ingest_date(lake)
    if ingest_date is None:
        print(f"The lake at {lake.uri} holds no run yet.", file=sys.stderr)
        return 1
    print(f"Lake {lake.uri}, ingest_date={ingest_date}:")
    print(format_summary(summarise(lake, ingest_date)))
    print(f"Data Docs: {data_docs_location(settings.data_docs_uri)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
