"""The cleaning step refuses a raw partition that is not what its manifest says.

Through ``run_locally("local", ...)``, the function the DAG's ``clean`` task calls: the run
raises ``PartitionError`` naming the partition and the file before anything is written (every
raw partition the run reads is checked first), so processed/ and rejected/ stay empty and the
task fails, which stops the DAG's later tasks (the lake gate, the warehouse load).

The broken table is a late one (reviews, payments, sellers): a check made table by table, while
publishing, would already have committed the earlier tables' partitions.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support.raw_lake import ALL_TABLES, DAY, write_raw_partitions

from olist_cleaning.arguments import JobArguments
from olist_pipeline.lake.cleaning import run_locally
from olist_pipeline.lake.partitions import Lake, PartitionError, partition_key
from olist_pipeline.tables import BY_NAME


class NoSpark:
    """Stands in for the Spark session: the refusal comes before any Spark work, so these
    tests start no JVM (the happy path on a real session is test_cleaning.py's)."""

    def __getattr__(self, name):
        raise AssertionError(f"Spark used ({name}) before the raw partitions were checked")


@pytest.fixture
def no_spark(monkeypatch):
    """``run_in_process`` takes the active session when there is one: this stand-in."""
    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession, "getActiveSession", staticmethod(NoSpark))


@pytest.fixture
def raw_lake(lake, no_spark):
    return write_raw_partitions(lake)


def clean(lake: Lake) -> None:
    arguments = JobArguments(
        lake_uri=lake.uri, ingest_date=DAY, run_id="clean-1", tables=tuple(ALL_TABLES)
    )
    run_locally("local", lake, arguments, spark_master="local[1]")


def raw_file(lake: Lake, table: str) -> tuple[str, str]:
    """(path in the partition, key) of the one data file of a raw partition."""
    (entry,) = lake.manifest("raw", table, DAY).files
    return entry.path, f"{partition_key('raw', table, DAY)}/{entry.path}"


def recommit(lake: Lake, table: str, data: pa.Table, schema: pa.Schema, tmp_path) -> str:
    """Replace a raw partition by ``data``, committed with ``schema`` in its manifest."""
    local = tmp_path / f"{table}.parquet"
    pq.write_table(data, local)
    path = "attempt-other/part-00000.parquet"
    lake.put_data_file("raw", table, DAY, path, local)
    lake.commit("raw", table, DAY, run_id="extract-2", files=[path], schema=schema)
    return path


def assert_refused(lake: Lake, message: str) -> None:
    with pytest.raises(PartitionError, match=message):
        clean(lake)
    assert lake.storage.list("processed/") == []
    assert lake.storage.list("rejected/") == []


def test_a_raw_file_whose_bytes_do_not_match_its_manifest(raw_lake):
    path, key = raw_file(raw_lake, "reviews")
    with raw_lake.storage.open_read(key) as stream:
        rows = pq.read_table(stream)
    # The same rows, written again uncompressed: valid Parquet, other bytes.
    sink = pa.BufferOutputStream()
    pq.write_table(rows, sink, compression="none")
    raw_lake.storage.put_bytes(key, sink.getvalue().to_pybytes())

    assert_refused(
        raw_lake,
        rf"raw/reviews/ingest_date={DAY}: {re.escape(path)} does not match the manifest's"
        r" checksum \(the manifest records \d+ bytes",
    )


def test_a_manifest_naming_a_missing_file(raw_lake):
    path, key = raw_file(raw_lake, "payments")
    raw_lake.storage.delete([key])

    assert_refused(
        raw_lake,
        rf"raw/payments/ingest_date={DAY}: {re.escape(path)} is named by the manifest but missing",
    )


def test_a_parquet_file_of_another_schema_than_its_manifest(raw_lake, tmp_path):
    spec = BY_NAME["sellers"]
    _, key = raw_file(raw_lake, "sellers")
    with raw_lake.storage.open_read(key) as stream:
        rows = pq.read_table(stream).drop_columns(["seller_state"])
    path = recommit(raw_lake, "sellers", rows, spec.arrow_schema(), tmp_path)

    assert_refused(
        raw_lake,
        rf"raw/sellers/ingest_date={DAY}: {re.escape(path)} has another schema than the"
        r" manifest \(missing seller_state\)",
    )


def test_a_raw_partition_without_the_registrys_columns(raw_lake, tmp_path):
    """File and manifest agree, but not with the registry the job cleans against."""
    _, key = raw_file(raw_lake, "sellers")
    with raw_lake.storage.open_read(key) as stream:
        rows = pq.read_table(stream).drop_columns(["seller_state"])
    recommit(raw_lake, "sellers", rows, rows.schema, tmp_path)

    assert_refused(
        raw_lake,
        rf"raw/sellers/ingest_date={DAY}: the partition lacks the registry's columns"
        r" seller_state",
    )
