"""The cleaning job end to end: raw partitions written with pyarrow, cleaned by Spark, committed;
its quiet-day commit, its arguments and what it ships."""

from __future__ import annotations

import threading
import zipfile
from decimal import Decimal

import pytest
from support.raw_lake import (
    ALL_TABLES,
    C1,
    C2,
    DAY,
    EXPECTED_ACCOUNTING,
    O1,
    O2,
    O3,
    accounting_of,
    as_tuple,
    content,
    write_raw,
    write_raw_partitions,
)

from olist_cleaning import job
from olist_cleaning.arguments import JobArguments
from olist_cleaning.job import PartitionCleaning, run
from olist_cleaning.packaging import build_extra_py_files
from olist_cleaning.quiet_day import NotAQuietDay, commit_quiet_day
from olist_cleaning.schemas import PROCESSED, arrow_schema
from olist_pipeline.lake.partitions import Interval, PartitionError, RawDetails, RejectedDetails


@pytest.fixture
def raw_lake(lake):
    return write_raw_partitions(lake)


def arguments(run_id: str, tables=ALL_TABLES) -> JobArguments:
    return JobArguments(lake_uri="unused", ingest_date=DAY, run_id=run_id, tables=tuple(tables))


def test_the_job_commits_every_table_with_balanced_accounting(spark, raw_lake):
    summary = run(spark, raw_lake, arguments("clean-1"))

    assert accounting_of(raw_lake) == EXPECTED_ACCOUNTING
    assert summary["customers"]["reasons"] == {"customer_state.not_a_state": 1}
    for table in ALL_TABLES:
        processed = raw_lake.manifest("processed", table, DAY)
        raw = raw_lake.manifest("raw", table, DAY)
        assert processed.run_id == "clean-1"
        assert processed.details.raw_checksum == raw.checksum
        assert processed.details.raw_run_id == "extract-1"
        contract = arrow_schema(PROCESSED[table])
        assert processed.columns == [{"name": f.name, "type": str(f.type)} for f in contract]
        if not raw.rows:  # committed empty without Spark: no file, the schema in the manifest
            assert processed.files == [] and processed.rows == 0
            continue
        written = raw_lake.read_table("processed", table, DAY)
        assert written.schema.names == contract.names
        assert written.schema.types == contract.types

    [customer] = content(raw_lake, "processed", "customers")
    assert (customer["customer_city"], customer["customer_state"]) == ("sao paulo", "SP")
    assert customer["customer_zip_code_prefix"] == "01310"
    [bad_customer] = content(raw_lake, "rejected", "customers")
    assert bad_customer["customer_city"] == " São Paulo"  # as it arrived
    assert bad_customer["reject_reason"] == "customer_state 'XX' is not a Brazilian state"
    assert raw_lake.manifest("rejected", "customers", DAY).details == RejectedDetails(
        reasons={"customer_state.not_a_state": 1}
    )

    orders = {row["order_id"]: row for row in content(raw_lake, "processed", "orders")}
    assert set(orders) == {O1, O3}
    assert (orders[O1]["items_count"], orders[O1]["items_revenue"]) == (2, Decimal("18.00"))
    assert orders[O1]["payments_total"] == Decimal("18.00")
    assert (orders[O3]["items_count"], orders[O3]["payments_total"]) == (0, Decimal("0.00"))
    orphans = content(raw_lake, "rejected", "order_items")
    assert [row["order_id"] for row in orphans] == [O2]

    deliveries = {row["order_id"]: row for row in content(raw_lake, "processed", "deliveries")}
    assert (deliveries[O1]["delivery_days"], deliveries[O1]["delay_days"]) == (10, -5)
    assert deliveries[O1]["is_on_time"] is True
    assert deliveries[O3]["is_on_time"] is None

    geolocation = sorted(
        content(raw_lake, "processed", "geolocation"),
        key=lambda row: row["geolocation_zip_code_prefix"],
    )
    assert [(row["geolocation_zip_code_prefix"], row["points"]) for row in geolocation] == [
        ("01310", 3),
        ("02000", 1),
    ]
    assert geolocation[0]["geolocation_lat"] == -23.6


