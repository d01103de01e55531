"""The quality gate: Great Expectations suites on one processed-zone partition, and Data Docs.

One suite per processed table lives in ``expectations/<table>.json`` in GX's own suite format, so
the rules are reviewed like code and GX loads them as they are. ``run_gate`` validates each
table's partition of one ingest date as a pandas frame (the partitions are small), writes the
validation results and Data Docs, and raises ``QualityGateFailed`` when a suite fails, with a
message that names each failing expectation and shows sample unexpected values, which is what
the Airflow task log shows.

Choices, and why:

* **A file context under ``gx_project_dir``** (git-ignored ``data/gx``), not an ephemeral one:
  validation results accumulate there, so the Data Docs index lists every past run and a data
  steward can compare today's failure with yesterday's success. The suites are copied into the
  context from ``expectations/`` on every run, so the repository stays the single source.
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
* **Data Docs on S3 are built locally, then uploaded** (files whose MD5 differs from the object's
  ETag): this GX release has no S3 store backend. The local copy sits in ``gx_project_dir``.
* **GX is imported inside the functions** so that DAG parsing does not pay for it, and with
  analytics disabled; the file context makes no network call.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from olist_pipeline import static_sites
from olist_pipeline.lake import Lake, Manifest
from olist_pipeline.tables import TABLES

DATASOURCE = "processed_zone"
BATCH_DEFINITION = "partition"
DOCS_SITE = "olist_data_docs"
SAMPLE_SIZE = 5
ORDER_REFERENCE = "order_ids_missing_from_orders"
SUITE_DIGEST = "source_sha256"

# Arrow integers and booleans become pandas' nullable dtypes, so a column keeps its declared width
# (and GX sees ``int32``) even when it holds nulls; the default would turn it into float64.
_NULLABLE_DTYPES = {
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


@dataclass(frozen=True)
class FailedExpectation:
    table: str
    expectation: str
    column: str | None
    unexpected_count: int | None = None
    samples: tuple[Any, ...] = ()
    observed: Any = None
    error: str | None = None

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        if self.error:
            detail = f"could not be evaluated: {self.error}"
        elif self.unexpected_count is not None:
            detail = f"{self.unexpected_count} unexpected, e.g. {_short(list(self.samples))}"
        else:
            detail = f"observed {_short(self.observed)}"
        return f"{self.table}: {self.expectation}{where}: {detail}"


@dataclass(frozen=True)
class TableResult:
    table: str
    success: bool
    rows: int
    evaluated: int
    failed: int
    seconds: float
    failures: tuple[FailedExpectation, ...] = ()
    problem: str | None = None  # why the partition could not be validated at all


@dataclass(frozen=True, kw_only=True)
class SuiteResults:
    """One run's validations of several tables: the lake gate's and the warehouse checks'."""

    run_id: str
    tables: tuple[TableResult, ...]
    docs_location: str
    seconds: float = 0.0

    @property
    def success(self) -> bool:
        return all(table.success for table in self.tables)

    def by_table(self) -> dict[str, TableResult]:
        return {table.table: table for table in self.tables}

    def heading(self) -> str:
        raise NotImplementedError

    def describe(self, failure: FailedExpectation) -> str:
        return failure.describe()

    def report(self) -> str:
        failing = [table for table in self.tables if not table.success]
        summary = (
            f"{len(failing)} of {len(self.tables)} tables failed"
            if failing
            else f"all {len(self.tables)} tables passed"
        )
        lines = [f"{self.heading()}: {summary}"]
        for table in failing:
            if table.problem:
                lines.append(f"  {table.table}: {table.problem}")
            lines.extend(f"  {self.describe(failure)}" for failure in table.failures)
        lines.append(f"Data Docs: {self.docs_location}")
        return "\n".join(lines)


@dataclass(frozen=True, kw_only=True)
class GateResult(SuiteResults):
    ingest_date: str

    def heading(self) -> str:
        return f"Quality gate for ingest_date={self.ingest_date} (run {self.run_id})"


