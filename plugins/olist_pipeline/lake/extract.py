"""Extract the shop's tables from PostgreSQL into the lake's raw zone, one partition per table.

**Transport.** Each table is read with the ADBC PostgreSQL driver, which runs
``COPY (query) TO STDOUT (FORMAT binary)`` and hands the rows over as Arrow record batches. Every
batch is conformed to the registry's schema (``Table.arrow_schema()``: PostgreSQL ``numeric``
arrives as strings and becomes ``decimal(12,2)``, ``jsonb`` becomes a string) and appended to one
Parquet file, so memory holds a batch or two (``batch_bytes``), never a table. The partition is
published by the lake's manifest when its file is complete (see ``partitions.py``).

**One snapshot.** All tables are read inside one ``REPEATABLE READ READ ONLY`` transaction, so the
extract is a picture of the shop at one instant: no order item can reference an order that a
concurrent writer created after the orders table was read. The snapshot
(``pg_current_snapshot()``) is recorded in every manifest, so partitions of the same run can be
recognised as one picture.

**Selection.** A full refresh takes every row. An incremental run takes the rows whose
``changed_at`` column (``updated_at``; ``deleted_at`` for tombstones) falls in
``[interval_start - lookback, interval_end)``, widened by a *closure* so that every partition is
usable on its own:

* orders: the orders changed in the window, and the orders of every order part (deliveries,
  order items, payments, reviews) changed or deleted in the window;
* order parts: all parts of those orders, changed or not;
* customers: the changed ones and the customers of the selected orders;
* products and sellers: the changed ones and those referenced by the selected order items;
* product categories: the changed ones and those of the selected products;
* geolocation: the changed rows only (nothing references a geolocation row by key);
* deleted_rows: the tombstones the shop's triggers wrote in the window.

The closure exists because downstream stages work one partition at a time: cleaning computes
order totals from the order's items and payments, and the quality gate checks that every
reference resolves inside the partition. Rows sent again (the lookback overlap, an unchanged
item of a changed order) are harmless because every downstream merge is an idempotent upsert on
the table's natural key. The SQL uses CTEs, not temporary tables, since the transaction is
read-only.

Rerunning a run rewrites the same partitions; with an unchanged shop the content is the same
(incremental selections are ordered by key, so even the bytes are).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa
import pyarrow.compute as pc

from olist_pipeline.lake.partitions import ChangedRange, Interval, Lake, RawDetails
from olist_pipeline.quality.reconciliation import read_shop_totals, totals_to_json
from olist_pipeline.tables import ORDER_PARTS, TABLES, Table

RAW_ZONE = "raw"
# ADBC cuts its record batches at about this many bytes; it bounds the extract's memory.
DEFAULT_BATCH_BYTES = 16 * 1024 * 1024
_BATCH_SIZE_OPTION = "adbc.postgresql.batch_size_hint_bytes"
# Dictionary encoding costs about 15% of the extract's time (the hex ids defeat it anyway)
# and saves about 3% of the bytes; the raw zone is read once, by the cleaning job.
RAW_PARQUET_OPTIONS = {"compression": "snappy", "use_dictionary": False}


class SchemaDrift(RuntimeError):
    """The shop's columns no longer match the table registry (``tables.py``)."""


@dataclass(frozen=True)
class TableExtract:
    """What one table's extract wrote; ``as_dict()`` is what an Airflow task returns (XCom)."""

    table: str
    rows: int
    bytes: int
    updated_at_min: str | None
    updated_at_max: str | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Window:
    """The half-open range ``[start, end)`` of ``changed_at`` an incremental run selects."""

    start: datetime | None
    end: datetime

    def condition(self, column: str) -> str:
        upper = f"{column} < {_timestamp_literal(self.end)}"
        if self.start is None:
            return f"({upper})"
        return f"({column} >= {_timestamp_literal(self.start)} and {upper})"


def _timestamp_literal(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"interval bounds must be timezone-aware, got {moment!r}")
    return f"'{moment.isoformat()}'::timestamptz"


def _closure_ctes(window: Window) -> str:
    """The orders and products an incremental run selects; referenced by the closure filters."""
    parts_changed = "\n        union ".join(
        f"select order_id from {part} where {window.condition('updated_at')}"
        for part in ORDER_PARTS
    )
    part_names = ", ".join(f"'{part}'" for part in ORDER_PARTS)
    return f"""with selected_orders as (
        select order_id from orders where {window.condition("updated_at")}
        union {parts_changed}
        union select row_data ->> 'order_id' from deleted_rows
            where table_name in ({part_names}) and {window.condition("deleted_at")}
    ),
    selected_items as (
        select product_id, seller_id from order_items
        where order_id in (select order_id from selected_orders)
    ),
    selected_products as (
        select product_id, product_category_name from products
        where {window.condition("updated_at")}
            or product_id in (select product_id from selected_items)
    )"""


