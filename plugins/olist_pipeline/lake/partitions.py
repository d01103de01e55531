"""The lake: zones of partitioned Parquet tables, each partition published by a manifest.

Layout under one ``LAKE_URI`` (a local folder, or ``s3://bucket/prefix``)::

    <zone>/<table>/ingest_date=YYYY-MM-DD/_manifest.json
    <zone>/<table>/ingest_date=YYYY-MM-DD/<attempt>/part-00000.parquet

**The manifest is the commit.** A writer puts its data files under a fresh attempt folder inside
the partition, then writes ``_manifest.json`` in one atomic step (``os.replace`` locally, one
PUT on S3) naming exactly those files, and only then deletes every other file of the partition.
Readers go through the manifest and never list data files, so they see the previous partition
or the new one, never a mixture; a writer that crashes before its manifest leaves the previous
state (its orphan files are removed by the next successful write); writing the same partition
again replaces it. The same protocol lets Spark (in Glue) write the files and the driver commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ZONES = ("raw", "processed", "rejected")
MANIFEST_NAME = "_manifest.json"


# --- Storage: the few object operations the lake needs, local or S3 ---------------------------


class Storage(ABC):
    """Keys are ``/``-separated paths relative to the lake root."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """The address Spark, pyarrow or a person uses for ``key``."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes) -> None:
        """Write ``data`` at ``key`` atomically: readers see the old value or the new one."""

    @abstractmethod
    def put_file(self, local_path: Path, key: str) -> None:
        """Move a finished local file to ``key`` (the local file is consumed)."""

    @abstractmethod
    def get_bytes(self, key: str) -> bytes | None:
        """The value at ``key``, or None when there is none."""

    @abstractmethod
    def open_read(self, key: str) -> Any:
        """A binary file object for ``key`` (pyarrow reads Parquet from it)."""

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Every key under ``prefix`` (recursively)."""

    @abstractmethod
    def delete(self, keys: Iterable[str]) -> None: ...

    def describe(self, key: str) -> tuple[int, str, int]:
        """Size in bytes, SHA-256 and Parquet row count of a data file, read in one pass."""
        size, sha256, metadata = self.inspect(key)
        return size, sha256, metadata.num_rows

    def inspect(self, key: str) -> tuple[int, str, pq.FileMetaData]:
        """Size in bytes, SHA-256 and Parquet footer of a data file, read in one pass (the
        footer raises ``pyarrow.ArrowInvalid`` when the bytes are not Parquet)."""
        digest, size = hashlib.sha256(), 0
        with self.open_read(key) as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
            stream.seek(0)
            metadata = pq.ParquetFile(stream).metadata
        return size, digest.hexdigest(), metadata


class LocalStorage(Storage):
    def __init__(self, root: Path):
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        return self.root / key

    def uri(self, key: str) -> str:
        return str(self._path(key))

    def put_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, path)

    def put_file(self, local_path: Path, key: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if Path(local_path).resolve() != path:
            shutil.move(local_path, path)

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def open_read(self, key: str) -> Any:
        return self._path(key).open("rb")

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        return sorted(
            str(PurePosixPath(p.relative_to(self.root).as_posix()))
            for p in base.rglob("*")
            if p.is_file()
        )

    def delete(self, keys: Iterable[str]) -> None:
        folders = set()
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            folders.add(path.parent)
        # Leave no empty attempt folders behind (deepest first).
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


class S3Storage(Storage):
    """S3 through boto3 (pass the client of the Amazon provider's ``S3Hook`` inside Airflow)."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None):
        if client is None:
            import boto3  # only needed for s3:// lakes

            client = boto3.client("s3")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def put_file(self, local_path: Path, key: str) -> None:
        self.client.upload_file(str(local_path), self.bucket, self._key(key))
        Path(local_path).unlink()

    def get_bytes(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return response["Body"].read()

    def open_read(self, key: str) -> Any:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
        self.client.download_fileobj(self.bucket, self._key(key), spool)
        spool.seek(0)
        return spool

    def list(self, prefix: str) -> list[str]:
        keys = []
        paginator = self.client.get_paginator("list_objects_v2")
        strip = len(self._key("")) if self.prefix else 0
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
        return sorted(keys)

    def delete(self, keys: Iterable[str]) -> None:
        batch = [{"Key": self._key(key)} for key in keys]
        for start in range(0, len(batch), 1000):
            self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": batch[start : start + 1000]}
            )


# --- Manifests ----------------------------------------------------------------------------------


class PartitionError(Exception):
    """A committed partition whose data files are not what its manifest says (missing, other
    bytes, another schema): nothing may be read from it."""


@dataclass(frozen=True)
class DataFile:
    path: str  # relative to the partition folder
    rows: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Interval:
    """The data interval an extract selected ``changed_at`` in (ISO instants; ``start`` None:
    since the beginning), widened backwards by ``lookback_minutes``."""

    start: str | None
    end: str
    lookback_minutes: float


@dataclass(frozen=True)
class ChangedRange:
    """The lowest and highest ``changed_at`` a raw partition holds (None when empty)."""

    min: str | None = None
    max: str | None = None


@dataclass(frozen=True)
class RawDetails:
    """What the extract records in each raw manifest. ``shop_totals`` is what the shop held at
    the snapshot (``olist_pipeline.quality.reconciliation``'s JSON form), the same in every
    table of a run. ``unique_key``: no two rows share the table's natural key, because the shop
    enforces it with a unique index and the extract reads each row once from one snapshot; the
    cleaning then skips marking duplicates (false, or absent in older manifests: it marks
    them)."""

    interval: Interval
    full_refresh: bool
    snapshot: str
    source_table: str = ""
    shop_totals: dict[str, Any] | None = None
    updated_at_range: ChangedRange = field(default_factory=ChangedRange)
    unique_key: bool = False


@dataclass(frozen=True)
class Accounting:
    """Where a table's raw rows went: raw = processed + rejected + duplicates removed."""

    raw_rows: int
    processed_rows: int
    rejected_rows: int
    duplicates_removed: int

    @property
    def balanced(self) -> bool:
        return self.raw_rows == self.processed_rows + self.rejected_rows + self.duplicates_removed


@dataclass(frozen=True)
class ProcessedDetails:
    """What the cleaning job records in each processed manifest: the accounting and the raw
    partition it cleaned."""

    accounting: Accounting
    raw_run_id: str
    raw_checksum: str


@dataclass(frozen=True)
class RejectedDetails:
    """Rejected rows per rule (the rule's kind, e.g. ``customer_state.not_a_state``)."""

    reasons: dict[str, int] = field(default_factory=dict)


Details = RawDetails | ProcessedDetails | RejectedDetails
DETAILS_OF_ZONE: dict[str, type] = {
    "raw": RawDetails,
    "processed": ProcessedDetails,
    "rejected": RejectedDetails,
}


def _details_from_json(zone: str, data: dict[str, Any] | None) -> Details | None:
    if not data:
        return None
    if zone == "raw":
        return RawDetails(
            **{
                **data,
                "interval": Interval(**data["interval"]),
                "updated_at_range": ChangedRange(**data.get("updated_at_range") or {}),
            }
        )
    if zone == "processed":
        return ProcessedDetails(**{**data, "accounting": Accounting(**data["accounting"])})
    return RejectedDetails(**data)


@dataclass(frozen=True)
class Manifest:
    """What a partition holds. ``details`` carries the facts of the stage that wrote it, typed
    by zone: ``RawDetails`` (the extract's interval and snapshot), ``ProcessedDetails`` (the
    cleaning's row accounting), ``RejectedDetails`` (reject reasons)."""

    zone: str
    table: str
    ingest_date: str
    run_id: str
    rows: int
    columns: list[dict[str, str]]
    files: list[DataFile]
    checksum: str
    committed_at: str
    details: Details | None = None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True, default=str).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data)
        raw["files"] = [DataFile(**f) for f in raw["files"]]
        raw["details"] = _details_from_json(raw["zone"], raw.get("details"))
        return cls(**raw)


