"""The cleaning job end to end: raw partitions written with pyarrow, cleaned by Spark, committed.

The raw fixture holds one of each problem the job handles (a duplicate, an invalid state, an
orphan order and its parts, a point outside Brazil, a tombstone) so the accounting of every table
is known in advance.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from olist_cleaning.job import run
from olist_cleaning.schemas import PROCESSED, arrow_schema
from olist_pipeline.cleaning import (
    build_py_files,
    clean,
    cleaning_summary,
    glue_script_args,
    run_with_spark_submit,
)
from olist_pipeline.settings import PipelineSettings
from olist_pipeline.tables import BY_NAME, TABLES

DAY = "2024-03-01"
ALL_TABLES = [table.name for table in TABLES]
CHANGED = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
C1, C2, O1, O2, O3, P1, S1 = (ch * 32 for ch in "c2a3bde")
REVIEW = "9" * 32

EXPECTED_ACCOUNTING = {
    # table: (raw, processed, rejected, duplicates removed)
    "geolocation": (5, 2, 1, 2),
    "product_categories": (1, 1, 0, 0),
    "sellers": (1, 1, 0, 0),
    "products": (1, 1, 0, 0),
    "customers": (3, 1, 1, 1),
    "orders": (3, 2, 1, 0),
    "deliveries": (3, 2, 1, 0),
    "order_items": (3, 2, 1, 0),
    "payments": (2, 1, 1, 0),
    "reviews": (1, 1, 0, 0),
    "deleted_rows": (0, 0, 0, 0),
}


def _write_raw(lake, table: str, rows: list[dict]) -> None:
    spec = BY_NAME[table]
    filled = [{"created_at": CHANGED, "updated_at": CHANGED, "id": i, **row} for i, row in
              enumerate(rows, start=1)]  # fmt: skip
    data = pa.Table.from_pylist(
        [{name: row.get(name) for name in spec.column_names} for row in filled],
        schema=spec.arrow_schema(),
    )
    with lake.write_parquet("raw", table, DAY, spec.arrow_schema(), run_id="extract-1") as writer:
        writer.write_table(data)


def _place(prefix: str, state: str = "SP") -> dict:
    return {
        f"{prefix}_zip_code_prefix": "1310",
        f"{prefix}_city": " São Paulo",
        f"{prefix}_state": state,
    }


def _order(order_id: str, customer_id: str) -> dict:
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "order_status": "delivered",
        "order_purchase_timestamp": datetime(2018, 1, 10, 15, tzinfo=UTC),
    }


def _item(order_id: str, item: int, price: str) -> dict:
    return {
        "order_id": order_id,
        "order_item_id": item,
        "product_id": P1,
        "seller_id": S1,
        "shipping_limit_date": datetime(2018, 1, 12, tzinfo=UTC),
        "price": Decimal(price),
        "freight_value": Decimal("1.50"),
    }


def _geo(lat: float, lng: float) -> dict:
    return {"geolocation_lat": lat, "geolocation_lng": lng, **_place("geolocation")}


@pytest.fixture
def raw_lake(lake):
    """A raw partition of every table (deleted_rows empty)."""
    older = datetime(2024, 2, 1, tzinfo=UTC)
    _write_raw(lake, "geolocation", [_geo(-23.5, -46.6), _geo(-23.6, -46.7), _geo(-23.7, -46.5),
                                     {**_geo(-23.0, -46.0), "geolocation_zip_code_prefix": "2000"},
                                     _geo(48.8, 2.3)])  # fmt: skip
    _write_raw(lake, "product_categories", [{"product_category_name": "moveis"}])
    _write_raw(lake, "sellers", [{"seller_id": S1, **_place("seller")}])
    _write_raw(lake, "products", [{"product_id": P1, "product_category_name": "moveis"}])
    _write_raw(
        lake,
        "customers",
        [
            {"customer_id": C1, "customer_unique_id": C1, **_place("customer")},
            {"customer_id": C1, "customer_unique_id": C1, **_place("customer", "RJ"),
             "updated_at": older},
            {"customer_id": C2, "customer_unique_id": C2, **_place("customer", "XX")},
        ],
    )  # fmt: skip
    _write_raw(lake, "orders", [_order(O1, C1), _order(O2, C2), _order(O3, C1)])
    estimate = date(2018, 1, 25)
    _write_raw(
        lake,
        "deliveries",
        [
            {"order_id": O1, "order_estimated_delivery_date": estimate,
             "order_delivered_customer_date": datetime(2018, 1, 20, 12, tzinfo=UTC)},
            {"order_id": O2, "order_estimated_delivery_date": estimate},
            {"order_id": O3, "order_estimated_delivery_date": estimate},
        ],
    )  # fmt: skip
    _write_raw(lake, "order_items", [_item(O1, 1, "10.00"), _item(O1, 2, "5.00"),
                                     _item(O2, 1, "7.00")])  # fmt: skip
    _write_raw(
        lake,
        "payments",
        [
            {"order_id": O1, "payment_sequential": 1, "payment_type": "boleto",
             "payment_installments": 1, "payment_value": Decimal("18.00")},
            {"order_id": O2, "payment_sequential": 1, "payment_type": "boleto",
             "payment_installments": 1, "payment_value": Decimal("8.50")},
        ],
    )  # fmt: skip
    _write_raw(
        lake,
        "reviews",
        [{"review_id": REVIEW, "order_id": O1, "review_score": 4,
          "review_creation_date": datetime(2018, 1, 21, tzinfo=UTC)}],
    )  # fmt: skip
    _write_raw(lake, "deleted_rows", [])
    return lake


ACCOUNTING_FIELDS = ("raw_rows", "processed_rows", "rejected_rows", "duplicates_removed")


def _as_tuple(accounting: dict) -> tuple[int, ...]:
    return tuple(accounting[name] for name in ACCOUNTING_FIELDS)


def _accounting(lake) -> dict:
    return {
        table: _as_tuple(lake.manifest("processed", table, DAY).details["accounting"])
        for table in ALL_TABLES
    }


def _content(lake, zone: str, table: str) -> list[dict]:
    rows = lake.read_table(zone, table, DAY).to_pylist()
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def test_the_job_commits_every_table_with_balanced_accounting(spark, raw_lake):
    summary = run(spark, raw_lake, DAY, "clean-1", ALL_TABLES)

    assert _accounting(raw_lake) == EXPECTED_ACCOUNTING
    assert summary["customers"]["reasons"] == {"customer_state.not_a_state": 1}
    for table in ALL_TABLES:
        processed = raw_lake.manifest("processed", table, DAY)
        raw = raw_lake.manifest("raw", table, DAY)
        assert processed.run_id == "clean-1"
        assert processed.details["raw_checksum"] == raw.checksum
        assert processed.details["raw_run_id"] == "extract-1"
        contract = arrow_schema(PROCESSED[table])
        assert processed.columns == [{"name": f.name, "type": str(f.type)} for f in contract]
        written = raw_lake.read_table("processed", table, DAY)
        assert written.schema.names == contract.names
        assert written.schema.types == contract.types

    [customer] = _content(raw_lake, "processed", "customers")
    assert (customer["customer_city"], customer["customer_state"]) == ("sao paulo", "SP")
    assert customer["customer_zip_code_prefix"] == "01310"
    [bad_customer] = _content(raw_lake, "rejected", "customers")
    assert bad_customer["customer_city"] == " São Paulo"  # as it arrived
    assert bad_customer["reject_reason"] == "customer_state 'XX' is not a Brazilian state"
    assert raw_lake.manifest("rejected", "customers", DAY).details == {
        "reasons": {"customer_state.not_a_state": 1}
    }

    orders = {row["order_id"]: row for row in _content(raw_lake, "processed", "orders")}
    assert set(orders) == {O1, O3}
    assert (orders[O1]["items_count"], orders[O1]["items_revenue"]) == (2, Decimal("18.00"))
    assert orders[O1]["payments_total"] == Decimal("18.00")
    assert (orders[O3]["items_count"], orders[O3]["payments_total"]) == (0, Decimal("0.00"))
    orphans = _content(raw_lake, "rejected", "order_items")
    assert [row["order_id"] for row in orphans] == [O2]

    deliveries = {row["order_id"]: row for row in _content(raw_lake, "processed", "deliveries")}
    assert (deliveries[O1]["delivery_days"], deliveries[O1]["delay_days"]) == (10, -5)
    assert deliveries[O1]["is_on_time"] is True
    assert deliveries[O3]["is_on_time"] is None

    geolocation = sorted(
        _content(raw_lake, "processed", "geolocation"),
        key=lambda row: row["geolocation_zip_code_prefix"],
    )
    assert [(row["geolocation_zip_code_prefix"], row["points"]) for row in geolocation] == [
        ("01310", 3),
        ("02000", 1),
    ]
    assert geolocation[0]["geolocation_lat"] == -23.6


def test_a_rerun_through_the_local_runner_replaces_each_partition_alike(spark, raw_lake):
    run(spark, raw_lake, DAY, "clean-1", ALL_TABLES)
    first = {(zone, t): _content(raw_lake, zone, t) for zone in ("processed", "rejected")
             for t in ALL_TABLES}  # fmt: skip

    summary = clean(_settings(raw_lake, "local"), DAY, "clean-2")

    again = {key: _content(raw_lake, *key) for key in first}
    assert again == first
    assert _accounting(raw_lake) == EXPECTED_ACCOUNTING
    assert summary == cleaning_summary(raw_lake, DAY, ALL_TABLES)
    assert {table: _as_tuple(counts) for table, counts in summary.items()} == (EXPECTED_ACCOUNTING)
    manifest = raw_lake.manifest("processed", "orders", DAY)
    assert manifest.run_id == "clean-2"
    # Only the files the manifest names remain (the first run's attempt was removed).
    partition = "processed/orders/ingest_date=2024-03-01/"
    data_files = [k for k in raw_lake.storage.list(partition) if k.endswith(".parquet")]
    assert sorted(data_files) == sorted(partition + f.path for f in manifest.files)


def test_a_failure_mid_job_leaves_the_committed_partitions_in_place(spark, raw_lake):
    tables = ["customers", "orders", "payments"]
    run(spark, raw_lake, DAY, "clean-1", tables)
    before = {t: raw_lake.manifest("processed", t, DAY) for t in ("orders", "payments")}
    payments_before = _content(raw_lake, "processed", "payments")
    # The payments' raw data disappears under its manifest: reading it fails mid-job (the
    # orders' totals need it), after customers were committed again.
    [payments_file] = raw_lake.manifest("raw", "payments", DAY).files
    raw_lake.storage.delete([f"raw/payments/ingest_date={DAY}/{payments_file.path}"])

    with pytest.raises(Exception, match=r"(?i)not exist|not found|FileNotFound"):
        run(spark, raw_lake, DAY, "clean-2", tables)

    assert raw_lake.manifest("processed", "customers", DAY).run_id == "clean-2"
    for table, manifest in before.items():
        assert raw_lake.manifest("processed", table, DAY) == manifest
    assert _content(raw_lake, "processed", "payments") == payments_before
    assert raw_lake.manifest("processed", "deliveries", DAY) is None  # not asked for


def test_a_missing_raw_partition_is_reported(spark, lake):
    with pytest.raises(FileNotFoundError, match="raw/sellers/ingest_date=2024-03-01"):
        run(spark, lake, DAY, "clean-1", ["sellers"])


def _settings(lake, runner: str) -> PipelineSettings:
    return dataclasses.replace(PipelineSettings.from_env(), lake_uri=lake.uri, clean_runner=runner)


def test_the_glue_runner_is_left_to_the_dag(raw_lake):
    with pytest.raises(ValueError, match="GlueJobOperator"):
        clean(_settings(raw_lake, "glue"), DAY, "clean-glue")


def test_glue_script_args_name_every_job_argument():
    assert glue_script_args("s3://lake/olist", DAY, "manual__1", ["orders", "payments"]) == {
        "--lake_uri": "s3://lake/olist",
        "--ingest_date": DAY,
        "--run_id": "manual__1",
        "--tables": "orders,payments",
    }


def test_the_py_files_bundle_both_packages(tmp_path):
    bundle = build_py_files(PipelineSettings.from_env(), tmp_path)
    names = zipfile.ZipFile(bundle).namelist()
    assert {"olist_pipeline/lake.py", "olist_pipeline/tables.py"} <= set(names)
    assert {"olist_cleaning/job.py", "olist_cleaning/transforms.py"} <= set(names)


@pytest.mark.integration
def test_the_glue_script_runs_unchanged_under_spark_submit(raw_lake):
    settings = dataclasses.replace(_settings(raw_lake, "spark-submit"), spark_master="local[1]")

    summary = run_with_spark_submit(settings, DAY, "clean-submit", ["customers", "orders"])

    assert summary["customers"]["rejected_rows"] == 1
    assert summary["orders"]["processed_rows"] == 2
    assert raw_lake.manifest("processed", "orders", DAY).run_id == "clean-submit"
    assert raw_lake.manifest("processed", "payments", DAY) is None  # not asked for


@pytest.mark.integration
def test_a_failing_spark_submit_run_reports_the_job_error(lake):
    settings = dataclasses.replace(_settings(lake, "spark-submit"), spark_master="local[1]")

    with pytest.raises(RuntimeError, match="no committed raw partition"):
        run_with_spark_submit(settings, DAY, "clean-submit", ["sellers"])


def test_a_quiet_day_commits_empty_partitions_without_spark(lake):
    for table in ALL_TABLES:
        _write_raw(lake, table, [])

    summary = clean(_settings(lake, "spark-submit"), DAY, "clean-quiet")

    assert set(summary) == set(ALL_TABLES)
    for table in ALL_TABLES:
        processed = lake.manifest("processed", table, DAY)
        assert processed.rows == 0 and processed.files == []
        # the schema a Spark run would record, so the warehouse load creates the same table
        assert [(c["name"], c["type"]) for c in processed.columns] == [
            (f.name, str(f.type)) for f in arrow_schema(PROCESSED[table])
        ]
        assert _as_tuple(processed.details["accounting"]) == (0, 0, 0, 0)
        assert lake.manifest("rejected", table, DAY).rows == 0


def test_a_day_with_one_row_to_clean_is_left_to_spark(raw_lake):
    from olist_cleaning.job import commit_quiet_day

    assert commit_quiet_day(raw_lake, DAY, "clean-1", ALL_TABLES) is None
    assert raw_lake.manifest("processed", "orders", DAY) is None