class QualityGateFailed(RuntimeError):
    def __init__(self, result: GateResult):
        super().__init__(result.report())
        self.result = result


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


def load_suite(expectations_dir: Path, table: str):
    """The table's suite as a GX ``ExpectationSuite`` (fails if GX cannot load it)."""
    return _import_gx().ExpectationSuite(**read_suite(expectations_dir, table))


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


# --- Data Docs location -------------------------------------------------------------------------


# --- The gate -----------------------------------------------------------------------------------


def run_gate(
    lake: Lake,
    ingest_date: date | str,
    *,
    run_id: str,
    expectations_dir: Path,
    gx_project_dir: Path,
    data_docs_uri: str,
    tables: list[str] | None = None,
    s3_client: Any = None,
) -> GateResult:
    """Validate the processed partitions of ``ingest_date``, build Data Docs, fail loudly.

    ``tables`` defaults to every table of the registry. ``s3_client`` uploads Data Docs to an
    ``s3://`` location: by default the lake's own client when the lake is on S3, else boto3's.
    """
    started = time.perf_counter()
    day = ingest_date.isoformat() if isinstance(ingest_date, date) else str(ingest_date)
    names = list(tables) if tables is not None else [table.name for table in TABLES]
    suites = {name: read_suite(expectations_dir, name) for name in names}

    _import_gx()  # before any GX module: analytics off
    from great_expectations.core.run_identifier import RunIdentifier

    on_s3 = data_docs_uri.startswith("s3://")
    local_site = (
        Path(gx_project_dir) / "data_docs" if on_s3 else Path(data_docs_uri.removeprefix("file://"))
    )
    context = _context(Path(gx_project_dir), local_site)
    # The run name leads with the ingest date, so the Data Docs index groups a day's reruns.
    run_identifier = RunIdentifier(run_name=f"{day}_{_path_safe(run_id)}")

    order_ids: set[str] | None = None
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

    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=documented)
    if on_s3:
        static_sites.mirror_to_s3(
            local_site, data_docs_uri, s3_client or static_sites.default_s3_client(lake)
        )
    gate = GateResult(
        ingest_date=day,
        run_id=run_id,
        tables=tuple(results),
        docs_location=static_sites.location(data_docs_uri),
        seconds=round(time.perf_counter() - started, 3),
    )
    if not gate.success:
        raise QualityGateFailed(gate)
    return gate


# --- Helpers ------------------------------------------------------------------------------------


def _import_gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    return gx


def _context(project_dir: Path, local_site: Path):
    gx = _import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    project_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=project_dir)
    site = {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(local_site.resolve()),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    if (context.variables.data_docs_sites or {}) != {DOCS_SITE: site}:
        # Only our site: GX's default one would render a second copy under gx/uncommitted.
        context.variables.data_docs_sites = {DOCS_SITE: site}
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.analytics_enabled = False
        context.variables.save()
    return context


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


def registered_definition(context, name: str, suite: dict[str, Any], batch_definition):
    """The validation definition ``name`` of ``suite``, re-registered only when the suite file
    changed (``batch_definition()`` gives its data then).

    GX's ``add_or_update`` matches expectations pairwise (quadratic in the suite size) and
    rewrites the stores; a digest of the repository file in the stored suite's meta skips that
    on every run but the first after a change.
    """
    gx = _import_gx()
    from great_expectations.exceptions import DataContextError

    digest = hashlib.sha256(json.dumps(suite, sort_keys=True).encode()).hexdigest()
    try:
        definition = context.validation_definitions.get(name)
    except DataContextError:
        definition = None
    if definition is not None and definition.suite.meta.get(SUITE_DIGEST) == digest:
        return definition
    for store in (context.validation_definitions, context.suites):
        with contextlib.suppress(DataContextError):  # not registered yet
            store.delete(name)
    stored = context.suites.add(
        gx.ExpectationSuite(**{**suite, "meta": {**suite.get("meta", {}), SUITE_DIGEST: digest}})
    )
    return context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch_definition(), suite=stored)
    )


