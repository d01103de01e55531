"""Starting the cleaning job on this machine: in process and through spark-submit, with the
summary read back from the manifests."""

from __future__ import annotations

import pytest
from support.raw_lake import (
    ALL_TABLES,
    DAY,
    EXPECTED_ACCOUNTING,
    accounting_of,
    as_tuple,
    content,
    write_raw_partitions,
)

from olist_cleaning.arguments import JobArguments
from olist_cleaning.job import run
from olist_pipeline.lake.cleaning import cleaning_summary, run_locally, run_with_spark_submit


@pytest.fixture
def raw_lake(lake):
    return write_raw_partitions(lake)


def arguments(lake, run_id: str, tables=ALL_TABLES) -> JobArguments:
    return JobArguments(lake_uri=lake.uri, ingest_date=DAY, run_id=run_id, tables=tuple(tables))


def test_a_rerun_through_the_local_runner_replaces_each_partition_alike(spark, raw_lake):
    run(spark, raw_lake, arguments(raw_lake, "clean-1"))
    first = {(zone, t): content(raw_lake, zone, t) for zone in ("processed", "rejected")
             for t in ALL_TABLES}  # fmt: skip

    summary = run_locally(
        "local", raw_lake, arguments(raw_lake, "clean-2"), spark_master="local[2]"
    )

    again = {key: content(raw_lake, *key) for key in first}
    assert again == first
    assert accounting_of(raw_lake) == EXPECTED_ACCOUNTING
    assert summary == cleaning_summary(raw_lake, arguments(raw_lake, "clean-2"))
    assert {table: as_tuple(counts) for table, counts in summary.items()} == (EXPECTED_ACCOUNTING)
    manifest = raw_lake.manifest("processed", "orders", DAY)
    assert manifest.run_id == "clean-2"
    # Only the files the manifest names remain (the first run's attempt was removed).
    partition = "processed/orders/ingest_date=2024-03-01/"
    data_files = [k for k in raw_lake.storage.list(partition) if k.endswith(".parquet")]
    assert sorted(data_files) == sorted(partition + f.path for f in manifest.files)


def test_the_glue_runner_does_not_run_on_this_machine(raw_lake):
    with pytest.raises(ValueError, match="does not run on this machine"):
        run_locally("glue", raw_lake, arguments(raw_lake, "clean-glue"), spark_master="local[1]")


@pytest.mark.integration
def test_the_glue_script_runs_unchanged_under_spark_submit(raw_lake):
    job = arguments(raw_lake, "clean-submit", ["customers", "orders"])

    summary = run_with_spark_submit(raw_lake, job, spark_master="local[1]")

    assert summary["customers"]["rejected_rows"] == 1
    assert summary["orders"]["processed_rows"] == 2
    assert raw_lake.manifest("processed", "orders", DAY).run_id == "clean-submit"
    assert raw_lake.manifest("processed", "payments", DAY) is None  # not asked for


@pytest.mark.integration
def test_a_failing_spark_submit_run_reports_the_job_error(lake):
    job = arguments(lake, "clean-submit", ["sellers"])

    with pytest.raises(RuntimeError, match="no committed raw partition"):
        run_with_spark_submit(lake, job, spark_master="local[1]")
