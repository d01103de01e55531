"""Shared building blocks of the table transforms: normalisation, deduplication and rules.

A table's rows are *classified*: every raw row is kept once, either marked as a duplicate of a
later version of the same natural key, or checked against the table's rules in order, the first
failing rule giving its kind and a human readable reason. Normalised values replace the raw
columns in place; the untouched raw row travels along in a struct so rejected rows are written
exactly as they arrived.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from olist_cleaning.schemas import REJECT_REASON, rejected_columns
from olist_cleaning.shop_vocabulary import OLIST_ID_PATTERN, STATE_CODES, ZIP_PREFIX_PATTERN
from olist_cleaning.spark import conform
from olist_cleaning.vocabulary import ACCENTED, UNACCENTED
from olist_pipeline.tables import BY_NAME

RAW = "_raw"
DUPLICATE = "_duplicate"
REJECT_KIND = "_reject_kind"


# --- Normalisation ----------------------------------------------------------------------------


def normalise_text(column: str | Column) -> Column:
    """Trimmed, single-spaced, lower-case and without accents ("  São  Paulo " -> "sao paulo")."""
    collapsed = F.regexp_replace(F.trim(column), r"\s+", " ")
    return F.translate(F.lower(collapsed), ACCENTED, UNACCENTED)


def normalise_state(column: str | Column) -> Column:
    return F.upper(F.trim(column))


def normalise_zip_prefix(column: str | Column) -> Column:
    """Digit strings shorter than 5 regain the leading zeros a spreadsheet dropped; anything
    else stays as it is for ``zip_prefix`` to reject."""
    trimmed = F.trim(column)
    return F.when(trimmed.rlike(r"^[0-9]{1,5}$"), F.lpad(trimmed, 5, "0")).otherwise(trimmed)


# --- Deduplication ----------------------------------------------------------------------------


def mark_duplicates(df: DataFrame, key: Sequence[str], changed_at: str) -> DataFrame:
    """Add ``_duplicate``: true for every row of a natural key but its latest version.

    Ties on ``changed_at`` are broken by the other columns, so reruns keep the same row.
    Rows with a null key are never duplicates (a rule rejects them).
    """
    others = [name for name in df.columns if name not in (*key, changed_at)]
    latest_first = Window.partitionBy(*key).orderBy(
        F.col(changed_at).desc_nulls_last(), *[F.col(name).asc_nulls_last() for name in others]
    )
    key_present = F.lit(True)
    for name in key:
        key_present = key_present & F.col(name).isNotNull()
    return df.withColumn(DUPLICATE, key_present & (F.row_number().over(latest_first) > 1))


# --- Rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """``fails`` is true for a row that breaks the rule (null counts as passing)."""

    kind: str
    fails: Column
    reason: Column


def _raw(column: str) -> Column:
    return F.col(f"{RAW}.{column}")


def _quoted(template: str, column: str) -> Column:
    """``template`` with the raw value of ``column`` in place of ``%s``."""
    return F.format_string(template, F.coalesce(_raw(column).cast("string"), F.lit("null")))


def required(column: str) -> Rule:
    value = F.col(column)
    blank = value.isNull() | (F.trim(value.cast("string")) == "")
    return Rule(f"{column}.missing", blank, F.lit(f"{column} is missing"))


def olist_id(column: str) -> Rule:
    value = F.col(column)
    return Rule(
        f"{column}.malformed",
        value.isNull() | ~value.rlike(OLIST_ID_PATTERN),
        _quoted(f"{column} '%s' is not 32 lower-case hex digits", column),
    )


def state_code(column: str) -> Rule:
    value = F.col(column)
    return Rule(
        f"{column}.not_a_state",
        value.isNull() | ~value.isin(*STATE_CODES),
        _quoted(f"{column} '%s' is not a Brazilian state", column),
    )


def zip_prefix(column: str) -> Rule:
    value = F.col(column)
    return Rule(
        f"{column}.malformed",
        value.isNull() | ~value.rlike(ZIP_PREFIX_PATTERN),
        _quoted(f"{column} '%s' is not a zip prefix of 5 digits", column),
    )


def one_of(column: str, allowed: Iterable[str]) -> Rule:
    allowed = tuple(allowed)
    value = F.col(column)
    return Rule(
        f"{column}.unknown",
        value.isNull() | ~value.isin(*allowed),
        _quoted(f"{column} '%s' is not one of {', '.join(allowed)}", column),
    )


def not_negative(column: str) -> Rule:
    return Rule(
        f"{column}.negative", F.col(column) < 0, _quoted(f"{column} %s is negative", column)
    )


def between(column: str, low: float, high: float) -> Rule:
    value = F.col(column)
    return Rule(
        f"{column}.out_of_range",
        value.isNull() | (value < low) | (value > high),
        _quoted(f"{column} %s is outside {low}..{high}", column),
    )


def references(
    df: DataFrame,
    column: str,
    parents: DataFrame,
    parent_table: str,
    *,
    carry: Sequence[str] = (),
) -> DataFrame:
    """Add a marker that ``column`` matches the key of one of ``parents`` (valid rows of
    ``parent_table`` in the same partition, unique on that key), which ``reference`` checks,
    and the parent's ``carry`` columns."""
    marker, parent_key = _marker(column, parent_table), f"_key_{column}_{parent_table}"
    found = parents.select(F.col(column).alias(parent_key), *carry).withColumn(marker, F.lit(True))
    return df.join(found, df[column] == found[parent_key], "left").drop(parent_key)


def reference(column: str, parent_table: str) -> Rule:
    singular = parent_table.removesuffix("s")
    return Rule(
        f"{column}.not_in_{parent_table}",
        F.col(_marker(column, parent_table)).isNull(),
        _quoted(f"{column} '%s' has no valid {singular} in this partition", column),
    )


def _marker(column: str, parent_table: str) -> str:
    return f"_found_{column}_in_{parent_table}"


def apply_rules(df: DataFrame, rules: Sequence[Rule]) -> DataFrame:
    """Add ``_reject_kind`` and ``reject_reason`` of the first failing rule (null when every
    rule passes, and for duplicates, which are counted, not rejected)."""
    kind, reason = F.lit(None).cast("string"), F.lit(None).cast("string")
    for rule in reversed(rules):
        fails = F.coalesce(rule.fails, F.lit(False))
        kind = F.when(fails, F.lit(rule.kind)).otherwise(kind)
        reason = F.when(fails, rule.reason).otherwise(reason)
    checked = ~F.col(DUPLICATE)
    return df.withColumn(REJECT_KIND, F.when(checked, kind)).withColumn(
        REJECT_REASON, F.when(checked, reason)
    )


# --- Classification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cleaning:
    """The classified rows of one table: each raw row once, with its outcome."""

    table: str
    classified: DataFrame

    @property
    def valid(self) -> DataFrame:
        return self.classified.filter(~F.col(DUPLICATE) & F.col(REJECT_REASON).isNull())

    @property
    def rejected(self) -> DataFrame:
        """The raw rows that broke a rule, as they arrived, with the reason."""
        rows = self.classified.filter(F.col(REJECT_REASON).isNotNull())
        return conform(
            rows.select(f"{RAW}.*", REJECT_REASON), rejected_columns(BY_NAME[self.table])
        )


def keep_raw(raw: DataFrame, table: str) -> DataFrame:
    """Deduplicate-mark ``raw`` and keep a copy of each row for the rejected zone."""
    spec = BY_NAME[table]
    marked = mark_duplicates(raw, spec.key, spec.changed_at)
    return marked.withColumn(RAW, F.struct(*[F.col(name) for name in raw.columns]))
