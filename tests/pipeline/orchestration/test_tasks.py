"""The small pieces of the task bodies, the run's facts and the run report that the end-to-end
test does not pin down exactly: the ingest date, quiet days, when marts are kept, the
summaries."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from olist_pipeline.lake.partitions import Accounting, ProcessedDetails
from olist_pipeline.orchestration import connections
from olist_pipeline.orchestration.report import (
    TableSummary,
    format_summary,
    format_warehouse,
    latest_ingest_date,
    summarise,
    warehouse_summary,
)
from olist_pipeline.orchestration.run_facts import RunFacts, ingest_date_of
from olist_pipeline.orchestration.tasks import extract, has_new_data, load, marts, transform
from olist_pipeline.settings import PipelineSettings
from olist_pipeline.tables import TABLES
from olist_pipeline.warehouse.postgres import PostgresWarehouse
from olist_pipeline.warehouse.protocol import LoadResult

SAO_PAULO = timezone(timedelta(hours=-3))
EMPTY = pa.schema([("id", pa.int64())])


def test_a_run_writes_the_utc_day_its_interval_ends():
    late_evening_in_sao_paulo = datetime(2026, 11, 23, 22, 30, tzinfo=SAO_PAULO)
    assert ingest_date_of(late_evening_in_sao_paulo, datetime.now(SAO_PAULO)) == date(2026, 11, 24)


def test_a_run_without_an_interval_writes_the_day_it_ran():
    assert ingest_date_of(None, datetime(2026, 11, 24, 1, 0, tzinfo=UTC)) == date(2026, 11, 24)


def test_the_summary_counts_every_zone_per_table(lake):
    schema = pa.schema([("id", pa.int64())])
    accounting = Accounting(raw_rows=5, processed_rows=3, rejected_rows=1, duplicates_removed=1)
    for zone, rows in (("raw", 5), ("processed", 3), ("rejected", 1)):
        details = ProcessedDetails(accounting, "r", "0" * 64) if zone == "processed" else None
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


def _settings_for(monkeypatch, lake, warehouse_url=None):
    monkeypatch.setenv("LAKE_URI", lake.uri)
    beside_lake = Path(lake.uri).parent
    monkeypatch.setenv("DBT_WORK_DIR", str(beside_lake / "dbt"))
    monkeypatch.setenv("DBT_ARTEFACTS_URI", str(beside_lake / "dbt_runs"))
    monkeypatch.setenv("DBT_DOCS_URI", str(beside_lake / "dbt_docs"))
    if warehouse_url:
        monkeypatch.setenv("AIRFLOW_CONN_OLIST_WAREHOUSE", warehouse_url)
    monkeypatch.delenv("WAREHOUSE_CONN_ID", raising=False)
    return PipelineSettings.from_env()


def facts_of(day: str, *, rows_extracted: int) -> RunFacts:
    return RunFacts(
        run_id=f"manual__{day}",
        ingest_date=day,
        interval_start=None,
        interval_end=f"{day}T00:00:00+00:00",
        full_refresh=False,
        rows_extracted=rows_extracted,
    )


def test_a_day_is_quiet_only_when_nothing_was_extracted():
    assert facts_of("2018-10-01", rows_extracted=0).quiet
    assert not facts_of("2018-10-02", rows_extracted=1).quiet


@pytest.mark.integration
def test_the_extract_works_out_the_run_s_facts(monkeypatch, loaded_shop_url, lake):
    monkeypatch.setenv("LAKE_URI", lake.uri)
    monkeypatch.setenv("AIRFLOW_CONN_OLIST_SHOP", loaded_shop_url)
    monkeypatch.delenv("SHOP_CONN_ID", raising=False)
    settings = PipelineSettings.from_env()
    end = datetime(2026, 11, 24, 3, tzinfo=UTC)

    everything = extract(
        settings,
        run_id="manual__full",
        interval_start=None,
        interval_end=end,
        run_after=end,
        full_refresh=True,
    )
    # A day long after the shop's data was loaded: nothing changed in it.
    quiet = extract(
        settings,
        run_id="scheduled__quiet",
        interval_start=end + timedelta(days=400),
        interval_end=end + timedelta(days=401),
        run_after=end + timedelta(days=401),
        full_refresh=False,
    )

    raw_rows = sum(lake.manifest("raw", t.name, "2026-11-24").rows for t in TABLES)
    assert everything.rows_extracted == raw_rows > 0 and not everything.quiet
    assert everything.ingest_date == "2026-11-24"
    assert everything.extracted_before is None  # a full refresh read everything
    assert everything.shop_totals["orders"] > 0
    assert quiet.quiet and quiet.rows_extracted == 0
    assert quiet.ingest_date == "2027-12-30"
    assert quiet.interval_start == "2027-12-29T03:00:00+00:00"
    assert quiet.extracted_before == end + timedelta(days=401)


def test_an_unreachable_shop_fails_the_extract_naming_its_connection(monkeypatch, lake):
    """Airflow's log shows the last exception: it must say which shop could not be read, and
    the lake must hold nothing a later task could take for this run's extract."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the probe is
    monkeypatch.setenv("AIRFLOW_CONN_OLIST_SHOP", f"postgresql://postgres@127.0.0.1:{port}/shop")
    monkeypatch.setenv("LAKE_URI", lake.uri)

    with pytest.raises(RuntimeError) as failure:
        extract(
            PipelineSettings.from_env(),
            run_id="manual__unreachable",
            interval_start=None,
            interval_end=None,
            run_after=datetime(2026, 11, 24, 3, tzinfo=UTC),
            full_refresh=True,
        )

    message = str(failure.value)
    assert "connection 'olist_shop'" in message and str(port) in message, message
    assert all(lake.partitions("raw", table.name) == [] for table in TABLES)


