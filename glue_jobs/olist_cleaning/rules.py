"""Shared building blocks of the table transforms: normalisation, deduplication and rules.

A table's rows are *classified*: every raw row is kept once, either marked as a duplicate of a
later version of the same natural key, or checked against the table's rules in order, the first
failing rule giving its kind. Normalised values replace the raw columns in place; the value a
normalised column arrived with travels along beside it (``_raw_<column>``), so rejected rows
are written exactly as they arrived. The human readable reason is built only for the rejected
rows, from the rule's kind and those values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from pyspark.sql import Column, DataFrame, Observation, Window
from pyspark.sql import functions as F

from olist_cleaning.accounting import Outcomes
from olist_cleaning.schemas import REJECT_REASON, rejected_columns
from olist_cleaning.shop_vocabulary import OLIST_ID_PATTERN, STATE_CODES, ZIP_PREFIX_PATTERN
from olist_cleaning.spark import conform
from olist_cleaning.vocabulary import ACCENTED, UNACCENTED
from olist_pipeline.tables import BY_NAME

RAW_PREFIX = "_raw_"
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


def without_duplicates(df: DataFrame) -> DataFrame:
    """``df`` marked as holding one version of each key, which ``prepare`` then trusts: for a
    raw partition whose manifest says so (``RawDetails.unique_key``), marking would shuffle and
    sort every row to find nothing."""
    return df.withColumn(DUPLICATE, F.lit(False))


# --- Rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """``fails`` is true for a row that breaks the rule (null counts as passing)."""

    kind: str
    fails: Column
    reason: Column


def _raw(column: str) -> Column:
    """The value ``column`` arrived with (see ``Cleaning.rejected``)."""
    return F.col(f"{RAW_PREFIX}{column}")


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


def classify(table: str, df: DataFrame, rules: Sequence[Rule]) -> Cleaning:
    """``df``'s rows classified: ``_reject_kind`` is the kind of the first failing rule (null
    when every rule passes, and for duplicates, which are counted, not rejected)."""
    kind = F.lit(None).cast("string")
    for rule in reversed(rules):
        kind = F.when(F.coalesce(rule.fails, F.lit(False)), F.lit(rule.kind)).otherwise(kind)
    return Cleaning(
        table, df.withColumn(REJECT_KIND, F.when(~F.col(DUPLICATE), kind)), tuple(rules)
    )


# --- Classification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cleaning:
    """The classified rows of one table: each raw row once, with its outcome."""

    table: str
    classified: DataFrame
    rules: tuple[Rule, ...]

    @property
    def valid(self) -> DataFrame:
        return self.classified.filter(~F.col(DUPLICATE) & F.col(REJECT_KIND).isNull())

    @property
    def rejected(self) -> DataFrame:
        """The raw rows that broke a rule, as they arrived, with the reason."""
        columns = BY_NAME[self.table].columns
        rows = self.classified.filter(F.col(REJECT_KIND).isNotNull())
        rows = rows.withColumns(  # the columns no normalisation changed arrived as they are
            {
                f"{RAW_PREFIX}{column.name}": F.col(column.name)
                for column in columns
                if f"{RAW_PREFIX}{column.name}" not in rows.columns
            }
        )
        kind, reason = F.col(REJECT_KIND), F.lit(None).cast("string")
        for rule in reversed(self.rules):
            reason = F.when(kind == rule.kind, rule.reason).otherwise(reason)
        arrived = [_raw(column.name).alias(column.name) for column in columns]
        return conform(
            rows.select(*arrived, reason.alias(REJECT_REASON)),
            rejected_columns(BY_NAME[self.table]),
        )

    def outcome_columns(self) -> list[Column]:
        """Aggregates of the classified rows that ``outcomes`` reads: rows, duplicates, and the
        rejected rows of each rule (by its position)."""

        def counted(condition: Column) -> Column:
            return F.coalesce(F.sum(F.when(condition, 1).otherwise(0)), F.lit(0))

        kind = F.col(REJECT_KIND)
        return [
            F.count(F.lit(1)).alias("rows"),
            counted(F.col(DUPLICATE)).alias("duplicates"),
            *[counted(kind == rule.kind).alias(f"rule_{i}") for i, rule in enumerate(self.rules)],
        ]

    def outcomes(self, counts: Mapping[str, int]) -> Outcomes:
        """The outcomes from the values of ``outcome_columns``."""
        reasons = {
            rule.kind: counts[f"rule_{i}"]
            for i, rule in enumerate(self.rules)
            if counts[f"rule_{i}"]
        }
        rejected = sum(reasons.values())
        return Outcomes(
            duplicates=counts["duplicates"],
            valid=counts["rows"] - counts["duplicates"] - rejected,
            rejected=rejected,
            reasons=dict(sorted(reasons.items())),
        )

    def observed(self, observation: Observation) -> Cleaning:
        """The same rows, counted into ``observation`` by the action that reads them, so the
        outcomes cost no Spark job of their own (``self.outcomes(observation.get)`` after it)."""
        return replace(
            self, classified=self.classified.observe(observation, *self.outcome_columns())
        )


def prepare(
    raw: DataFrame, table: str, normalised: Mapping[str, Column] | None = None
) -> DataFrame:
    """``raw`` marked for duplicates (unless ``without_duplicates`` marked it), then
    normalised: each column of ``normalised`` replaced by its expression, the value it arrived
    with kept beside it for the rejected zone."""
    spec = BY_NAME[table]
    marked = raw if DUPLICATE in raw.columns else mark_duplicates(raw, spec.key, spec.changed_at)
    if not normalised:
        return marked
    arrived = marked.withColumns({f"{RAW_PREFIX}{name}": F.col(name) for name in normalised})
    return arrived.withColumns(dict(normalised))
