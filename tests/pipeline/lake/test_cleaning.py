"""Starting the cleaning job on this machine: as a Spark Connect client, in process and through
spark-submit, with the summary read back from the manifests."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time

import pytest
from pyspark.errors import PySparkException
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
from olist_pipeline.lake.cleaning import (
    cleaning_summary,
    run_locally,
    run_with_spark_submit,
    session_ids,
)
from olist_pipeline.lake.partitions import Lake

ZONES = ("processed", "rejected")
# The Spark Connect session tests are about the server's sessions, not the rules: one table
# (with a duplicate and a reject) keeps each of their cleanings short.
SESSION_TABLES = ["customers"]


@pytest.fixture
def raw_lake(lake):
    return write_raw_partitions(lake)


def arguments(lake, run_id: str, tables=ALL_TABLES) -> JobArguments:
    return JobArguments(lake_uri=lake.uri, ingest_date=DAY, run_id=run_id, tables=tuple(tables))


def as_tuples(summary: dict) -> dict:
    """A cleaning summary's accounting per table, as ``EXPECTED_ACCOUNTING`` writes it."""
    return {table: as_tuple(counts) for table, counts in summary.items()}


@pytest.fixture(scope="module")
def cleaned_in_process(spark, tmp_path_factory):
    """Every table cleaned once by the job on an in-process session: the lake's folder and each
    committed partition's rows, what the runners' tests compare with (one cleaning for them
    all; a test that writes into the lake works on a copy)."""
    folder = tmp_path_factory.mktemp("cleaned-in-process") / "lake"
    lake = write_raw_partitions(Lake.from_uri(str(folder)))
    run(spark, lake, arguments(lake, "clean-in-process"))
    rows = {(zone, t): content(lake, zone, t) for zone in ZONES for t in ALL_TABLES}
    return folder, rows


def test_a_rerun_through_the_local_runner_replaces_each_partition_alike(
    cleaned_in_process, tmp_path
):
    folder, first = cleaned_in_process
    raw_lake = Lake.from_uri(str(shutil.copytree(folder, tmp_path / "lake")))

    summary = run_locally(
        "local", raw_lake, arguments(raw_lake, "clean-2"), spark_master="local[2]"
    )

    again = {key: content(raw_lake, *key) for key in first}
    assert again == first
    assert accounting_of(raw_lake) == EXPECTED_ACCOUNTING
    assert summary == cleaning_summary(raw_lake, arguments(raw_lake, "clean-2"))
    assert as_tuples(summary) == EXPECTED_ACCOUNTING
    manifest = raw_lake.manifest("processed", "orders", DAY)
    assert manifest.run_id == "clean-2"
    # Only the files the manifest names remain (the first run's attempt was removed).
    partition = "processed/orders/ingest_date=2024-03-01/"
    data_files = [k for k in raw_lake.storage.list(partition) if k.endswith(".parquet")]
    assert sorted(data_files) == sorted(partition + f.path for f in manifest.files)


# A client of a cleaning's server session that starts a query too long to finish, then waits.
# Its tasks sleep in Python workers, which a task kill stops, as it stops the cleaning's scans
# and writes (a tight generated loop, such as a sum over a huge range, would not notice it).
LONG_QUERY = """
import sys, time
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.remote(sys.argv[1]).create()
print("connected", flush=True)
hang = F.udf(lambda value: time.sleep(3600) or value, "long")
spark.range(2).select(hang("id")).collect()
"""


def run_on_server(spark_connect, lake, run_id: str, tables=ALL_TABLES) -> dict:
    url, home = spark_connect
    return run_locally(
        "spark-connect",
        lake,
        arguments(lake, run_id, tables),
        spark_master="local[2]",
        spark_connect_url=url,
        spark_connect_home=home,
    )


@pytest.mark.integration
def test_the_spark_connect_runner_writes_what_an_in_process_session_writes(
    cleaned_in_process, spark_connect, raw_lake
):
    _, in_process = cleaned_in_process

    summary = run_on_server(spark_connect, raw_lake, "clean-connect")

    assert {key: content(raw_lake, *key) for key in in_process} == in_process
    assert accounting_of(raw_lake) == EXPECTED_ACCOUNTING
    assert summary == cleaning_summary(raw_lake, arguments(raw_lake, "clean-connect"))
    assert raw_lake.manifest("processed", "orders", DAY).run_id == "clean-connect"


@pytest.mark.integration
def test_a_cleaning_first_stops_what_a_killed_client_left_running_on_the_server(
    spark_connect, raw_lake, caplog
):
    # A killed client's query runs on in the server; left alone it could still write files into
    # the partition after the next cleaning committed it.
    url, _ = spark_connect
    partition_session = f"{url}/;session_id={next(session_ids(raw_lake, DAY))}"
    client = subprocess.Popen(
        [sys.executable, "-c", LONG_QUERY, partition_session], stdout=subprocess.PIPE, text=True
    )
    try:
        assert client.stdout.readline().strip() == "connected"
        time.sleep(2)
        assert client.poll() is None, "the long query ended by itself"
    finally:
        client.kill()  # SIGKILL: the client dies without a word to the server
        client.wait()

    with caplog.at_level(logging.WARNING, logger="olist_pipeline.lake.cleaning"):
        summary = run_on_server(spark_connect, raw_lake, "clean-after-a-kill", SESSION_TABLES)

    assert "interrupted 1 Spark operations an earlier cleaning of 2024-03-01" in caplog.text
    assert as_tuples(summary) == {table: EXPECTED_ACCOUNTING[table] for table in SESSION_TABLES}
    # the next cleaning of the partition finds nothing left running
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="olist_pipeline.lake.cleaning"):
        run_on_server(spark_connect, raw_lake, "clean-again", SESSION_TABLES)
    assert "interrupted" not in caplog.text


@pytest.mark.integration
def test_a_partition_whose_session_the_server_closed_is_cleaned_in_the_next_one(
    spark_connect, raw_lake
):
    # The server closes a session released by its client or idle past its timeout, and refuses
    # its id from then on: a day cleaned again hours later must not fail on that.
    # the Connect client's own class: pyspark.sql's would switch this whole process to Connect
    from pyspark.sql.connect.session import SparkSession

    url, _ = spark_connect
    first, second = list(session_ids(raw_lake, DAY))[:2]
    used = SparkSession.builder.remote(f"{url}/;session_id={first}").create()
    assert used.interruptAll() == []  # the server holds the session from its first call
    used.stop()  # and closes it when its client releases it
    refused = SparkSession.builder.remote(f"{url}/;session_id={first}").create()
    with pytest.raises(PySparkException, match="SESSION_CLOSED"):
        refused.interruptAll()
    refused.client.close()

    summary = run_on_server(spark_connect, raw_lake, "clean-after-a-close", SESSION_TABLES)

    assert as_tuples(summary) == {table: EXPECTED_ACCOUNTING[table] for table in SESSION_TABLES}
    assert len({first, second, *session_ids(raw_lake, DAY)}) == 100  # a fixed, unique chain


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
