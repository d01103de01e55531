"""The warehouse checks: Great Expectations suites on the core star schema, after the models run.

One suite per core table lives in ``expectations/warehouse/<table>.json`` (GX's suite format,
named after the relation, e.g. ``core.fact_sales``). ``run_warehouse_checks`` validates each
whole table through a SQL datasource on the warehouse, writes the results and Data Docs into
the lake gate's GX project and site (one index lists both), and raises ``WarehouseChecksFailed``
naming each failing expectation, with counts and sample rows.

Choices, and why:

* **Suites in a ``warehouse/`` subfolder**: the lake gate owns ``expectations/*.json``, one suite
  per processed table (its tests hold it to exactly that set).
* **Rules across rows are SQL** (``unexpected_rows_expectation``: a query returning the rows that
  break the rule; each has a ``description`` that names it in the report and Data Docs): every
  fact key has its dimension row, SCD2 versions neither overlap nor leave gaps, one current
  version per customer, one unknown member per dimension, consecutive calendar days, payment
  shares adding up to the order's payments. GX substitutes ``{batch}`` with the table as an
  aliased subquery, except in a query containing a join, where the query names its own alias.
  The queries are plain SQL that PostgreSQL and Redshift both run.
* **Dialect-agnostic**: the datasource is GX's generic SQL one on a SQLAlchemy URL; nothing here
  knows PostgreSQL. The URL reaches GX through an environment variable that the stored
  datasource refers to (``${...}``), so a password never lands in the project's YAML.
* **Samples are fetched only for failing expectations.** The suites run with
  ``partial_unexpected_count`` 0: otherwise GX scans each column once more for sample values,
  even when none is unexpected (a third of the query time at SCALE=1). A failing column
  expectation is then evaluated again on its own, unrecorded, with five samples; a failing
  query rule's samples are its query's first rows (GX reports only their count below the
  ``COMPLETE`` format, which would fetch every unexpected value of the column rules). So the
  log shows samples, and the Data Docs page shows counts and percentages.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from olist_pipeline import static_sites
from olist_pipeline.database_urls import sqlalchemy_url
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

# Dimensions first: a broken dimension explains the fact's failing references.
CORE_TABLES = (
    "dim_location",
    "dim_customer",
    "dim_product",
    "dim_seller",
    "dim_time",
    "fact_sales",
)
SUITES_FOLDER = "warehouse"
DATASOURCE = "warehouse"
BATCH_DEFINITION = "whole_table"
UNEXPECTED_ROWS = "unexpected_rows_expectation"
# The stored datasource's connection string is ``${URL_VARIABLE}``, set only during a run.
URL_VARIABLE = "OLIST_WAREHOUSE_SQLALCHEMY_URL"
SAMPLES_LIMIT = 1000  # characters of sample rows in a report line


@dataclass(frozen=True, kw_only=True)
class WarehouseCheckResult(SuiteResults):
    samples_limit: int = SAMPLES_LIMIT

    def heading(self) -> str:
        return f"Warehouse checks (run {self.run_id})"


class WarehouseChecksFailed(ValidationFailed):
    """A suite of the star schema failed: the marts must not be built on it."""


# --- Suites -------------------------------------------------------------------------------------


def suites_dir(expectations_dir: Path) -> Path:
    return Path(expectations_dir) / SUITES_FOLDER


def read_warehouse_suite(expectations_dir: Path, table: str) -> dict[str, Any]:
    """A core table's suite as stored in the repository (GX's suite JSON)."""
    return json.loads((suites_dir(expectations_dir) / f"{table}.json").read_text())


# --- The checks ---------------------------------------------------------------------------------


def run_warehouse_checks(
    warehouse_url: str,
    *,
    run_id: str,
    expectations_dir: Path,
    gx_project_dir: Path,
    data_docs_uri: str,
    ingest_date: str | None = None,
    tables: list[str] | None = None,
    s3_client: Any = None,
) -> WarehouseCheckResult:
    """Validate the core tables of the warehouse at ``warehouse_url`` (a SQLAlchemy URL, or a
    libpq one, which ``database_urls.sqlalchemy_url`` turns into one).

    ``gx_project_dir`` and ``data_docs_uri`` are the lake gate's, so both gates' results share
    one Data Docs index; with ``ingest_date`` the run is named as the lake gate names it
    (``<ingest_date>_<run_id>``), so a day's validations group together. ``tables`` defaults to
    every core table; ``s3_client`` uploads Data Docs to an ``s3://`` location (default: boto3's).
    """
    started = time.perf_counter()
    names = list(tables) if tables is not None else list(CORE_TABLES)
    suites = {name: read_warehouse_suite(expectations_dir, name) for name in names}

    import_gx()  # before any GX module: analytics off
    from great_expectations.core.run_identifier import RunIdentifier

    context = file_context(Path(gx_project_dir), data_docs_uri)
    run_identifier = RunIdentifier(run_name=run_name(run_id, ingest_date))

    results: list[TableResult] = []
    documented: list[Any] = []
    with _url_in_environment(sqlalchemy_url(warehouse_url)), _generic_sql_accepted():
        source = _datasource(context)
        for name in names:
            table_started = time.perf_counter()
            result, identifiers = _validate(context, source, name, suites[name], run_identifier)
            documented.extend(identifiers)
            seconds = round(time.perf_counter() - table_started, 3)
            results.append(replace(result, seconds=seconds))
        with contextlib.suppress(Exception):
            source.get_engine().dispose()

    docs_location = publish_data_docs(
        context,
        documented,
        gx_project_dir=Path(gx_project_dir),
        data_docs_uri=data_docs_uri,
        s3_client_factory=lambda: s3_client or static_sites.default_s3_client(),
    )
    checked = WarehouseCheckResult(
        run_id=run_id,
        tables=tuple(results),
        docs_location=docs_location,
        seconds=round(time.perf_counter() - started, 3),
    )
    if not checked.success:
        raise WarehouseChecksFailed(checked)
    return checked


# --- Helpers ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _url_in_environment(url: str) -> Iterator[None]:
    previous = os.environ.get(URL_VARIABLE)
    os.environ[URL_VARIABLE] = url
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(URL_VARIABLE, None)
        else:
            os.environ[URL_VARIABLE] = previous


def _datasource(context):
    sources = context.data_sources.all()
    if DATASOURCE in sources:
        return sources[DATASOURCE]
    return context.data_sources.add_sql(DATASOURCE, connection_string=f"${{{URL_VARIABLE}}}")


def _batch_definition(source, relation: str):
    schema, _, table = relation.rpartition(".")
    if relation in source.get_asset_names():
        asset = source.get_asset(relation)
    else:
        with _quiet_deprecation():
            asset = source.add_table_asset(relation, table_name=table, schema_name=schema or None)
    for definition in asset.batch_definitions:
        if definition.name == BATCH_DEFINITION:
            return definition
    return asset.add_batch_definition_whole_table(BATCH_DEFINITION)


@contextlib.contextmanager
def _quiet_deprecation() -> Iterator[None]:
    """GX 1.14 deprecated ``schema_name`` for putting the schema in the connection URL, which
    would tie each table to a dialect's URL option; the argument still works."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