def _closure_filter(table: Table, window: Window) -> str:
    changed = window.condition(table.changed_at)
    if table.name == "orders" or table.name in ORDER_PARTS:
        return "order_id in (select order_id from selected_orders)"
    if table.name == "customers":
        return (
            f"{changed} or customer_id in (select customer_id from orders"
            " where order_id in (select order_id from selected_orders))"
        )
    if table.name == "products":
        return "product_id in (select product_id from selected_products)"
    if table.name == "sellers":
        return f"{changed} or seller_id in (select seller_id from selected_items)"
    if table.name == "product_categories":
        return (
            f"{changed} or product_category_name in"
            " (select product_category_name from selected_products)"
        )
    return changed


def selection_query(table: Table, window: Window | None) -> str:
    """The query for one table: every row (``window`` None) or the window and its closure."""
    columns = ", ".join(table.column_names)
    if window is None:
        # Physical order: sorting a whole table would cost more than the copy itself.
        return f"select {columns} from {table.name}"
    return (
        f"{_closure_ctes(window)}\n"
        f"select {columns} from {table.name}\n"
        f"where {_closure_filter(table, window)}\n"
        f"order by {', '.join(table.key)}"
    )


def check_columns(cursor: Any, tables: Iterable[Table]) -> None:
    """Fail before anything is written if a shop table's columns differ from the registry.

    An extra column would be silently dropped and a missing one would fail halfway through the
    run; a column that became nullable would break the non-null promise of the schema.
    """
    tables = list(tables)
    names = ", ".join(f"'{table.name}'" for table in tables)
    cursor.execute(
        "select table_name, column_name, is_nullable = 'YES' from information_schema.columns"
        f" where table_schema = current_schema() and table_name in ({names})"
    )
    found: dict[str, dict[str, bool]] = {}
    for table_name, column_name, nullable in cursor.fetchall():
        found.setdefault(table_name, {})[column_name] = nullable
    problems = []
    for table in tables:
        shop = found.get(table.name)
        if shop is None:
            problems.append(f"{table.name}: table missing in the shop")
            continue
        declared = {column.name: column.nullable for column in table.columns}
        if missing := sorted(declared.keys() - shop.keys()):
            problems.append(f"{table.name}: missing columns {', '.join(missing)}")
        if extra := sorted(shop.keys() - declared.keys()):
            problems.append(f"{table.name}: columns not in the registry {', '.join(extra)}")
        if loosened := sorted(n for n in declared if shop.get(n) and not declared[n]):
            problems.append(f"{table.name}: nullable in the shop, not in the registry: {loosened}")
    if problems:
        raise SchemaDrift(
            "the shop's columns drifted from plugins/olist_pipeline/tables.py:\n  "
            + "\n  ".join(problems)
        )


def unique_keys(cursor: Any, tables: Iterable[Table]) -> set[str]:
    """The tables whose registry key the shop enforces unique: a unique index (not partial, on
    plain columns) on the key's columns or some of them. A partition of such a table holds each
    key once, which its manifest records for the cleaning (``RawDetails.unique_key``). Read from
    ``pg_catalog``, which a read-only role sees in full (``information_schema`` shows a role
    only the constraints of tables it may change)."""
    tables = list(tables)
    names = ", ".join(f"'{table.name}'" for table in tables)
    cursor.execute(
        "select c.relname::text, string_agg(a.attname::text, ',')"
        " from pg_index i"
        " join pg_class c on c.oid = i.indrelid"
        " join pg_namespace n on n.oid = c.relnamespace"
        " join pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey)"
        " where i.indisunique and i.indpred is null and i.indexprs is null"
        f" and n.nspname = current_schema() and c.relname in ({names})"
        " group by c.relname, i.indexrelid"
    )
    indexed = [(table_name, set(columns.split(","))) for table_name, columns in cursor.fetchall()]
    return {
        table.name
        for table in tables
        if any(name == table.name and columns <= set(table.key) for name, columns in indexed)
    }


def _storage_type(data_type: pa.DataType) -> pa.DataType:
    return data_type.storage_type if isinstance(data_type, pa.BaseExtensionType) else data_type