class RecordingWarehouse:
    """Loads that take a moment and record how many ran at once; ``failing`` raises."""

    def __init__(self, failing: str | None = None):
        self.failing, self.running, self.most_at_once = failing, 0, 0
        self.loaded: list[str] = []
        self._lock = threading.Lock()

    def create_schemas(self) -> None:
        pass

    def load_partition(self, lake, table: str, ingest_date: str) -> LoadResult:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(0.05)
            if table == self.failing:
                raise RuntimeError(f"{table}: the connection was lost")
            self.loaded.append(table)
            return LoadResult(table, ingest_date, len(table))
        finally:
            with self._lock:
                self.running -= 1


def test_the_load_loads_two_tables_at_once_and_reports_them_in_the_registry_s_order(
    monkeypatch, lake
):
    warehouse = RecordingWarehouse()
    monkeypatch.setattr(connections, "warehouse", lambda settings: warehouse)

    loaded = load(_settings_for(monkeypatch, lake), facts_of("2018-10-01", rows_extracted=9))

    assert list(loaded.items()) == [(table.name, len(table.name)) for table in TABLES]
    assert warehouse.most_at_once == 2


def test_a_failed_table_fails_the_load_and_stops_the_tables_not_yet_started(monkeypatch, lake):
    warehouse = RecordingWarehouse(failing="orders")
    monkeypatch.setattr(connections, "warehouse", lambda settings: warehouse)

    with pytest.raises(RuntimeError, match="orders: the connection was lost"):
        load(_settings_for(monkeypatch, lake), facts_of("2018-10-01", rows_extracted=9))
    names = [table.name for table in TABLES]
    started_before = names[: names.index("orders")]
    assert set(started_before) <= set(warehouse.loaded)  # finished, each in its transaction
    assert "orders" not in warehouse.loaded
    assert len(warehouse.loaded) < len(names) - 1  # the rest were never started