@contextlib.contextmanager
def _generic_sql_accepted() -> Iterator[None]:
    """GX suggests its PostgreSQL datasource for a ``postgresql://`` URL; the generic one is
    the point here (the same code on Redshift)."""
    from great_expectations.datasource.fluent.sql_datasource import GxDatasourceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GxDatasourceWarning)
        yield


def _validation_definition(context, source, suite: dict[str, Any]):
    name = suite["name"]
    return registered_definition(context, name, suite, lambda: _batch_definition(source, name))


def _validate(
    context, source, table: str, suite: dict[str, Any], run_identifier
) -> tuple[TableResult, list[Any]]:
    relation = suite["name"]
    try:
        if not _table_exists(source, relation):
            # GX would fail every expectation, and its Data Docs renderer on the page
            problem = "no such table in the warehouse"
            return TableResult(relation, False, 0, 0, 0, 0.0, problem=problem), []
        definition = _validation_definition(context, source, suite)
        # Counts only: a failing expectation's samples are fetched afterwards, unrecorded
        # (``_unexpected_values``). SUMMARY computed more metrics for the same page (9% of the
        # checks at SCALE=1).
        validation = definition.run(
            result_format={"result_format": "BASIC", "partial_unexpected_count": 0},
            run_id=run_identifier,
        )
    except Exception as error:  # the table is missing, the database unreachable, ...
        return TableResult(relation, False, 0, 0, 0, 0.0, problem=_problem(error)), []
    failures = tuple(
        _failure(definition, source, relation, item)
        for item in validation.results
        if not item.success
    )
    problem = None
    if (
        validation.results
        and len(failures) == len(validation.results)
        and all(failure.error for failure in failures)
    ):  # nothing could be evaluated (no access to the table, ...): one line says so
        problem, failures = f"could not be validated: {failures[0].error}", ()
    rows = next(
        (
            item.result["element_count"]
            for item in validation.results
            if isinstance(item.result, dict) and "element_count" in item.result
        ),
        0,
    )
    result = TableResult(
        table=relation,
        success=bool(validation.success),
        rows=rows,
        evaluated=len(validation.results),
        failed=len(failures),
        seconds=0.0,
        failures=failures,
        problem=problem,
    )
    return result, documented_pages(relation, run_identifier, validation.batch_id)