def batch_conformer(source: pa.Schema, table: Table) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    """A function that turns the driver's batches into batches of ``table.arrow_schema()``.

    The plan is made once from the reader's schema, so each batch costs only the casts it needs
    (the money columns); every other column passes through untouched.
    """
    target = table.arrow_schema()
    if source.names != target.names:
        raise SchemaDrift(
            f"{table.name}: the query returned {source.names}, expected {target.names}"
        )
    casts: list[pa.DataType | None] = []
    for source_field, target_field in zip(source, target, strict=True):
        if source_field.type == target_field.type:
            casts.append(None)
            continue
        storage = _storage_type(source_field.type)
        try:
            pa.array([], storage).cast(target_field.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise SchemaDrift(
                f"{table.name}.{source_field.name}: the shop sends {source_field.type},"
                f" which cannot become {target_field.type}"
            ) from error
        casts.append(target_field.type)

    def conform(batch: pa.RecordBatch) -> pa.RecordBatch:
        arrays = []
        for column, cast_to in zip(batch.columns, casts, strict=True):
            if cast_to is not None:
                if isinstance(column, pa.ExtensionArray):
                    column = column.storage
                column = column.cast(cast_to)
            arrays.append(column)
        return pa.RecordBatch.from_arrays(arrays, schema=target)

    return conform


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def extract_table(
    cursor: Any,
    lake: Lake,
    table: Table,
    *,
    window: Window | None,
    ingest_date: date,
    run_id: str,
    details: RawDetails,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> TableExtract:
    """Stream one table's selection into its raw partition, on a cursor already inside the
    run's transaction. ``details`` (the run's interval, snapshot and shop totals) goes into the
    manifest with the table's name and the ``changed_at`` range streamed."""
    started = time.perf_counter()
    cursor.adbc_statement.set_options(**{_BATCH_SIZE_OPTION: str(batch_bytes)})
    cursor.execute(selection_query(table, window))
    reader = cursor.fetch_record_batch()
    conform = batch_conformer(reader.schema, table)
    changed_at = table.column_names.index(table.changed_at)
    rows, lowest, highest = 0, None, None

    def partition_details() -> RawDetails:
        streamed = ChangedRange(min=_iso(lowest), max=_iso(highest))
        return replace(details, source_table=table.name, updated_at_range=streamed)

    with lake.write_parquet(
        RAW_ZONE,
        table.name,
        ingest_date,
        table.arrow_schema(),
        run_id=run_id,
        details=partition_details,
        parquet_options=RAW_PARQUET_OPTIONS,
    ) as writer:
        for batch in reader:
            if batch.num_rows == 0:
                continue
            batch = conform(batch)
            writer.write_batch(batch)
            rows += batch.num_rows
            bounds = pc.min_max(batch.column(changed_at))
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            lowest = low if lowest is None else min(lowest, low)
            highest = high if highest is None else max(highest, high)
    manifest = lake.manifest(RAW_ZONE, table.name, ingest_date)
    return TableExtract(
        table=table.name,
        rows=rows,
        bytes=sum(entry.bytes for entry in manifest.files),
        updated_at_min=_iso(lowest),
        updated_at_max=_iso(highest),
        seconds=round(time.perf_counter() - started, 3),
    )


def run_details(
    *,
    interval_start: datetime | None,
    interval_end: datetime,
    full_refresh: bool,
    lookback: timedelta,
    snapshot: str,
    shop_totals: dict[str, Any] | None = None,
) -> RawDetails:
    """The manifest facts every table of one run shares (``shop_totals``: what the shop held at
    the snapshot, for the warehouse's reconciliation); ``extract_table`` adds the table's own."""
    return RawDetails(
        interval=Interval(
            start=_iso(interval_start),
            end=_iso(interval_end),
            lookback_minutes=lookback.total_seconds() / 60,
        ),
        full_refresh=full_refresh,
        snapshot=snapshot,
        shop_totals=shop_totals,
    )


def run_window(
    interval_start: datetime | None,
    interval_end: datetime,
    *,
    full_refresh: bool,
    lookback: timedelta,
) -> Window | None:
    """None for a full refresh; otherwise the interval widened backwards by the lookback."""
    if full_refresh:
        return None
    start = interval_start - lookback if interval_start is not None else None
    window = Window(start=start, end=interval_end)
    window.condition("updated_at")  # rejects naive datetimes before any work is done
    return window


def extract_tables(
    shop_url: str,
    lake: Lake,
    *,
    ingest_date: date,
    run_id: str,
    interval_start: datetime | None,
    interval_end: datetime,
    full_refresh: bool,
    lookback: timedelta = timedelta(0),
    tables: Sequence[Table] = TABLES,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> list[TableExtract]:
    """Extract ``tables`` from the shop at ``shop_url`` (a libpq URL) into ``lake``'s raw zone.

    ``interval_start`` None means "since the beginning" (a first incremental run). A table whose
    selection is empty still gets a committed partition with zero rows and its schema. A failure
    leaves the tables not yet written with their previous partitions.
    """
    window = run_window(interval_start, interval_end, full_refresh=full_refresh, lookback=lookback)
    with (
        closing(adbc.connect(shop_url, autocommit=True)) as connection,
        closing(connection.cursor()) as cursor,
    ):
        cursor.execute("begin isolation level repeatable read read only")
        # The transaction's snapshot is taken by its first query: this one.
        cursor.execute("select pg_current_snapshot()::text")
        (snapshot,) = cursor.fetchone()
        check_columns(cursor, tables)
        unique = unique_keys(cursor, tables)
        details = run_details(
            interval_start=interval_start,
            interval_end=interval_end,
            full_refresh=full_refresh,
            lookback=lookback,
            snapshot=snapshot,
            shop_totals=totals_to_json(read_shop_totals(cursor)),
        )
        extracts = [
            extract_table(
                cursor,
                lake,
                table,
                window=window,
                ingest_date=ingest_date,
                run_id=run_id,
                details=replace(details, unique_key=table.name in unique),
                batch_bytes=batch_bytes,
            )
            for table in tables
        ]
        cursor.execute("commit")
    return extracts
