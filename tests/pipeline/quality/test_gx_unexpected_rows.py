"""The warehouse checks' unexpected-rows rule: GX's outcome, with the rule's query run once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa

from config.postgres import ensure_database, resolve_database_url, with_database
from olist_pipeline.database_urls import sqlalchemy_url
from olist_pipeline.quality.gx import import_gx

gx = import_gx()

from great_expectations.constants import MAX_RESULT_RECORDS  # noqa: E402

from olist_pipeline.quality.gx_unexpected_rows import CountOfFetchedRows  # noqa: E402

ROWS = 450  # more than GX fetches of a query's rows (200)
RULE = "select n from {batch} where n <= %d"

pytestmark = [
    pytest.mark.integration,
    # GX's generic SQL datasource, as the warehouse checks use it (the same code on Redshift)
    pytest.mark.filterwarnings("ignore:You are using a generic SQLDatasource"),
]


@pytest.fixture(scope="module")
def numbers_url() -> Iterator[str]:
    """A database with one table, ``numbers``: the integers 1 to ``ROWS``."""
    url = with_database(resolve_database_url(), f"pipeline_test_gxrows_{uuid.uuid4().hex[:8]}")
    ensure_database(url)
    try:
        with psycopg.connect(url) as conn:
            conn.execute("create table numbers (n integer not null)")
            conn.execute(f"insert into numbers select generate_series(1, {ROWS})")
        yield url
    finally:
        with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{url.rsplit("/", 1)[1]}" with (force)')


@pytest.fixture(scope="module")
def numbers(numbers_url):
    """The ``numbers`` table as a GX batch, and the statements its engine runs."""
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql("numbers", connection_string=sqlalchemy_url(numbers_url))
    asset = source.add_table_asset("numbers", table_name="numbers")
    batch = asset.add_batch_definition_whole_table("whole_table").get_batch()
    statements: list[str] = []
    sa.event.listen(
        batch.data.execution_engine.engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, *_args: statements.append(statement),
    )
    yield batch, statements
    batch.data.execution_engine.engine.dispose()


def validate(numbers, unexpected: int):
    batch, statements = numbers
    statements.clear()
    rule = gx.expectations.UnexpectedRowsExpectation(unexpected_rows_query=RULE % unexpected)
    result = batch.validate(rule, result_format={"result_format": "COMPLETE"})
    runs = [s for s in statements if f"where n <= {unexpected}" in s]
    return result, runs


@pytest.mark.parametrize("unexpected", [0, 1, 3, MAX_RESULT_RECORDS - 1])
def test_a_rule_with_fewer_rows_than_gx_fetches_runs_its_query_once(numbers, unexpected):
    result, runs = validate(numbers, unexpected)

    assert result.success is (unexpected == 0)
    assert result.result["observed_value"] == unexpected
    assert len(result.result["details"]["unexpected_rows"]) == unexpected
    assert len(runs) == 1, runs  # GX's own metric: the query, then a COUNT(*) around it
    assert "count(" not in runs[0].lower()


@pytest.mark.parametrize("unexpected", [MAX_RESULT_RECORDS, MAX_RESULT_RECORDS + 1, ROWS])
def test_a_longer_result_is_counted_by_gx_s_own_query(numbers, unexpected):
    result, runs = validate(numbers, unexpected)

    assert result.success is False
    assert result.result["observed_value"] == unexpected
    assert len(result.result["details"]["unexpected_rows"]) == MAX_RESULT_RECORDS
    assert len(runs) == 2
    assert sum("count(*)" in statement.lower() for statement in runs) == 1


def test_gx_runs_the_row_count_registered_here(numbers):
    from great_expectations.expectations.registry import get_metric_provider

    batch, _ = numbers
    provider_class, _ = get_metric_provider(
        "unexpected_rows_query.row_count", batch.data.execution_engine
    )

    assert provider_class is CountOfFetchedRows
