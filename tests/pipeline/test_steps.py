"""The small pieces of the task bodies and the run report that the end-to-end test does not
pin down exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pyarrow as pa

from olist_pipeline.report import TableSummary, format_summary, latest_ingest_date, summarise
from olist_pipeline.steps import ingest_date_of

SAO_PAULO = timezone(timedelta(hours=-3))


def test_a_run_writes_the_utc_day_its_interval_ends():
    late_evening_in_sao_paulo = datetime(2026, 11, 23, 22, 30, tzinfo=SAO_PAULO)
    assert ingest_date_of(late_evening_in_sao_paulo, datetime.now(SAO_PAULO)) == date(2026, 11, 24)


def test_a_run_without_an_interval_writes_the_day_it_ran():
    assert ingest_date_of(None, datetime(2026, 11, 24, 1, 0, tzinfo=UTC)) == date(2026, 11, 24)


def test_the_summary_counts_every_zone_per_table(lake):
    schema = pa.schema([("id", pa.int64())])
    for zone, rows in (("raw", 5), ("processed", 3), ("rejected", 1)):
        details = {"accounting": {"duplicates_removed": 1}} if zone == "processed" else {}
        with lake.write_parquet(
            zone, "orders", "2026-11-24", schema, run_id="r", details=details
        ) as w:
            w.write_table(pa.table({"id": list(range(rows))}, schema=schema))

    orders = {row.table: row for row in summarise(lake, "2026-11-24")}["orders"]
    assert orders == TableSummary(
        "orders", extracted=5, processed=3, rejected=1, duplicates_removed=1
    )
    assert {row.table: row.extracted for row in summarise(lake, "2026-11-24")}["payments"] == 0


def test_the_summary_table_has_a_total_line():
    text = format_summary(
        [TableSummary("orders", 5, 3, 1, 1), TableSummary("payments", 1_000, 999, 1, 0)]
    )
    assert text.splitlines()[-1].split() == ["total", "1,005", "1,002", "2", "1"]


def test_the_latest_ingest_date_is_the_newest_raw_partition(lake):
    assert latest_ingest_date(lake) is None
    schema = pa.schema([("id", pa.int64())])
    for day in ("2026-11-23", "2026-11-24"):
        with lake.write_parquet("raw", "geolocation", day, schema, run_id="r") as writer:
            writer.write_table(pa.table({"id": [1]}, schema=schema))
    assert latest_ingest_date(lake) == "2026-11-24"
