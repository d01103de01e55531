"""The lake gate: Great Expectations suites on one day's processed partitions, and Data Docs.

One suite per processed table lives in ``expectations/<table>.json`` in GX's own suite format, so
the rules are reviewed like code and GX loads them as they are. ``run_lake_gate`` validates each
table's partition of one ingest date as a pandas frame (the partitions are small), writes the
validation results and Data Docs (``gx``), and raises ``LakeGateFailed`` when a suite fails,
with a message that names each failing expectation and shows sample unexpected values, which is
what the Airflow task log shows.

Choices, and why:

* **The suites are copied into GX's context from ``expectations/``** whenever a file changes,
  so the repository stays the single source.
* **The reject-rate limit is an expectation**, not only a number in the suite's ``meta``: the
  suite's ``meta.max_reject_rate`` is turned, with the manifest's accounting, into the bounds of
  ``expect_table_row_count_to_be_between`` (at most raw rows - duplicates removed; at least that
  minus ``max_reject_rate`` x raw rows). Raw = processed + rejected + duplicates, so the lower
  bound holds exactly when rejected rows <= limit x raw rows. As an expectation it is evaluated,
  passes or fails, and appears in every run's Data Docs page beside the other rules; a ``meta``
  number would be checked outside GX and invisible there. It also catches rows appearing from
  nowhere (the upper bound).
* **Order references use ``expect_column_values_to_not_be_in_set``** with the ids that have no
  order in the same partition (normally none), rather than ``expect_column_values_to_be_in_set``
  with every order id: GX copies the parameter's value into each metric configuration, so a
  100,000-id set made one validation take about 10 s and stored 4.5 MB of ids in every result
  file and Data Docs page. The rule, its column and the referenced table stay in the suite; the
  gate only computes the orphan ids, which is also exactly what the steward needs to see.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from olist_pipeline import static_sites
from olist_pipeline.lake.partitions import Lake, Manifest, ProcessedDetails
from olist_pipeline.quality.gx import (
    SAMPLE_SIZE,
    FailedExpectation,
    SuiteResults,
    TableResult,
    ValidationFailed,
    column_differences,
    documented_pages,
    failing_columns,
    file_context,
    import_gx,
    plain,
    publish_data_docs,
    registered_definition,
    run_name,
)
from olist_pipeline.tables import TABLES

DATASOURCE = "processed_zone"
BATCH_DEFINITION = "partition"
ORDER_REFERENCE = "order_ids_missing_from_orders"

# Arrow integers and booleans become pandas' nullable dtypes, so a column keeps its declared width
# (and GX sees ``int32``) even when it holds nulls; the default would turn it into float64.
_NULLABLE_DTYPES = {
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


@dataclass(frozen=True, kw_only=True)
class LakeGateResult(SuiteResults):
    ingest_date: str

    def heading(self) -> str:
        return f"Lake gate for ingest_date={self.ingest_date} (run {self.run_id})"


class LakeGateFailed(ValidationFailed):
    """A processed partition failed its suite: nothing downstream may run."""


@dataclass
class _Partition:
    """One table's partition, ready for GX, or the reason it cannot be validated."""

    frame: pd.DataFrame | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    accounting: str = ""  # the row accounting in words, for the reject-rate failure line
    problem: str | None = None


# --- Suites -------------------------------------------------------------------------------------


def suite_path(expectations_dir: Path, table: str) -> Path:
    return Path(expectations_dir) / f"{table}.json"


def read_suite(expectations_dir: Path, table: str) -> dict[str, Any]:
    """The suite as stored in the repository (GX's suite JSON)."""
    return json.loads(suite_path(expectations_dir, table).read_text())


def suite_parameters(suite: dict[str, Any]) -> set[str]:
    """Names of the run-time parameters (``{"$PARAMETER": name}``) a suite refers to."""
    found: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            if "$PARAMETER" in value:
                found.add(value["$PARAMETER"])
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(suite["expectations"])
    return found


# --- The gate -----------------------------------------------------------------------------------


