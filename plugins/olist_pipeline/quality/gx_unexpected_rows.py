"""Great Expectations' unexpected-rows rule on SQL, with each rule's query run once.

``unexpected_rows_expectation`` (the warehouse checks' rules across rows: every fact key has its
dimension row, SCD2 versions neither overlap nor leave gaps, ...) asks GX for two metrics of its
query: ``unexpected_rows_query.table``, the query's first rows (at most GX's
``MAX_RESULT_RECORDS``, 200), and ``unexpected_rows_query.row_count``, a ``COUNT(*)`` around the
same query. GX runs them as two statements, so the warehouse evaluates every rule twice, and a
rule that passes (no rows) costs two full evaluations: the second ones were a fifth of the star
schema checks' time at SCALE=1 (docs/benchmarks.md, eighteenth round).

Importing this module registers ``CountOfFetchedRows`` as the row count's SQL implementation,
through GX's own registration of metric providers (a subclass of GX's metric, which GX registers
when the class is created). It makes the count depend on the first rows, which GX then resolves
first: when fewer rows came back than GX fetches at most, their number is the count, exactly;
otherwise it runs GX's own ``COUNT(*)`` query unchanged. Every result is GX's; only the second
statement is gone for a rule with fewer than 200 unexpected rows. GX's Spark implementation is
unchanged.
"""

from __future__ import annotations

import inspect
from typing import Any

from great_expectations.constants import MAX_RESULT_RECORDS
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.query_metrics.query_row_count.unexpected_rows_query_row_count import (  # noqa: E501
    UnexpectedRowsQueryRowCount,
)
from great_expectations.expectations.metrics.query_metrics.query_table.unexpected_rows_query_table import (  # noqa: E501
    UnexpectedRowsQueryTable,
)
from great_expectations.validator.metric_configuration import MetricConfiguration

FIRST_ROWS = UnexpectedRowsQueryTable.metric_name  # "unexpected_rows_query.table"

# GX's own ``COUNT(*)`` implementation, without its decorator: what a long result still gets.
_gx_row_count = inspect.unwrap(UnexpectedRowsQueryRowCount._sqlalchemy)


class CountOfFetchedRows(UnexpectedRowsQueryRowCount):
    """``unexpected_rows_query.row_count`` for SQL: the number of the query's first rows
    when GX fetched all of them, GX's ``COUNT(*)`` otherwise."""

    @classmethod
    def _get_evaluation_dependencies(
        cls,
        metric: MetricConfiguration,
        configuration: Any = None,
        execution_engine: Any = None,
        runtime_configuration: dict | None = None,
    ) -> dict[str, MetricConfiguration]:
        dependencies = super()._get_evaluation_dependencies(
            metric=metric,
            configuration=configuration,
            execution_engine=execution_engine,
            runtime_configuration=runtime_configuration,
        )
        if isinstance(execution_engine, SqlAlchemyExecutionEngine):
            # The same domain and query as the expectation's own first-rows metric, so GX
            # resolves that metric once for both.
            dependencies[FIRST_ROWS] = MetricConfiguration(
                metric_name=FIRST_ROWS,
                metric_domain_kwargs=metric.metric_domain_kwargs,
                metric_value_kwargs=metric.metric_value_kwargs,
            )
        return dependencies

    @metric_value(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(
        cls,
        execution_engine: SqlAlchemyExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: dict[str, Any],
        runtime_configuration: dict,
    ) -> int:
        first_rows = metrics.get(FIRST_ROWS)
        if first_rows is not None and len(first_rows) < MAX_RESULT_RECORDS:
            return len(first_rows)
        return _gx_row_count(
            cls,
            execution_engine,
            metric_domain_kwargs,
            metric_value_kwargs,
            metrics,
            runtime_configuration,
        )
