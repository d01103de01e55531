"""Great Expectations' range rule on pandas, compared column-wise for the lake gate's columns.

GX's pandas ``column_values.between`` metric (behind ``expect_column_values_to_be_between``)
compares a column with pandas' operators only when its dtype is numpy's ``int64`` or
``float64``; for any other dtype it calls a Python function per value. The lake gate hands GX
money as Arrow decimals and integers as pandas' nullable integers (``lake_gate._pandas_dtype``),
so that their declared types are what the suites check, and so every range rule on them ran in
Python: 1.5-2.0 s of the gate's 5.6-6.2 s at SCALE=1 (docs/benchmarks.md).

Importing this module registers ``ColumnWiseValuesBetween`` as that metric's pandas
implementation, through GX's own registration of metric providers (a subclass of GX's metric,
which GX registers when the class is created). For those two kinds of column it compares the
whole column with the bounds, with GX's own comparisons (``_pandas_vectorized``); for every other
column, or bounds that are not numbers, it calls GX's function unchanged. The outcome per value
is GX's, but for one thing: a decimal is compared with the bound as the suite writes it
(``Decimal(str(bound))``), where GX compared it with the bound's binary float, so a price of
exactly 9999999999.99 is within ``max_value: 9999999999.99`` (GX's float is 9999999999.989999...).
"""

from __future__ import annotations

import inspect
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.metrics.column_map_metrics.column_values_between import (
    ColumnValuesBetween,
)
from great_expectations.expectations.metrics.map_metric_provider import column_condition_partial

# GX's own per-value implementation, without its decorators: what other columns still get.
_gx_values_between = inspect.unwrap(ColumnValuesBetween._pandas)

_NULLABLE_INTEGERS = (pd.Int8Dtype, pd.Int16Dtype, pd.Int32Dtype, pd.Int64Dtype)


def _is_decimal(dtype: Any) -> bool:
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)


def _column_wise(column: pd.Series, min_value: Any, max_value: Any) -> bool:
    bounds = [b for b in (min_value, max_value) if b is not None]
    if not bounds or not all(isinstance(b, int | float) for b in bounds):
        return False  # GX's function raises on, or handles, the rest
    if min_value is not None and max_value is not None and min_value > max_value:
        return False
    return _is_decimal(column.dtype) or isinstance(column.dtype, _NULLABLE_INTEGERS)


def _as_decimal(bound: Any) -> Decimal | None:
    return None if bound is None else Decimal(str(bound))


class ColumnWiseValuesBetween(ColumnValuesBetween):
    """``column_values.between`` for pandas, column-wise on decimals and nullable integers."""

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        column,
        min_value=None,
        max_value=None,
        strict_min=None,
        strict_max=None,
        **kwargs,
    ):
        if not _column_wise(column, min_value, max_value):
            return _gx_values_between(
                cls, column, min_value, max_value, strict_min, strict_max, **kwargs
            )
        if _is_decimal(column.dtype):
            min_value, max_value = _as_decimal(min_value), _as_decimal(max_value)
        # GX drops the column's nulls first, so the comparisons hold no missing values.
        within = cls._pandas_vectorized(column, min_value, max_value, strict_min, strict_max)
        return within.astype(bool)