def run_lake_gate(
    lake: Lake,
    ingest_date: date | str,
    *,
    run_id: str,
    expectations_dir: Path,
    gx_project_dir: Path,
    data_docs_uri: str,
    tables: list[str] | None = None,
    s3_client: Any = None,
) -> LakeGateResult:
    """Validate the processed partitions of ``ingest_date``, build Data Docs, fail loudly.

    ``tables`` defaults to every table of the registry. ``s3_client`` uploads Data Docs to an
    ``s3://`` location: by default the lake's own client when the lake is on S3, else boto3's.
    """
    started = time.perf_counter()
    day = ingest_date.isoformat() if isinstance(ingest_date, date) else str(ingest_date)
    names = list(tables) if tables is not None else [table.name for table in TABLES]
    suites = {name: read_suite(expectations_dir, name) for name in names}

    import_gx()  # before any GX module: analytics off
    from great_expectations.core.run_identifier import RunIdentifier

    context = file_context(Path(gx_project_dir), data_docs_uri)
    run_identifier = RunIdentifier(run_name=run_name(run_id, day))

    order_ids: pa.Array | None = None
    results: list[TableResult] = []
    documented: list[Any] = []
    for name in names:
        table_started = time.perf_counter()
        needs = suite_parameters(suites[name])
        if ORDER_REFERENCE in needs and order_ids is None:
            order_ids = _order_ids(lake, day)
        partition = _read_partition(lake, name, day, suites[name], needs, order_ids)
        if partition.problem is None:
            result, identifiers = _validate(context, name, suites[name], partition, run_identifier)
            documented.extend(identifiers)
        else:
            result = TableResult(
                name, False, rows=0, evaluated=0, failed=0, seconds=0.0, problem=partition.problem
            )
        results.append(replace(result, seconds=round(time.perf_counter() - table_started, 3)))

    docs_location = publish_data_docs(
        context,
        documented,
        gx_project_dir=Path(gx_project_dir),
        data_docs_uri=data_docs_uri,
        s3_client_factory=lambda: s3_client or static_sites.default_s3_client(lake),
    )
    gate = LakeGateResult(
        ingest_date=day,
        run_id=run_id,
        tables=tuple(results),
        docs_location=docs_location,
        seconds=round(time.perf_counter() - started, 3),
    )
    if not gate.success:
        raise LakeGateFailed(gate)
    return gate


# --- Helpers ------------------------------------------------------------------------------------


def _batch_definition(context, table: str):
    sources = context.data_sources.all()
    if DATASOURCE in sources:
        source = sources[DATASOURCE]
    else:
        source = context.data_sources.add_pandas(DATASOURCE)
    if table in source.get_asset_names():
        asset = source.get_asset(table)
    else:
        asset = source.add_dataframe_asset(table)
    for definition in asset.batch_definitions:
        if definition.name == BATCH_DEFINITION:
            return definition
    return asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)


def _validation_definition(context, table: str, suite: dict[str, Any]):
    return registered_definition(context, table, suite, lambda: _batch_definition(context, table))


def _validate(
    context, table: str, suite: dict[str, Any], partition: _Partition, run_identifier
) -> tuple[TableResult, list[Any]]:
    """Run the table's suite; its result and the identifiers of the Data Docs pages to render.

    ``BASIC`` results hold what the report and the Data Docs pages show (the unexpected count,
    percentage and sample values); ``SUMMARY`` would add per-value counts and the samples' row
    indexes, more metrics for every column expectation (a tenth of the gate at SCALE=1).

    The run sees pandas' Arrow-backed string inference (``future.infer_string``, pandas 3's
    default): GX's regex expectations cast the column with ``astype(str)`` before matching, which
    otherwise turns every Arrow string into a Python object and matches it with ``re`` one value at
    a time; with it the cast keeps the Arrow column and the match runs in Arrow's RE2, vectorised.
    RE2's ``$`` is the end of the text, where ``re``'s also matches before a final newline, so an id
    with a trailing newline now fails its pattern, as it should."""
    with pd.option_context("future.infer_string", True):
        validation = _validation_definition(context, table, suite).run(
            batch_parameters={"dataframe": partition.frame},
            expectation_parameters=partition.parameters,
            result_format={"result_format": "BASIC", "partial_unexpected_count": SAMPLE_SIZE},
            run_id=run_identifier,
        )
    columns = set(partition.frame.columns)
    failures = tuple(
        _failure(table, item, columns, partition.accounting)
        for item in validation.results
        if not item.success
    )
    result = TableResult(
        table=table,
        success=bool(validation.success),
        rows=len(partition.frame),
        evaluated=len(validation.results),
        failed=len(failures),
        seconds=0.0,
        failures=failures,
    )
    return result, documented_pages(table, run_identifier, validation.batch_id)