def partition_key(zone: str, table: str, ingest_date: date | str) -> str:
    if zone not in ZONES:
        raise ValueError(f"unknown lake zone {zone!r}; expected one of {', '.join(ZONES)}")
    day = ingest_date.isoformat() if isinstance(ingest_date, date) else str(ingest_date)
    date.fromisoformat(day)  # fails loudly on a malformed date
    return f"{zone}/{table}/ingest_date={day}"


class Lake:
    def __init__(self, storage: Storage):
        self.storage = storage

    @classmethod
    def from_uri(cls, uri: str, s3_client: Any = None) -> Lake:
        """``s3://bucket/prefix`` or a local folder (``file://`` optional)."""
        if uri.startswith("s3://"):
            bucket, _, prefix = uri.removeprefix("s3://").partition("/")
            return cls(S3Storage(bucket, prefix, client=s3_client))
        return cls(LocalStorage(Path(uri.removeprefix("file://"))))

    @property
    def uri(self) -> str:
        return self.storage.uri("").rstrip("/")

    def partition_uri(self, zone: str, table: str, ingest_date: date | str) -> str:
        return self.storage.uri(partition_key(zone, table, ingest_date))

    # Writing -------------------------------------------------------------------------------

    @staticmethod
    def new_attempt() -> str:
        """A fresh folder name for one write attempt's data files."""
        return f"attempt-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"

    def put_data_file(
        self, zone: str, table: str, ingest_date: date | str, relative_path: str, local: Path
    ) -> None:
        """Place a finished local file in the partition (invisible until ``commit``)."""
        self.storage.put_file(local, f"{partition_key(zone, table, ingest_date)}/{relative_path}")

    def commit(
        self,
        zone: str,
        table: str,
        ingest_date: date | str,
        *,
        run_id: str,
        files: list[str],
        schema: pa.Schema,
        details: Details | None = None,
    ) -> Manifest:
        """Publish ``files`` (paths relative to the partition) as the partition's content.

        Row counts come from the Parquet footers and checksums from the bytes, so the manifest
        describes what is really there. Everything else in the partition is deleted afterwards.
        ``details`` must be the zone's kind (``DETAILS_OF_ZONE``).
        """
        base = partition_key(zone, table, ingest_date)
        if details is not None and not isinstance(details, DETAILS_OF_ZONE[zone]):
            raise TypeError(
                f"{zone} partitions record {DETAILS_OF_ZONE[zone].__name__},"
                f" not {type(details).__name__}"
            )
        entries = []
        for relative in sorted(files):
            size, sha256, rows = self.storage.describe(f"{base}/{relative}")
            entries.append(DataFile(path=relative, rows=rows, bytes=size, sha256=sha256))
        checksum = hashlib.sha256(
            "\n".join(f"{e.path} {e.sha256}" for e in entries).encode()
        ).hexdigest()
        manifest = Manifest(
            zone=zone,
            table=table,
            ingest_date=base.rsplit("=", 1)[1],
            run_id=run_id,
            rows=sum(e.rows for e in entries),
            columns=[{"name": f.name, "type": str(f.type)} for f in schema],
            files=entries,
            checksum=checksum,
            committed_at=datetime.now(UTC).isoformat(),
            details=details,
        )
        self.storage.put_bytes(f"{base}/{MANIFEST_NAME}", manifest.to_json())
        keep = {f"{base}/{MANIFEST_NAME}"} | {f"{base}/{e.path}" for e in entries}
        self.storage.delete(key for key in self.storage.list(f"{base}/") if key not in keep)
        return manifest

    @contextmanager
    def write_parquet(
        self,
        zone: str,
        table: str,
        ingest_date: date | str,
        schema: pa.Schema,
        *,
        run_id: str,
        details: Details | Callable[[], Details] | None = None,
        parquet_options: dict[str, Any] | None = None,
    ) -> Iterator[pq.ParquetWriter]:
        """Stream record batches into one new partition file; commit when the block ends.

        The file is written in a local scratch folder (beside the partition for a local lake, so
        publishing it is a rename) and published only if the block finishes without error.
        ``details`` may be a function, called at commit time: the extract records the range of
        ``changed_at`` it streamed.
        ``parquet_options`` go to ``pyarrow.parquet.ParquetWriter`` (snappy unless overridden).
        """
        # Validated before the caller streams anything: a bad zone or date fails at once.
        base = partition_key(zone, table, ingest_date)
        relative = f"{self.new_attempt()}/part-00000.parquet"
        scratch_root = (
            Path(self.storage.uri(base)) if isinstance(self.storage, LocalStorage) else None
        )
        if scratch_root is not None:
            scratch_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=scratch_root, prefix=".scratch-") as scratch:
            local = Path(scratch) / "part.parquet"
            options = {"compression": "snappy", **(parquet_options or {})}
            with pq.ParquetWriter(local, schema, **options) as writer:
                yield writer
            self.put_data_file(zone, table, ingest_date, relative, local)
        self.commit(
            zone,
            table,
            ingest_date,
            run_id=run_id,
            files=[relative],
            schema=schema,
            details=details() if callable(details) else details,
        )

    # Reading -------------------------------------------------------------------------------

    def manifest(self, zone: str, table: str, ingest_date: date | str) -> Manifest | None:
        data = self.storage.get_bytes(f"{partition_key(zone, table, ingest_date)}/{MANIFEST_NAME}")
        return Manifest.from_json(data) if data is not None else None

    def file_uris(self, manifest: Manifest) -> list[str]:
        base = partition_key(manifest.zone, manifest.table, manifest.ingest_date)
        return [self.storage.uri(f"{base}/{entry.path}") for entry in manifest.files]

    def verified_file_uris(self, manifest: Manifest) -> list[str]:
        """``file_uris`` after checking each file against the manifest: present, the same size
        and SHA-256 as recorded at the commit, and a Parquet footer with the manifest's columns
        and types. Raises ``PartitionError`` naming the partition and the file otherwise.

        One listing of the partition and one read of each file's bytes (hashed while read, the
        footer parsed from the same read): cheap next to the Spark job that reads them again.
        """
        base = partition_key(manifest.zone, manifest.table, manifest.ingest_date)
        where = self.storage.uri(base)
        present = set(self.storage.list(f"{base}/"))
        columns = [(column["name"], column["type"]) for column in manifest.columns]
        for entry in manifest.files:
            key = f"{base}/{entry.path}"
            if key not in present:
                raise PartitionError(
                    f"{where}: {entry.path} is named by the manifest but missing; refusing to"
                    " read the partition"
                )
            try:
                size, sha256, metadata = self.storage.inspect(key)
            except (OSError, pa.ArrowException) as exc:
                raise PartitionError(f"{where}: {entry.path} cannot be read ({exc})") from exc
            if (size, sha256) != (entry.bytes, entry.sha256):
                raise PartitionError(
                    f"{where}: {entry.path} does not match the manifest's checksum (the manifest"
                    f" records {entry.bytes} bytes, SHA-256 {entry.sha256[:12]}...; the file has"
                    f" {size} bytes, SHA-256 {sha256[:12]}...); refusing to read the partition"
                )
            schema = metadata.schema.to_arrow_schema()
            found = [(f.name, str(f.type)) for f in schema]
            if found != columns:
                raise PartitionError(
                    f"{where}: {entry.path} has another schema than the manifest"
                    f" ({_schema_difference(found, columns)}); refusing to read the partition"
                )
        return self.file_uris(manifest)

    def read_table(self, zone: str, table: str, ingest_date: date | str) -> pa.Table:
        """The committed content of a partition (small partitions: tests, the quality gate)."""
        manifest = self.manifest(zone, table, ingest_date)
        if manifest is None:
            raise FileNotFoundError(
                f"no committed partition {partition_key(zone, table, ingest_date)} in {self.uri}"
            )
        base = partition_key(zone, table, ingest_date)
        parts = []
        for entry in manifest.files:
            with self.storage.open_read(f"{base}/{entry.path}") as stream:
                parts.append(pq.read_table(stream))
        if not parts:
            return pa.table({})
        return pa.concat_tables(parts)

    def partitions(self, zone: str, table: str) -> list[str]:
        """The ingest dates with a committed partition, oldest first."""
        suffix = f"/{MANIFEST_NAME}"
        dates = []
        for key in self.storage.list(f"{zone}/{table}/"):
            if key.endswith(suffix):
                dates.append(key.removesuffix(suffix).rsplit("ingest_date=", 1)[1])
        return sorted(dates)


def _schema_difference(found: list[tuple[str, str]], expected: list[tuple[str, str]]) -> str:
    """A few words on how a file's columns differ from the expected ones."""
    found_types, expected_types = dict(found), dict(expected)
    parts = []
    if missing := [name for name in expected_types if name not in found_types]:
        parts.append("missing " + ", ".join(missing))
    if extra := [name for name in found_types if name not in expected_types]:
        parts.append("extra " + ", ".join(extra))
    parts.extend(
        f"{name} is {found_types[name]}, not {kind}"
        for name, kind in expected_types.items()
        if name in found_types and found_types[name] != kind
    )
    return "; ".join(parts) or "columns in another order"
