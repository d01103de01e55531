"""The lake's partition protocol, on a local folder and on S3 (moto's S3 server).

Every test runs against both storages through the parametrised ``lake`` fixture, so the S3 path
keeps exactly the promises of the local one: a partition is published by its manifest, readers
never see a half-written partition, a failed write leaves the previous state, a rewrite replaces.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from olist_pipeline.lake.partitions import (
    MANIFEST_NAME,
    Accounting,
    Lake,
    Manifest,
    PartitionError,
    ProcessedDetails,
    RejectedDetails,
    partition_key,
)

SCHEMA = pa.schema([pa.field("order_id", pa.string(), nullable=False), ("price", pa.float64())])
DAY = "2024-03-01"


def _batch(*rows: tuple[str, float]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([{"order_id": o, "price": p} for o, p in rows], SCHEMA)


def _write(lake: Lake, run_id: str, *rows: tuple[str, float], day: str = DAY) -> None:
    with lake.write_parquet("raw", "orders", day, SCHEMA, run_id=run_id) as writer:
        writer.write_batch(_batch(*rows))


def _partition_keys(lake: Lake, day: str = DAY) -> list[str]:
    return lake.storage.list(f"{partition_key('raw', 'orders', day)}/")


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.integration)])
def lake(request, tmp_path: Path) -> Lake:
    if request.param == "local":
        return Lake.from_uri(str(tmp_path / "lake"))
    client = request.getfixturevalue("s3_client")
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return Lake.from_uri(f"s3://{bucket}/olist", s3_client=client)


def test_a_committed_partition_reads_back_with_a_manifest_that_describes_it(lake):
    _write(lake, "run-1", ("a", 1.5), ("b", 2.25))

    assert lake.read_table("raw", "orders", DAY).to_pylist() == [
        {"order_id": "a", "price": 1.5},
        {"order_id": "b", "price": 2.25},
    ]
    manifest = lake.manifest("raw", "orders", DAY)
    assert (manifest.zone, manifest.table, manifest.ingest_date) == ("raw", "orders", DAY)
    assert manifest.run_id == "run-1"
    assert manifest.rows == 2
    assert manifest.columns == [
        {"name": "order_id", "type": "string"},
        {"name": "price", "type": "double"},
    ]
    [entry] = manifest.files
    assert entry.rows == 2
    assert lake.storage.describe(f"{partition_key('raw', 'orders', DAY)}/{entry.path}") == (
        entry.bytes,
        entry.sha256,
        2,
    )
    assert sorted(_partition_keys(lake)) == sorted(
        f"{partition_key('raw', 'orders', DAY)}/{name}" for name in (MANIFEST_NAME, entry.path)
    )


def test_rewriting_a_partition_replaces_its_content_and_removes_the_old_files(lake):
    _write(lake, "run-1", ("a", 1.0), ("b", 2.0))
    first = lake.manifest("raw", "orders", DAY)

    _write(lake, "run-2", ("c", 3.0))

    second = lake.manifest("raw", "orders", DAY)
    assert second.run_id == "run-2"
    assert lake.read_table("raw", "orders", DAY).column("order_id").to_pylist() == ["c"]
    assert first.files[0].path != second.files[0].path
    assert len(_partition_keys(lake)) == 2  # the manifest and the new file only


def test_readers_see_the_previous_partition_while_a_write_is_in_progress(lake):
    _write(lake, "run-1", ("a", 1.0))

    with lake.write_parquet("raw", "orders", DAY, SCHEMA, run_id="run-2") as writer:
        writer.write_batch(_batch(("b", 2.0), ("c", 3.0)))
        during = lake.read_table("raw", "orders", DAY)
        manifest_during = lake.manifest("raw", "orders", DAY)

    assert during.column("order_id").to_pylist() == ["a"]
    assert manifest_during.run_id == "run-1"
    assert lake.read_table("raw", "orders", DAY).column("order_id").to_pylist() == ["b", "c"]


def test_a_first_write_in_progress_is_invisible(lake):
    with lake.write_parquet("raw", "orders", DAY, SCHEMA, run_id="run-1") as writer:
        writer.write_batch(_batch(("a", 1.0)))
        assert lake.manifest("raw", "orders", DAY) is None
        assert lake.partitions("raw", "orders") == []
        with pytest.raises(FileNotFoundError, match="no committed partition"):
            lake.read_table("raw", "orders", DAY)

    assert lake.partitions("raw", "orders") == [DAY]


def test_a_crash_inside_the_write_keeps_the_previous_partition_and_leaves_nothing(lake):
    _write(lake, "run-1", ("a", 1.0))
    before = _partition_keys(lake)

    with (
        pytest.raises(OSError, match="disk full"),
        lake.write_parquet("raw", "orders", DAY, SCHEMA, run_id="run-2") as writer,
    ):
        writer.write_batch(_batch(("b", 2.0)))
        raise OSError("disk full")

    assert lake.manifest("raw", "orders", DAY).run_id == "run-1"
    assert lake.read_table("raw", "orders", DAY).column("order_id").to_pylist() == ["a"]
    assert _partition_keys(lake) == before


def test_files_put_without_a_commit_stay_invisible_until_the_next_commit_removes_them(
    lake, tmp_path
):
    _write(lake, "run-1", ("a", 1.0))
    orphan = tmp_path / "orphan.parquet"
    pq.write_table(pa.Table.from_batches([_batch(("zombie", 9.0))]), orphan)
    lake.put_data_file("raw", "orders", DAY, f"{lake.new_attempt()}/part-00000.parquet", orphan)

    assert len(_partition_keys(lake)) == 3
    assert lake.read_table("raw", "orders", DAY).column("order_id").to_pylist() == ["a"]

    _write(lake, "run-2", ("b", 2.0))

    assert lake.read_table("raw", "orders", DAY).column("order_id").to_pylist() == ["b"]
    assert len(_partition_keys(lake)) == 2


CLEANED = ProcessedDetails(Accounting(3, 3, 0, 0), raw_run_id="run-0", raw_checksum="0" * 64)


def test_a_manifest_records_the_details_of_its_zone_only(lake):
    schema = pa.schema([("order_id", pa.string())])
    with pytest.raises(TypeError, match="processed partitions record ProcessedDetails"):
        lake.commit(
            "processed",
            "orders",
            DAY,
            run_id="run-1",
            files=[],
            schema=schema,
            details=RejectedDetails(reasons={}),
        )
    assert lake.manifest("processed", "orders", DAY) is None


def test_a_commit_publishes_files_put_by_another_writer(lake, tmp_path):
    """The protocol a Spark job follows: put files under an attempt folder, then commit."""
    attempt = lake.new_attempt()
    for number, rows in enumerate([[("a", 1.0)], [("b", 2.0), ("c", 3.0)]]):
        local = tmp_path / f"part-{number}.parquet"
        pq.write_table(pa.Table.from_batches([_batch(*rows)]), local)
        lake.put_data_file("processed", "orders", DAY, f"{attempt}/part-{number}.parquet", local)

    manifest = lake.commit(
        "processed",
        "orders",
        DAY,
        run_id="run-1",
        files=[f"{attempt}/part-0.parquet", f"{attempt}/part-1.parquet"],
        schema=SCHEMA,
        details=CLEANED,
    )

    assert manifest.rows == 3
    assert [entry.rows for entry in manifest.files] == [1, 2]
    assert lake.manifest("processed", "orders", DAY).details == CLEANED
    table = lake.read_table("processed", "orders", DAY)
    assert sorted(table.column("order_id").to_pylist()) == ["a", "b", "c"]
    assert len(lake.file_uris(manifest)) == 2


def test_an_empty_partition_keeps_its_schema(lake):
    with lake.write_parquet("raw", "orders", DAY, SCHEMA, run_id="run-1"):
        pass

    assert lake.manifest("raw", "orders", DAY).rows == 0
    table = lake.read_table("raw", "orders", DAY)
    assert table.num_rows == 0
    assert table.schema.equals(SCHEMA)


def test_partitions_lists_committed_dates_oldest_first_and_only_for_that_table(lake, tmp_path):
    for day in ("2024-03-02", "2024-02-28", "2024-03-01"):
        _write(lake, "run", ("a", 1.0), day=day)
    with lake.write_parquet("raw", "order_items", "2024-01-01", SCHEMA, run_id="run") as writer:
        writer.write_batch(_batch(("x", 1.0)))
    uncommitted = tmp_path / "uncommitted.parquet"
    pq.write_table(pa.Table.from_batches([_batch(("b", 2.0))]), uncommitted)
    lake.put_data_file("raw", "orders", "2024-04-01", "attempt-x/part-00000.parquet", uncommitted)

    assert lake.partitions("raw", "orders") == ["2024-02-28", "2024-03-01", "2024-03-02"]
    assert lake.partitions("raw", "order_items") == ["2024-01-01"]
    assert lake.partitions("processed", "orders") == []


@pytest.mark.parametrize(
    ("zone", "day", "message"),
    [
        ("bronze", DAY, "unknown lake zone 'bronze'"),
        ("raw", "2024-13-01", "month must be in 1..12"),
        ("raw", "01/03/2024", "Invalid isoformat"),
    ],
)
def test_malformed_zones_and_dates_are_refused(lake, zone, day, message):
    with pytest.raises(ValueError, match=message):
        lake.manifest(zone, "orders", day)
    entered = []
    with (
        pytest.raises(ValueError, match=message),
        lake.write_parquet(zone, "orders", day, SCHEMA, run_id="run"),
    ):
        entered.append(True)
    assert entered == []  # refused before the caller streamed anything


# --- Reading a partition whose files are not what its manifest says ----------------------------


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def _committed(lake: Lake) -> tuple[Manifest, str]:
    """A committed raw partition of one file: its manifest and the file's key."""
    _write(lake, "run-1", ("a", 1.5), ("b", 2.25))
    manifest = lake.manifest("raw", "orders", DAY)
    return manifest, f"{partition_key('raw', 'orders', DAY)}/{manifest.files[0].path}"