def _pandas_dtype(arrow_type: pa.DataType) -> Any:
    """The pandas dtype GX sees for an Arrow column (None: pandas' default).

    Strings, decimals and dates stay Arrow-backed: their dtype then names the Python type
    (``str``, ``Decimal``, ``date``), so GX checks a column's type once instead of calling
    ``isinstance`` on every value, and null checks read the validity bitmap instead of scanning
    Python objects. Timestamps keep pandas' native UTC dtype, which GX compares vectorised.
    """
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow")
    if pa.types.is_decimal(arrow_type) or pa.types.is_date(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return _NULLABLE_DTYPES.get(arrow_type)


def _read_frame(lake: Lake, manifest: Manifest) -> pd.DataFrame:
    if not manifest.files:
        # A partition committed without data files still declares its columns.
        return pd.DataFrame(
            {column["name"]: pd.Series(dtype=object) for column in manifest.columns}
        )
    table = lake.read_table(manifest.zone, manifest.table, manifest.ingest_date)
    return table.to_pandas(types_mapper=_pandas_dtype)


def _order_ids(lake: Lake, day: str) -> pa.Array:
    """The distinct order ids of the day's processed orders."""
    manifest = lake.manifest("processed", "orders", day)
    if manifest is None or not manifest.files:
        return pa.array([], pa.string())
    orders = lake.read_table("processed", "orders", day)
    if "order_id" not in orders.column_names:
        return pa.array([], pa.string())
    return pc.unique(orders.column("order_id"))


def _orphan_order_ids(frame: pd.DataFrame, order_ids: pa.Array) -> list[Any]:
    """The distinct order ids of ``frame`` missing from ``order_ids``, sorted: computed in Arrow
    for an Arrow string column (no Python string per row), in Python sets otherwise."""
    if "order_id" not in frame.columns:
        return []
    column = frame["order_id"]
    if not (isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"):
        return sorted(set(column.dropna()) - set(order_ids.to_pylist()))
    referenced = pc.unique(pa.array(column.array)).drop_null()
    known = pc.is_in(referenced, value_set=order_ids.cast(referenced.type))
    return sorted(referenced.filter(pc.invert(known)).to_pylist())


def _read_partition(
    lake: Lake,
    table: str,
    day: str,
    suite: dict[str, Any],
    needs: set[str],
    order_ids: pa.Array | None,
) -> _Partition:
    manifest = lake.manifest("processed", table, day)
    if manifest is None:
        return _Partition(problem=f"no committed processed partition ingest_date={day}")
    if not isinstance(manifest.details, ProcessedDetails):
        return _Partition(problem="the partition manifest has no row accounting")
    accounting = manifest.details.accounting
    frame = _read_frame(lake, manifest)
    raw = accounting.raw_rows
    rejected = accounting.rejected_rows
    duplicates = accounting.duplicates_removed
    max_rate = Decimal(str(suite["meta"]["max_reject_rate"]))
    parameters: dict[str, Any] = {
        "max_processed_rows": raw - duplicates,
        "min_processed_rows": max(raw - duplicates - int(max_rate * raw), 0),
    }
    if ORDER_REFERENCE in needs:
        known = order_ids if order_ids is not None else pa.array([], pa.string())
        parameters[ORDER_REFERENCE] = _orphan_order_ids(frame, known)
    rate = rejected / raw if raw else 0.0
    words = (
        f"{rejected} of {raw} raw rows rejected ({rate:.2%}; max_reject_rate {max_rate:%}), "
        f"{duplicates} duplicates removed"
    )
    return _Partition(frame=frame, parameters=parameters, accounting=words)


def _failure(table: str, item, columns: set[str], accounting: str) -> FailedExpectation:
    config = item.expectation_config
    kwargs = config.kwargs
    named = failing_columns(config)
    column = ", ".join(named) or None
    missing = [name for name in named if name not in columns]
    if missing:
        return FailedExpectation(table, config.type, column, error=f"no column {missing[0]}")
    exception = item.exception_info or {}
    if exception.get("raised_exception"):
        message = str(exception.get("exception_message", "")).splitlines()[0]
        return FailedExpectation(table, config.type, column, error=message)
    result = item.result or {}
    if "unexpected_count" in result:
        samples = [plain(value) for value in result.get("partial_unexpected_list") or ()]
        return FailedExpectation(
            table,
            config.type,
            column,
            unexpected_count=result["unexpected_count"],
            samples=tuple(samples[:SAMPLE_SIZE]),
        )
    observed = result.get("observed_value")
    if config.type == "expect_table_row_count_to_be_between":
        observed = (
            f"{observed} processed rows, expected {kwargs['min_value']}..{kwargs['max_value']}: "
            f"{accounting}"
        )
    elif config.type == "expect_table_columns_to_match_ordered_list":
        expected = list(kwargs["column_list"])
        observed = column_differences(expected, list(observed or []))
    return FailedExpectation(table, config.type, column, observed=observed)