def _validate(
    context, table: str, suite: dict[str, Any], partition: _Partition, run_identifier
) -> tuple[TableResult, list[Any]]:
    """Run the table's suite; its result and the identifiers of the Data Docs pages to render."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    validation = _validation_definition(context, table, suite).run(
        batch_parameters={"dataframe": partition.frame},
        expectation_parameters=partition.parameters,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
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
    suite_identifier = ExpectationSuiteIdentifier(name=table)
    page = ValidationResultIdentifier(
        expectation_suite_identifier=suite_identifier,
        run_id=run_identifier,
        batch_identifier=validation.batch_id,
    )
    return result, [suite_identifier, page]


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


def _order_ids(lake: Lake, day: str) -> set[str]:
    manifest = lake.manifest("processed", "orders", day)
    if manifest is None or not manifest.files:
        return set()
    orders = lake.read_table("processed", "orders", day)
    if "order_id" not in orders.column_names:
        return set()
    return set(orders.column("order_id").to_pylist())


def _read_partition(
    lake: Lake,
    table: str,
    day: str,
    suite: dict[str, Any],
    needs: set[str],
    order_ids: set[str] | None,
) -> _Partition:
    manifest = lake.manifest("processed", table, day)
    if manifest is None:
        return _Partition(problem=f"no committed processed partition ingest_date={day}")
    accounting = manifest.details.get("accounting") or {}
    if not {"raw_rows", "rejected_rows", "duplicates_removed"} <= accounting.keys():
        return _Partition(problem="the partition manifest has no row accounting")
    frame = _read_frame(lake, manifest)
    raw = int(accounting["raw_rows"])
    rejected = int(accounting["rejected_rows"])
    duplicates = int(accounting["duplicates_removed"])
    max_rate = Decimal(str(suite["meta"]["max_reject_rate"]))
    parameters: dict[str, Any] = {
        "max_processed_rows": raw - duplicates,
        "min_processed_rows": max(raw - duplicates - int(max_rate * raw), 0),
    }
    if ORDER_REFERENCE in needs:
        referenced = set(frame["order_id"].dropna()) if "order_id" in frame.columns else set()
        parameters[ORDER_REFERENCE] = sorted(referenced - (order_ids or set()))
    rate = rejected / raw if raw else 0.0
    words = (
        f"{rejected} of {raw} raw rows rejected ({rate:.2%}; max_reject_rate {max_rate:%}), "
        f"{duplicates} duplicates removed"
    )
    return _Partition(frame=frame, parameters=parameters, accounting=words)


def _failure(table: str, item, columns: set[str], accounting: str) -> FailedExpectation:
    config = item.expectation_config
    kwargs = config.kwargs
    named = [kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs]
    if config.type == "expect_compound_columns_to_be_unique":
        named = list(kwargs["column_list"])
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
        samples = [_plain(value) for value in result.get("partial_unexpected_list") or ()]
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
        observed = _column_differences(expected, list(observed or []))
    return FailedExpectation(table, config.type, column, observed=observed)


def _column_differences(expected: list[str], found: list[str]) -> str:
    missing = [name for name in expected if name not in found]
    unexpected = [name for name in found if name not in expected]
    parts = []
    if missing:
        parts.append(f"missing {missing}")
    if unexpected:
        parts.append(f"unexpected {unexpected}")
    return "; ".join(parts) or f"columns out of order: {found}"


def _plain(value: Any) -> Any:
    """numpy scalars as Python values, so messages read ``7``, not ``np.int16(7)``."""
    return value.item() if hasattr(value, "item") and not isinstance(value, dict) else value


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _path_safe(text: str) -> str:
    """Run ids become folder names in the validation store and Data Docs URLs."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")