@pytest.mark.integration
def test_marts_are_built_once_and_kept_on_quiet_days_after(
    monkeypatch, warehouse_builder, warehouse_url
):
    order = {
        "order_id": "o1",
        "customer_id": "c1",
        "order_status": "delivered",
        "order_purchase_timestamp": datetime(2018, 9, 2, 12, tzinfo=UTC),
        "items_revenue": Decimal("10.00"),
        "payments_total": Decimal("10.00"),
    }
    customer = {
        "customer_id": "c1",
        "customer_unique_id": "u1",
        "customer_zip_code_prefix": "01001",
        "customer_city": "sao paulo",
        "customer_state": "SP",
    }
    item = {
        "order_id": "o1",
        "order_item_id": 1,
        "product_id": "p1",
        "seller_id": "s1",
        "price": Decimal("9.00"),
        "freight_value": Decimal("1.00"),
        "item_revenue": Decimal("10.00"),
    }
    warehouse_builder.run(
        "2018-09-03",
        {"orders": [order], "customers": [customer], "order_items": [item]},
        layers=("staging", "core"),
    )
    settings = _settings_for(monkeypatch, warehouse_builder.lake, warehouse_url)
    # Not built yet: a day with data builds them, measuring from the day after the sale.
    built = marts(settings, facts_of("2018-09-03", rows_extracted=3))
    assert "mart_rfm" in [run["name"] for run in built]
    as_of = "select max(as_of_date) as day from marts.mart_rfm"
    assert str(warehouse_builder.rows(as_of)[0]["day"]) == "2018-09-03"

    # Quiet days after it change neither the star schema nor the as-of date (the day after the
    # latest sale): the marts are kept as they are.
    warehouse_builder.run("2018-09-04", {}, layers=("staging", "core"))
    assert marts(settings, facts_of("2018-09-04", rows_extracted=0)) == []
    assert str(warehouse_builder.rows(as_of)[0]["day"]) == "2018-09-03"

    # So a quiet day after it skips every later stage: it commits the day's empty cleaned
    # partitions itself and writes a skipped row per stage, with the reason, to the audit.
    lake, quiet = warehouse_builder.lake, facts_of("2018-09-05", rows_extracted=0)
    for table in TABLES:
        lake.commit("raw", table.name, "2018-09-05", run_id=quiet.run_id, files=[], schema=EMPTY)
    later = ["lake.clean", "marts.marts", "dashboards"]
    assert not has_new_data(settings, quiet, dag_id="olist_elt", skipped=later)
    assert {t.name: lake.manifest("processed", t.name, "2018-09-05").rows for t in TABLES} == {
        t.name: 0 for t in TABLES
    }
    audited = warehouse_builder.rows(
        "select task_id, state, error from audit.pipeline_runs where run_id = 'manual__2018-09-05'"
        " order by task_id"
    )
    assert [(row["task_id"], row["state"]) for row in audited] == [
        (task_id, "skipped") for task_id in sorted(later)
    ]
    assert all(row["error"].startswith("no new data") for row in audited)
    # and the run's summary (what make pipeline prints) says so.
    summary = warehouse_summary(
        PostgresWarehouse(warehouse_url), settings.dbt_project_dir, quiet.run_id
    )
    assert "Skipped (no new data: the extract found no change" in summary
    assert summary.endswith("  dashboards\n  lake.clean\n  marts.marts")
    # A day with rows, or marts to measure from a new as-of date, runs every stage.
    assert has_new_data(settings, facts_of("2018-09-05", rows_extracted=1), dag_id="d", skipped=[])
    later_sale = {
        **order,
        "order_id": "o2",
        "order_purchase_timestamp": datetime(2018, 9, 6, 12, tzinfo=UTC),
    }
    warehouse_builder.run(
        "2018-09-06",
        {"orders": [later_sale], "order_items": [{**item, "order_id": "o2"}]},
        layers=("staging", "core"),
    )
    assert has_new_data(settings, facts_of("2018-09-10", rows_extracted=0), dag_id="d", skipped=[])


def test_the_warehouse_summary_lists_tables_segments_and_stage_seconds():
    text = format_warehouse(
        [("core", "core.fact_sales", 112_650), ("marts", "marts.mart_rfm", 94_938)],
        [("Hibernating", 30_395), ("Champions", 1_152)],
        [("lake.extract", 6.42), ("lake.clean", 40.0)],
    )
    lines = text.splitlines()
    assert lines[2].split() == ["core.fact_sales", "112,650"]
    assert "  Hibernating" in text and "30,395" in text
    assert lines[-1].split() == ["all", "stages", "46.4"]


@pytest.mark.integration
def test_a_quiet_day_skips_staging_and_core_once_the_warehouse_is_built(
    monkeypatch, warehouse_builder, warehouse_url
):
    settings = _settings_for(monkeypatch, warehouse_builder.lake, warehouse_url)
    warehouse_builder.run("2018-09-03", {}, layers=())  # the quiet day's empty partitions, loaded
    # Not built yet: even a quiet day builds the (empty) tables, so the marts can read them.
    quiet_day = facts_of("2018-09-03", rows_extracted=0)
    built = transform(settings, quiet_day, layers=("staging", "core"))
    assert "fact_sales" in [run["name"] for run in built]
    # dbt's artefacts of the run are kept with it
    kept = settings.dbt_artefacts_uri + "/ingest_date=2018-09-03/run_id=manual__2018-09-03"
    results = json.loads((Path(kept) / "staging-core" / "run_results.json").read_text())
    assert {r["unique_id"] for r in results["results"]} >= {"model.olist_warehouse.fact_sales"}
    assert (Path(kept) / "staging-core" / "manifest.json").exists()

    assert transform(settings, quiet_day, layers=("staging", "core")) == []
