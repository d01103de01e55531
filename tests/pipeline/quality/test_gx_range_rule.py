"""The lake gate's range rule, compared column-wise: the same outcome per value as GX's own."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from olist_pipeline.quality.gx import import_gx

import_gx()

from great_expectations.expectations.metrics.column_map_metrics.column_values_between import (  # noqa: E402
    ColumnValuesBetween,
)

from olist_pipeline.quality.gx_range_rule import ColumnWiseValuesBetween  # noqa: E402

column_wise = inspect.unwrap(ColumnWiseValuesBetween._pandas)
per_value = inspect.unwrap(ColumnValuesBetween._pandas)

MONEY = pd.ArrowDtype(pa.decimal128(12, 2))
MONEY_VALUES = [Decimal(v) for v in ("-0.01", "0.00", "0.01", "5.00", "5.01", "99.99")]
COUNTS = [-1, 0, 1, 5, 6, 32_767]
BOUNDS = [(0, None), (None, 5), (0, 5), (1, 5), (0.5, 5.005), (5, 5)]
STRICT = [(False, False), (True, False), (False, True), (True, True)]


@pytest.mark.parametrize("strict_min, strict_max", STRICT)
@pytest.mark.parametrize("min_value, max_value", BOUNDS)
@pytest.mark.parametrize(
    "column",
    [
        pd.Series(MONEY_VALUES, dtype=MONEY),
        pd.Series(COUNTS, dtype="Int16"),
        pd.Series(COUNTS, dtype="Int32"),
        pd.Series(COUNTS, dtype="Int64"),
    ],
    ids=["decimal", "Int16", "Int32", "Int64"],
)
def test_column_wise_gives_gx_s_outcome_for_every_value(
    column, min_value, max_value, strict_min, strict_max
):
    args = (column, min_value, max_value, strict_min, strict_max)

    within = column_wise(ColumnWiseValuesBetween, *args)

    assert within.dtype == bool
    assert within.tolist() == per_value(ColumnValuesBetween, *args).tolist()


def test_a_decimal_is_compared_with_the_bound_as_the_suite_writes_it():
    # GX compares Decimal("9999999999.99") with the float 9999999999.989999..., and fails it.
    column = pd.Series(
        [Decimal("9999999999.99"), Decimal("10000000000.00")],
        dtype=pd.ArrowDtype(pa.decimal128(14, 2)),
    )

    within = column_wise(ColumnWiseValuesBetween, column, 0, 9999999999.99)

    assert within.tolist() == [True, False]
    assert per_value(ColumnValuesBetween, column, 0, 9999999999.99).tolist() == [False, False]


@pytest.mark.parametrize(
    "column, min_value, max_value",
    [
        (pd.Series([1.5, -2.0]), 0, 5),  # numpy float64: GX's own vectorised comparison
        (pd.Series(["b", "z"], dtype="string[pyarrow]"), "a", "c"),  # text bounds
    ],
    ids=["float64", "text"],
)
def test_other_columns_and_bounds_get_gx_s_own_outcome(column, min_value, max_value):
    within = column_wise(ColumnWiseValuesBetween, column, min_value, max_value)

    assert within.tolist() == per_value(ColumnValuesBetween, column, min_value, max_value).tolist()
    assert within.tolist() == [True, False]


def test_bounds_the_wrong_way_round_get_gx_s_error():
    column = pd.Series([1, 2], dtype="Int16")

    with pytest.raises(ValueError, match="min_value cannot be greater than max_value"):
        column_wise(ColumnWiseValuesBetween, column, 3, 1)


def test_gx_runs_the_range_rule_registered_here():
    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.expectations.registry import get_metric_provider

    provider_class, _ = get_metric_provider(
        "column_values.between.condition", PandasExecutionEngine()
    )

    assert provider_class is ColumnWiseValuesBetween