def test_each_table_s_spark_jobs_run_in_its_own_job_group(spark, raw_lake):
    context = spark.sparkContext
    context.setJobGroup("the-caller", "the caller's own group")
    tables = ["customers", "orders"]
    try:
        run(spark, raw_lake, arguments("clean-groups", tables))
        # The caller's group is set again once the job is done.
        assert context.getLocalProperty("spark.jobGroup.id") == "the-caller"
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)
        context.setLocalProperty("spark.job.description", None)
        context.setLocalProperty("spark.job.interruptOnCancel", None)

    tracker = context.statusTracker()
    for table in tables:
        jobs = tracker.getJobIdsForGroup(table)
        assert jobs, f"no Spark job in the group {table}"
        assert all(tracker.getJobInfo(job).status == "SUCCEEDED" for job in jobs)
    assert not tracker.getJobIdsForGroup("the-caller")


@pytest.mark.parametrize("unique_key", [True, False])
def test_duplicates_are_searched_for_unless_the_manifest_says_every_key_is_unique(
    spark, lake, capsys, unique_key
):
    details = RawDetails(
        interval=Interval(start=None, end="2024-03-02T00:00:00+00:00", lookback_minutes=0),
        full_refresh=True,
        snapshot="1:1:",
        unique_key=unique_key,
    )
    place = {"customer_zip_code_prefix": "01310", "customer_city": "x", "customer_state": "SP"}
    customers = [{"customer_id": key, "customer_unique_id": key, **place} for key in (C1, C2)]
    write_raw(lake, "customers", customers, details=details)
    cleaning = PartitionCleaning(spark, lake, DAY, "clean-1")

    cleaning.cleaning("customers").classified.explain()
    assert ("Window" in capsys.readouterr().out) is not unique_key
    summary = cleaning.publish("customers")

    assert (summary["processed_rows"], summary["duplicates_removed"]) == (2, 0)
    assert sorted(row["customer_id"] for row in content(lake, "processed", "customers")) == sorted(
        [C1, C2]
    )


def test_a_failure_mid_job_leaves_the_committed_partitions_in_place(spark, raw_lake, monkeypatch):
    tables = ["customers", "orders", "payments"]
    run(spark, raw_lake, arguments("clean-1", tables))
    before = {t: raw_lake.manifest("processed", t, DAY) for t in ("orders", "payments")}
    payments_before = content(raw_lake, "processed", "payments")
    # The orders fail mid-job (an executor lost, say), after customers were committed again.
    monkeypatch.setattr(job, "TABLES_AT_ONCE", 1)
    publish = PartitionCleaning.publish

    def failing_publish(self, table):
        if table == "orders":
            raise RuntimeError("executor lost while writing orders")
        return publish(self, table)

    monkeypatch.setattr(PartitionCleaning, "publish", failing_publish)
    with pytest.raises(RuntimeError, match="executor lost"):
        run(spark, raw_lake, arguments("clean-2", tables))

    assert raw_lake.manifest("processed", "customers", DAY).run_id == "clean-2"
    for table, manifest in before.items():  # the payments were not started
        assert raw_lake.manifest("processed", table, DAY) == manifest
    assert content(raw_lake, "processed", "payments") == payments_before
    assert raw_lake.manifest("processed", "deliveries", DAY) is None  # not asked for


def test_tables_are_cleaned_at_once_and_a_failure_lets_the_running_ones_commit_whole(
    spark, raw_lake, monkeypatch
):
    run(spark, raw_lake, arguments("clean-1"))
    expected = {table: content(raw_lake, "processed", table) for table in ALL_TABLES}
    monkeypatch.setattr(job, "TABLES_AT_ONCE", 2)
    publish = PartitionCleaning.publish
    running, overlapped = set(), threading.Event()
    geolocation_started, orders_failed = threading.Event(), threading.Event()

    def watched_publish(self, table):
        running.add(table)
        if len(running) > 1:
            overlapped.set()
        try:
            if table == "orders":  # fails while the geolocation is being cleaned
                geolocation_started.wait(timeout=60)
                orders_failed.set()
                raise RuntimeError("executor lost while writing orders")
            if table == "geolocation":
                geolocation_started.set()
                orders_failed.wait(timeout=60)
            return publish(self, table)
        finally:
            running.discard(table)

    monkeypatch.setattr(PartitionCleaning, "publish", watched_publish)
    with pytest.raises(RuntimeError, match="executor lost"):  # started in the registry's order
        run(spark, raw_lake, arguments("clean-2", ["geolocation", "orders", "payments", "reviews"]))

    assert overlapped.is_set()
    # The geolocation, running when the orders failed, finished and committed; the tables after
    # the orders were not started.
    assert raw_lake.manifest("processed", "geolocation", DAY).run_id == "clean-2"
    for table in ("orders", "payments", "reviews"):
        assert raw_lake.manifest("processed", table, DAY).run_id == "clean-1", table
    # The same rows as cleaned one table at a time.
    assert content(raw_lake, "processed", "geolocation") == expected["geolocation"]