def _table_exists(source, relation: str) -> bool:
    import sqlalchemy as sa

    schema, _, table = relation.rpartition(".")
    return sa.inspect(source.get_engine()).has_table(table, schema=schema or None)


def _problem(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return f"could not be validated: {type(error).__name__}: {lines[0] if lines else ''}"


def _failure(definition, source, relation: str, item) -> FailedExpectation:
    config = item.expectation_config
    kwargs = config.kwargs
    column = ", ".join(failing_columns(config)) or None
    expectation = config.type
    description = getattr(config, "description", None)
    if description:
        expectation = f'{config.type} "{description}"'
    exception = item.exception_info or {}
    messages = [exception] if "raised_exception" in exception else list(exception.values())
    for info in messages:
        if isinstance(info, dict) and info.get("raised_exception"):
            message = str(info.get("exception_message", "")).strip().splitlines()
            return FailedExpectation(
                relation, expectation, column, error=message[0] if message else "error"
            )
    result = item.result or {}
    if config.type == UNEXPECTED_ROWS:
        return FailedExpectation(
            relation,
            expectation,
            column,
            unexpected_count=result.get("observed_value"),
            samples=tuple(_unexpected_rows(source, relation, kwargs["unexpected_rows_query"])),
        )
    if "unexpected_count" in result:
        return FailedExpectation(
            relation,
            expectation,
            column,
            unexpected_count=result["unexpected_count"],
            samples=tuple(_unexpected_values(definition, config)),
        )
    observed = result.get("observed_value")
    if config.type == "expect_table_columns_to_match_ordered_list":
        observed = column_differences(list(kwargs["column_list"]), list(observed or []))
    return FailedExpectation(relation, expectation, column, observed=observed)


def _unexpected_values(definition, config) -> list[Any]:
    """Up to ``SAMPLE_SIZE`` unexpected values of a failing column expectation (not recorded)."""
    try:
        batch = definition.batch_definition.get_batch()
        result = batch.validate(
            config.to_domain_obj(),
            result_format={"result_format": "BASIC", "partial_unexpected_count": SAMPLE_SIZE},
        ).result
    except Exception:  # the count is what matters; samples are a courtesy
        return []
    return [_readable(plain(value)) for value in result.get("partial_unexpected_list") or ()]


def _unexpected_rows(source, relation: str, query: str) -> list[dict[str, Any]]:
    """Up to ``SAMPLE_SIZE`` rows of a failing rule's query, for the report.

    ``{batch}`` becomes the bare relation, which reads the same whether the query aliases it
    (a join) or not.
    """
    import sqlalchemy as sa

    statement = (
        sa.select(sa.text("*"))
        .select_from(sa.text(f"({query.format(batch=relation)}) as unexpected_rows"))
        .limit(SAMPLE_SIZE)
    )
    try:
        with source.get_engine().connect() as connection:
            return [
                {key: _readable(value) for key, value in row._asdict().items()}
                for row in connection.execute(statement)
            ]
    except Exception:  # the count is what matters; samples are a courtesy
        return []


def _readable(value: Any) -> Any:
    """Numbers and strings as they are; timestamps, dates and decimals as their text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):  # a column pair's values
        return tuple(_readable(item) for item in value)
    return str(value)
