"""The cleaning job's body: raw partitions in, processed and rejected partitions committed.

One Spark session cleans every table of a run, with as few Spark jobs as it can: Spark's cost
per query (planning, code generation, a JVM still warming up) dominates at this size. Each
table's rows are classified once; the classification is cached only for the tables another
table reads (a parent's valid rows feed its children's reference checks, and the orders'
totals read the valid items and payments). The write of the processed rows counts the
outcomes as it goes (``DataFrame.observe``), and the rejected rows are written only when there
are any. An empty raw partition is committed empty without Spark. The tables are cleaned a few
at a time, from threads that share the session (``TABLES_AT_ONCE``). Spark writes the files under
a fresh attempt folder; the driver checks that nothing vanished and only then commits through
the lake's manifests, rejected first, so a failure leaves the table's previous processed
partition in place. Before any of that, every raw partition the run reads is checked against
its manifest (files present, bytes matching the recorded SHA-256, the recorded schema): one
that fails refuses the run with a ``PartitionError`` naming the partition and the file, and
nothing is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait

import pyarrow.parquet as pq
from pyspark.sql import DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from olist_cleaning.accounting import account, table_summary
from olist_cleaning.arguments import JobArguments
from olist_cleaning.quiet_day import commit_empty
from olist_cleaning.rules import Cleaning, without_duplicates
from olist_cleaning.schemas import PROCESSED, arrow_schema, rejected_columns
from olist_cleaning.session import configure, is_remote
from olist_cleaning.spark import conform, raw_schema
from olist_cleaning.transforms import (
    clean_customers,
    clean_deleted_rows,
    clean_deliveries,
    clean_geolocation,
    clean_order_items,
    clean_orders,
    clean_payments,
    clean_product_categories,
    clean_products,
    clean_reviews,
    clean_sellers,
    collapse_geolocation,
    with_delivery_times,
    with_item_revenue,
    with_order_totals,
)
from olist_pipeline.lake.partitions import (
    Lake,
    Manifest,
    PartitionError,
    ProcessedDetails,
    RawDetails,
    RejectedDetails,
    partition_key,
)
from olist_pipeline.tables import BY_NAME

# The thread-local properties ``SparkContext.setJobGroup`` sets.
JOB_GROUP_PROPERTIES = ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel")
PROCESSED_SORT_KEY = {"geolocation": ("geolocation_zip_code_prefix",)}
# The raw tables a table's cleaning reads besides its own: its parents' valid rows, and the
# items and payments the orders' totals are computed from.
ALSO_READS = {
    "orders": ("customers", "order_items", "payments"),
    "deliveries": ("orders",),
    "order_items": ("orders", "products", "sellers"),
    "payments": ("orders",),
    "reviews": ("orders",),
}
# Tables cleaned at once. Most of a small table's time is Spark's latency per query (planning,
# scheduling, committing files), during which the cores idle, and a big table's first stage
# reads one file on one core: a few tables at once keep both cores of a small machine busy
# (docs/benchmarks.md, the eighth round, has the figures).
TABLES_AT_ONCE = 4
# The tables whose classified rows another table's cleaning reads: cached once classified.
READ_BY_OTHERS = frozenset(parent for parents in ALSO_READS.values() for parent in parents)


def raw_tables_read(tables: Iterable[str]) -> list[str]:
    """Every raw table that cleaning ``tables`` reads, in the registry's order."""
    wanted, todo = set(), list(tables)
    while todo:
        table = todo.pop()
        if table not in wanted:
            wanted.add(table)
            todo.extend(ALSO_READS.get(table, ()))
    return [name for name in BY_NAME if name in wanted]