def test_a_raw_file_gone_from_under_its_manifest_refuses_the_run_before_any_write(spark, raw_lake):
    tables = ["customers", "orders", "payments"]
    run(spark, raw_lake, arguments("clean-1", tables))
    committed = {t: raw_lake.manifest("processed", t, DAY) for t in tables}
    [payments_file] = raw_lake.manifest("raw", "payments", DAY).files
    raw_lake.storage.delete([f"raw/payments/ingest_date={DAY}/{payments_file.path}"])

    with pytest.raises(PartitionError, match=r"raw/payments/ingest_date=.*" + payments_file.path):
        run(spark, raw_lake, arguments("clean-2", tables))

    # Checked before anything was written: even customers, first in line, is as it was.
    assert {t: raw_lake.manifest("processed", t, DAY) for t in tables} == committed


def test_a_second_cleaning_compiles_none_of_the_code_spark_generated_for_the_first(spark, raw_lake):
    """The session keeps more generated classes than one run makes (``GENERATED_CLASSES_KEPT``),
    so a cleaning on a session that cleaned before runs code already compiled, as a warm Spark
    Connect server's next run does. With Spark's default of 100 the second run compiled again
    almost everything the first had."""
    compilations = spark._jvm.org.apache.spark.metrics.source.CodegenMetrics
    run(spark, raw_lake, arguments("clean-first"))
    compiled_before = compilations.METRIC_COMPILATION_TIME().getCount()

    run(spark, raw_lake, arguments("clean-again"))

    assert compilations.METRIC_COMPILATION_TIME().getCount() - compiled_before <= 5
    assert accounting_of(raw_lake) == EXPECTED_ACCOUNTING


def test_a_missing_raw_partition_is_reported(spark, lake):
    with pytest.raises(FileNotFoundError, match="raw/sellers/ingest_date=2024-03-01"):
        run(spark, lake, arguments("clean-1", ["sellers"]))


def test_a_quiet_day_commits_empty_partitions_without_spark(lake):
    for table in ALL_TABLES:
        write_raw(lake, table, [])

    summary = commit_quiet_day(lake, arguments("clean-quiet"))

    assert set(summary) == set(ALL_TABLES)
    for table in ALL_TABLES:
        processed = lake.manifest("processed", table, DAY)
        assert processed.rows == 0 and processed.files == []
        # the schema a Spark run would record, so the warehouse load creates the same table
        assert [(c["name"], c["type"]) for c in processed.columns] == [
            (f.name, str(f.type)) for f in arrow_schema(PROCESSED[table])
        ]
        assert as_tuple(processed.details.accounting) == (0, 0, 0, 0)
        assert lake.manifest("rejected", table, DAY).rows == 0


def test_a_day_with_one_row_to_clean_is_left_to_spark(raw_lake):
    with pytest.raises(NotAQuietDay, match="customers"):
        commit_quiet_day(raw_lake, arguments("clean-1"))
    assert raw_lake.manifest("processed", "orders", DAY) is None


def test_glue_script_args_name_every_job_argument():
    job = JobArguments("s3://lake/olist", DAY, "manual__1", ("payments", "orders"))
    assert job.glue_script_args() == {
        "--lake_uri": "s3://lake/olist",
        "--ingest_date": DAY,
        "--run_id": "manual__1",
        "--tables": "orders,payments",
    }
    assert JobArguments.parse(job.argv()) == job


def test_unknown_tables_are_refused():
    with pytest.raises(ValueError, match="unknown tables"):
        JobArguments("s3://lake/olist", DAY, "manual__1", ("orders", "invoices"))


def test_the_job_ships_its_package_and_the_two_platform_modules_it_imports(tmp_path):
    names = zipfile.ZipFile(build_extra_py_files(tmp_path)).namelist()
    assert {"olist_pipeline/lake/partitions.py", "olist_pipeline/tables.py"} <= set(names)
    assert {"olist_cleaning/job.py", "olist_cleaning/transforms.py"} <= set(names)
    platform = {name for name in names if name.startswith("olist_pipeline/")}
    assert platform == {
        "olist_pipeline/__init__.py",
        "olist_pipeline/tables.py",
        "olist_pipeline/lake/__init__.py",
        "olist_pipeline/lake/partitions.py",
    }


def test_the_job_s_zip_is_the_same_bytes_every_time(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    assert build_extra_py_files(first).read_bytes() == build_extra_py_files(second).read_bytes()