def _refusal(manifest: Manifest, what: str) -> str:
    return rf"raw/orders/ingest_date={DAY}: {re.escape(manifest.files[0].path)} {what}"


def test_the_files_of_an_intact_partition_pass_the_check(lake):
    manifest, _ = _committed(lake)

    assert lake.verified_file_uris(manifest) == lake.file_uris(manifest)


def test_a_file_whose_bytes_do_not_match_the_manifest_is_refused(lake):
    manifest, key = _committed(lake)
    # A valid Parquet file of the same schema, other rows: only the checksum tells.
    lake.storage.put_bytes(key, _parquet_bytes(pa.Table.from_batches([_batch(("a", 9.0))])))

    with pytest.raises(PartitionError, match=_refusal(manifest, "does not match the manifest's")):
        lake.verified_file_uris(manifest)


def test_a_file_the_manifest_names_but_missing_is_refused(lake):
    manifest, key = _committed(lake)
    lake.storage.delete([key])

    with pytest.raises(PartitionError, match=_refusal(manifest, "is named by the manifest but")):
        lake.verified_file_uris(manifest)


def test_a_file_of_another_schema_than_the_manifest_is_refused(lake, tmp_path):
    other = pa.table({"order_id": ["a"], "amount": pa.array([1], pa.int64())})
    local = tmp_path / "other.parquet"
    pq.write_table(other, local)
    lake.put_data_file("raw", "orders", DAY, "attempt-x/part-00000.parquet", local)
    # Committed with the expected schema: the checksums describe the file, the columns do not.
    manifest = lake.commit(
        "raw", "orders", DAY, run_id="run-1", files=["attempt-x/part-00000.parquet"], schema=SCHEMA
    )

    with pytest.raises(
        PartitionError,
        match=_refusal(manifest, r"has another schema than the manifest \(missing price; extra"),
    ):
        lake.verified_file_uris(manifest)