class PartitionCleaning:
    """The tables of one raw ingest date, each classified at most once (lazily, on demand)."""

    def __init__(self, spark: SparkSession, lake: Lake, ingest_date: str, run_id: str):
        self.spark, self.lake, self.ingest_date, self.run_id = spark, lake, ingest_date, run_id
        self._manifests: dict[str, Manifest] = {}
        self._uris: dict[str, list[str]] = {}
        self._cleanings: dict[str, Cleaning] = {}
        self._building = threading.RLock()
        self._builders: dict[str, Callable[[], Cleaning]] = {
            "geolocation": lambda: clean_geolocation(self.raw("geolocation")),
            "product_categories": lambda: clean_product_categories(self.raw("product_categories")),
            "sellers": lambda: clean_sellers(self.raw("sellers")),
            "products": lambda: clean_products(self.raw("products")),
            "customers": lambda: clean_customers(self.raw("customers")),
            "orders": lambda: clean_orders(self.raw("orders"), self.valid("customers")),
            "deliveries": lambda: clean_deliveries(self.raw("deliveries"), self.valid("orders")),
            "order_items": lambda: clean_order_items(
                self.raw("order_items"),
                self.valid("orders"),
                self.valid("products"),
                self.valid("sellers"),
            ),
            "payments": lambda: clean_payments(self.raw("payments"), self.valid("orders")),
            "reviews": lambda: clean_reviews(self.raw("reviews"), self.valid("orders")),
            "deleted_rows": lambda: clean_deleted_rows(self.raw("deleted_rows")),
        }

    def raw_manifest(self, table: str) -> Manifest:
        if table not in self._manifests:
            manifest = self.lake.manifest("raw", table, self.ingest_date)
            if manifest is None:
                where = partition_key("raw", table, self.ingest_date)
                raise FileNotFoundError(f"no committed raw partition {where} in {self.lake.uri}")
            self._manifests[table] = manifest
        return self._manifests[table]

    def raw_files(self, table: str) -> list[str]:
        """The raw partition's files, each checked against its manifest (present, same bytes,
        same schema; ``Lake.verified_file_uris``) and the manifest's columns against the
        registry's: a partition that fails raises ``PartitionError`` before Spark reads it."""
        if table not in self._uris:
            manifest = self.raw_manifest(table)
            uris = self.lake.verified_file_uris(manifest)
            recorded = {column["name"] for column in manifest.columns}
            missing = [c.name for c in BY_NAME[table].columns if c.name not in recorded]
            if missing:
                where = self.lake.partition_uri("raw", table, self.ingest_date)
                raise PartitionError(
                    f"{where}: the partition lacks the registry's columns {', '.join(missing)};"
                    " refusing to clean it"
                )
            self._uris[table] = uris
        return self._uris[table]

    def verify(self, tables: Iterable[str]) -> None:
        """Check every raw partition cleaning ``tables`` will read, before anything is written:
        one bad partition refuses the whole run, so no processed or rejected partition moves."""
        for table in raw_tables_read(tables):
            self.raw_files(table)

    def raw(self, table: str) -> DataFrame:
        """The committed raw rows, read through the manifest, as the registry's types; marked
        as holding no duplicates when the manifest says every key occurs once."""
        uris = self.raw_files(table)
        if not uris:
            rows = self.spark.createDataFrame([], raw_schema(BY_NAME[table]))
        else:
            rows = conform(self.spark.read.parquet(*uris), BY_NAME[table].columns)
        details = self.raw_manifest(table).details
        if isinstance(details, RawDetails) and details.unique_key:
            return without_duplicates(rows)
        return rows

    def cleaning(self, table: str) -> Cleaning:
        with self._building:
            if table not in self._cleanings:
                cleaning = self._builders[table]()
                if table in READ_BY_OTHERS:
                    cleaning.classified.cache()
                self._cleanings[table] = cleaning
            return self._cleanings[table]

    def valid(self, table: str) -> DataFrame:
        return self.cleaning(table).valid

    def processed(self, table: str, cleaning: Cleaning) -> DataFrame:
        """``cleaning``'s valid rows with the processed zone's derived columns."""
        valid = cleaning.valid
        if table == "geolocation":
            rows = collapse_geolocation(valid)
        elif table == "orders":
            rows = with_order_totals(valid, self.valid("order_items"), self.valid("payments"))
        elif table == "deliveries":
            rows = with_delivery_times(valid)
        elif table == "order_items":
            rows = with_item_revenue(valid)
        else:
            rows = valid
        return conform(rows, PROCESSED[table])

    def publish(self, table: str) -> dict:
        """Clean one table and commit its rejected, then its processed partition. Its Spark jobs
        run in a job group named after the table (the Spark UI's and the benchmark's tally);
        on a Spark Connect session, which has no job groups, under a tag of that name."""
        if is_remote(self.spark):
            self.spark.addTag(f"clean-{table}")
            try:
                return self._publish(table)
            finally:
                self.spark.removeTag(f"clean-{table}")
        context = self.spark.sparkContext
        before = {name: context.getLocalProperty(name) for name in JOB_GROUP_PROPERTIES}
        context.setJobGroup(table, f"clean {table} {self.ingest_date}")
        try:
            return self._publish(table)
        finally:
            for name, value in before.items():  # the caller's group, if any, again
                context.setLocalProperty(name, value)

    def _publish(self, table: str) -> dict:
        raw_manifest = self.raw_manifest(table)
        if not raw_manifest.rows:
            return commit_empty(self.lake, table, self.ingest_date, self.run_id, raw_manifest)
        cleaning = self.cleaning(table)
        counted = Observation()
        processed_key = PROCESSED_SORT_KEY.get(table, BY_NAME[table].key)
        processed = self.processed(table, cleaning.observed(counted))
        processed_files = self._write(processed, "processed", table, processed_key)
        outcomes = cleaning.outcomes(counted.get)
        rejected_files = []
        if outcomes.rejected:
            rejected_files = self._write(cleaning.rejected, "rejected", table, BY_NAME[table].key)
        accounting = account(
            table,
            raw_rows=raw_manifest.rows,
            outcomes=outcomes,
            processed_rows=self._rows("processed", table, processed_files),
            rejected_rows=self._rows("rejected", table, rejected_files),
        )
        self.lake.commit(
            "rejected",
            table,
            self.ingest_date,
            run_id=self.run_id,
            files=rejected_files,
            schema=arrow_schema(rejected_columns(BY_NAME[table])),
            details=RejectedDetails(reasons=outcomes.reasons),
        )
        self.lake.commit(
            "processed",
            table,
            self.ingest_date,
            run_id=self.run_id,
            files=processed_files,
            schema=arrow_schema(PROCESSED[table]),
            details=ProcessedDetails(
                accounting=accounting,
                raw_run_id=raw_manifest.run_id,
                raw_checksum=raw_manifest.checksum,
            ),
        )
        return table_summary(accounting, outcomes.reasons)

    def _write(self, rows: DataFrame, zone: str, table: str, sort_key: Iterable[str]) -> list[str]:
        """Write ``rows`` under a new attempt folder; the data files, relative to the partition."""
        attempt = Lake.new_attempt()
        ordered = rows.sortWithinPartitions(*[F.col(name) for name in sort_key])
        ordered.write.parquet(f"{self.lake.partition_uri(zone, table, self.ingest_date)}/{attempt}")
        base = partition_key(zone, table, self.ingest_date)
        return [
            key.removeprefix(f"{base}/")
            for key in self.lake.storage.list(f"{base}/{attempt}/")
            if key.endswith(".parquet")
        ]

    def _rows(self, zone: str, table: str, files: list[str]) -> int:
        base = partition_key(zone, table, self.ingest_date)
        rows = 0
        for relative in files:
            with self.lake.storage.open_read(f"{base}/{relative}") as stream:
                rows += pq.ParquetFile(stream).metadata.num_rows
        return rows

    def publish_all(self, tables: Iterable[str]) -> dict[str, dict]:
        """Publish ``tables``, ``TABLES_AT_ONCE`` at a time, started in the given order.

        A table that fails stops the ones not yet started; those already running finish and
        commit (each table's commit is whole or nothing), and the first failure is raised. A
        parent's classification is shared: the first table to need it builds it, the others
        read Spark's cache.
        """
        names = list(tables)
        failures: list[BaseException] = []  # in the order they happened
        stop = threading.Event()

        def publish_unless_stopped(table: str) -> dict | None:
            if stop.is_set():
                return None
            try:
                return self.publish(table)
            except BaseException as error:
                failures.append(error)
                stop.set()
                raise

        with ThreadPoolExecutor(TABLES_AT_ONCE, thread_name_prefix="clean") as pool:
            futures = {table: pool.submit(publish_unless_stopped, table) for table in names}
            try:
                wait(futures.values())
            except BaseException:  # this thread interrupted: start nothing more
                stop.set()
                raise
        if failures:
            raise failures[0]
        return {table: future.result() for table, future in futures.items()}

    def release(self) -> None:
        for table, cleaning in self._cleanings.items():
            if table in READ_BY_OTHERS:
                cleaning.classified.unpersist()
        self._cleanings.clear()


def run(spark: SparkSession, lake: Lake, arguments: JobArguments) -> dict[str, dict]:
    """Clean the tables of the raw partition ``arguments.ingest_date``; each table's accounting
    and reject reasons, as also recorded in its processed and rejected manifests."""
    cleaning = PartitionCleaning(spark, lake, arguments.ingest_date, arguments.run_id)
    cleaning.verify(arguments.tables)  # raises before anything is written
    configure(spark)
    try:
        return cleaning.publish_all(arguments.tables)
    finally:
        cleaning.release()
