"""Load a folder of Olist CSV files into the shop database: bulk, validated, idempotent.

How a run goes (``load_folder``):

1. The folder is scanned for the nine file names of ``dataset.olist_format`` (other files are
   ignored; none of the nine is an error). Every header is read and checked *before* the
   database is touched.
2. One transaction for the whole folder. Files are loaded in dependency order
   (``olist_format.ALL_FILES``), so a reference is checked against what the database already
   holds plus what this run has just loaded. Per file:

   * the bytes are streamed (UTF-8 BOM stripped) into a staging table of text columns with
     ``COPY ... FROM STDIN (FORMAT csv)``. The table is unlogged, and created and dropped
     inside the transaction, so nobody else ever sees it; unlike a temporary table's, its scans
     run in parallel. PostgreSQL's CSV parser deals with the irregular quoting, CRLF, a missing
     final newline and multi-line quoted fields; empty fields (quoted or not) become NULL;
   * one set-based statement gives every row the first rule it breaks (the rules the database
     enforces: 32-hex ids, 5-digit zip prefixes, UF codes, vocabularies, integer / money / float
     / timestamp syntax and ranges, lengths, references to parent rows), casts the good rows
     (the casts are guarded by those checks, so a bad value can never abort the load; a
     number's text is read once, for its rules and its cast) and numbers repeated keys: the
     first good occurrence wins, later ones are "duplicate of line N";
   * the good rows are upserted with ``insert ... on conflict (key) do update ... where (...) is
     distinct from excluded`` so an unchanged row is not touched (its ``updated_at`` stays), and
     inserted / updated / unchanged are counted. A load of at least ``REBUILD_MIN_ROWS`` good
     rows into a table that holds no more rows than it brings (the first load of a shop, or a
     big load into a small demo shop) takes the bulk path instead: the table is locked, its
     plain indexes, its foreign keys and the primary key and unique constraints no foreign key
     depends on are dropped, the rows whose key exists and whose values differ are updated and
     those whose key does not exist inserted (two set-based statements, the same outcome and
     counts as the upsert), then the unique constraints are added again (checked as their
     indexes are built), the indexes built again and the foreign keys added again (checked in
     one join), with their own names and definitions, all inside the transaction. Maintaining
     indexes row by row and looking up (and locking) a parent row per inserted row for each
     foreign key cost several times more;
   * foreign keys are checked statement by statement (``set constraints all immediate``), then
     the tables' own deferred mode is restored;
   * the rejected rows are copied out to a temporary file.

3. After the commit the rejects files are moved into place (atomically): a run that fails
   leaves the database and the rejects folder as they were.

Rejects: ``DATA_DIR/rejects/<original file name>`` (or ``rejects_dir``), with the file's own
columns plus ``line_number`` (the physical line where the record starts; the header is line 1)
and ``reject_reason``. A loaded file without rejects removes a stale rejects file of an earlier
run. Rejected rows are a normal outcome; only an unreadable file, a wrong header, a CSV that
PostgreSQL cannot parse (wrong number of fields, bad encoding) or a database error fail a run.

Mapping notes: timestamps are São Paulo wall-clock times (``America/Sao_Paulo``); the products
file's misspelled ``..._lenght`` headers go to the ``..._length`` columns; the orders file fills
``orders`` and ``deliveries`` (the estimated delivery date keeps its date part); categories used
by products but missing from the translation file are created with a NULL English name.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import psycopg
from core.domain import ORDER_STATUSES, PAYMENT_TYPES, STATE_CODES
from django.db import DatabaseError, transaction
from django.db import connection as default_connection

from dataset import olist_format as fmt

logger = logging.getLogger(__name__)

SOURCE_TIME_ZONE = "America/Sao_Paulo"
REJECTS_DIR_NAME = "rejects"
CHUNK_BYTES = 1 << 20
WORK_MEM = "256MB"
SESSION_SETTINGS = {
    # Sorts and hashes of a few hundred thousand rows stay in memory.
    "work_mem": WORK_MEM,
    "maintenance_work_mem": WORK_MEM,
    # Every statement here is set-based: hash joins, never row-by-row nested loops (the staging
    # tables have no statistics to tell the planner so).
    "enable_nestloop": "off",
    # No JIT compilation: the estimated costs, guessed without statistics, passed its
    # thresholds (0.6 s of a 2 s statement went to compiling it).
    "jit": "off",
    # Parallel scans of any table big enough (min_parallel_table_scan_size): the planner costs
    # a regular expression or a cast like a comparison, so with the default costs it never
    # shares out a validation that spends most of its time in them.
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
}
# Memory for the temporary tables of validated rows (8MB by default): they stay in memory
# instead of going through the operating system's cache. A session can change it only before
# its first temporary table; a session that had one keeps its own value.
TEMP_BUFFERS = "256MB"
# Row numbers of a staging table handed out at a time (see ``_stage_sql``).
STAGE_NUMBERS_CACHE = 10_000
# A load of at least this many rows into a table that holds no more rows than it brings takes
# the bulk path (``_bulk_write``): plain indexes, foreign keys and the unique constraints no
# foreign key depends on dropped, then built again.
REBUILD_MIN_ROWS = 10_000
# SQLSTATE of "invalid byte sequence for encoding" (character_not_in_repertoire).
BAD_ENCODING = "22021"

Kind = Literal["id", "zip", "state", "choice", "text", "int", "money", "float", "timestamp", "date"]

INT_RE = r"^[+-]?[0-9]+$"
DECIMAL_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
# Exponent limited to two digits (and the text to 40 characters) so the cast cannot overflow.
FLOAT_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9][0-9]?)?$"
# The shape only (bounded repetitions and alternations are slow in PostgreSQL's regex engine);
# the ranges of the fields are checked next, on the digits.
TIMESTAMP_RE = r"^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]$"
INT4_MAX, INT2_MAX = 2_147_483_647, 32_767
# The longest review message accepted (the API's limit, ``orders.serializers``); every other
# text column has its own limit and ids, codes and numbers are checked by shape.
REVIEW_MESSAGE_MAX_LENGTH = 10_000


# --------------------------------------------------------------------------------------------
# Errors and the report
# --------------------------------------------------------------------------------------------


class LoadError(Exception):
    """The folder cannot be loaded at all; the database was left unchanged."""

    exit_code = 1


class NoOlistFilesError(LoadError):
    """The folder holds none of the nine Olist files (or is not a folder)."""

    exit_code = 2


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class TableReport:
    """What happened to one file: ``read == loaded + rejected``."""

    table: str
    file_name: str
    read: int = 0
    rejected: int = 0
    counts: Counts = field(default_factory=Counts)
    top_reasons: list[tuple[str, int]] = field(default_factory=list)
    rejects_file: Path | None = None
    # Other tables the file wrote to: deliveries (orders file), product_categories (products).
    also: dict[str, Counts] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        return self.counts.total

    @property
    def inserted(self) -> int:
        return self.counts.inserted

    @property
    def updated(self) -> int:
        return self.counts.updated

    @property
    def unchanged(self) -> int:
        return self.counts.unchanged


@dataclass
class LoadReport:
    data_dir: Path
    rejects_dir: Path
    tables: list[TableReport] = field(default_factory=list)
    seconds: float = 0.0

    def __getitem__(self, table: str) -> TableReport:
        for report in self.tables:
            if report.table == table:
                return report
        raise KeyError(table)

    def __contains__(self, table: str) -> bool:
        return any(report.table == table for report in self.tables)

    @property
    def read(self) -> int:
        return sum(t.read for t in self.tables)

    @property
    def loaded(self) -> int:
        return sum(t.loaded for t in self.tables)

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables)

    def format(self) -> str:
        """A human summary: one line per table, then its top reject reasons."""
        head = ("table", "read", "loaded", "inserted", "updated", "unchanged", "rejected")
        rows = [head]
        for t in self.tables:
            rows.append((t.table, t.read, t.loaded, t.inserted, t.updated, t.unchanged, t.rejected))
            for name, c in t.also.items():
                rows.append((f"  + {name}", "", c.total, c.inserted, c.updated, c.unchanged, ""))
        widths = [
            max(len(f"{row[i]:,}" if isinstance(row[i], int) else str(row[i])) for row in rows)
            for i in range(len(head))
        ]

        def line(row) -> str:
            cells = [f"{v:,}" if isinstance(v, int) else str(v) for v in row]
            return "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )

        out = [f"Loaded {self.data_dir} in {self.seconds:.1f} s", line(head)]
        for row in rows[1:]:
            out.append(line(row))
        rejected = [t for t in self.tables if t.rejected]
        if rejected:
            out.append("")
            out.append(f"Rejected rows (in {self.rejects_dir}):")
            for t in rejected:
                reasons = "; ".join(f"{reason} ({n:,})" for reason, n in t.top_reasons)
                out.append(f"  {t.file_name}: {t.rejected:,} - {reasons}")
        out.append(
            f"Total: {self.read:,} read, {self.loaded:,} loaded, {self.rejected:,} rejected."
        )
        return "\n".join(out)


# --------------------------------------------------------------------------------------------
# What each file holds and which rules its rows must follow
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One column of a file: how to check it and cast it."""

    name: str  # the file's header cell, also the staging column's name
    kind: Kind
    required: bool = True
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    sql_type: str | None = None  # integer kinds: "integer" or "smallint"
    references: tuple[str, str] | None = None  # (table, column) the value must exist in


@dataclass(frozen=True)
class Upsert:
    """Good rows of a file go into ``table``; ``columns`` maps target column -> field name."""

    table: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TableSpec:
    file: fmt.OlistFile
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # field names: a repeated key within the file is a duplicate
    upserts: tuple[Upsert, ...]
    category_field: str | None = None  # products: create missing categories first


def _same(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((n, n) for n in names)


def _id(name: str, references: tuple[str, str] | None = None) -> Field:
    return Field(name, "id", references=references)


def _count(name: str, minimum: int = 0, maximum: int = INT4_MAX, **kw) -> Field:
    return Field(name, "int", minimum=minimum, maximum=maximum, **kw)


def _money(name: str) -> Field:
    return Field(name, "money", minimum=0)


def _ts(name: str, required: bool = True) -> Field:
    return Field(name, "timestamp", required=required)


SPECS: dict[str, TableSpec] = {
    spec.file.file_name: spec
    for spec in (
        TableSpec(
            fmt.GEOLOCATION,
            (
                Field("geolocation_zip_code_prefix", "zip"),
                Field("geolocation_lat", "float", minimum=-90, maximum=90),
                Field("geolocation_lng", "float", minimum=-180, maximum=180),
                Field("geolocation_city", "text", max_length=100),
                Field("geolocation_state", "state"),
            ),
            key=tuple(fmt.GEOLOCATION.header),
            upserts=(
                Upsert(
                    "geolocation",
                    key=tuple(fmt.GEOLOCATION.header),
                    columns=_same(*fmt.GEOLOCATION.header),
                ),
            ),
        ),
        TableSpec(
            fmt.CATEGORY_TRANSLATION,
            (
                Field("product_category_name", "text", max_length=100),
                Field("product_category_name_english", "text", required=False, max_length=100),
            ),
            key=("product_category_name",),
            upserts=(
                Upsert(
                    "product_categories",
                    key=("product_category_name",),
                    columns=_same("product_category_name", "product_category_name_english"),
                ),
            ),
        ),
        TableSpec(
            fmt.SELLERS,
            (
                _id("seller_id"),
                Field("seller_zip_code_prefix", "zip"),
                Field("seller_city", "text", max_length=100),
                Field("seller_state", "state"),
            ),
            key=("seller_id",),
            upserts=(Upsert("sellers", ("seller_id",), _same(*fmt.SELLERS.header)),),
        ),
        TableSpec(
            fmt.PRODUCTS,
            (
                _id("product_id"),
                Field("product_category_name", "text", required=False, max_length=100),
                _count("product_name_lenght", required=False),
                _count("product_description_lenght", required=False),
                _count("product_photos_qty", required=False),
                _count("product_weight_g", required=False),
                _count("product_length_cm", required=False),
                _count("product_height_cm", required=False),
                _count("product_width_cm", required=False),
            ),
            key=("product_id",),
            upserts=(
                Upsert(
                    "products",
                    ("product_id",),
                    (
                        ("product_id", "product_id"),
                        ("product_category_name", "product_category_name"),
                        ("product_name_length", "product_name_lenght"),
                        ("product_description_length", "product_description_lenght"),
                        *_same(
                            "product_photos_qty",
                            "product_weight_g",
                            "product_length_cm",
                            "product_height_cm",
                            "product_width_cm",
                        ),
                    ),
                ),
            ),
            category_field="product_category_name",
        ),
        TableSpec(
            fmt.CUSTOMERS,
            (
                _id("customer_id"),
                _id("customer_unique_id"),
                Field("customer_zip_code_prefix", "zip"),
                Field("customer_city", "text", max_length=100),
                Field("customer_state", "state"),
            ),
            key=("customer_id",),
            upserts=(Upsert("customers", ("customer_id",), _same(*fmt.CUSTOMERS.header)),),
        ),
        TableSpec(
            fmt.ORDERS,
            (
                _id("order_id"),
                _id("customer_id", references=("customers", "customer_id")),
                Field("order_status", "choice", choices=ORDER_STATUSES),
                _ts("order_purchase_timestamp"),
                _ts("order_approved_at", required=False),
                _ts("order_delivered_carrier_date", required=False),
                _ts("order_delivered_customer_date", required=False),
                # A DATE in the shop; the file has midnight timestamps.
                Field("order_estimated_delivery_date", "date"),
            ),
            key=("order_id",),
            upserts=(
                Upsert(
                    "orders",
                    ("order_id",),
                    _same(
                        "order_id",
                        "customer_id",
                        "order_status",
                        "order_purchase_timestamp",
                        "order_approved_at",
                    ),
                ),
                Upsert(
                    "deliveries",
                    ("order_id",),
                    _same(
                        "order_id",
                        "order_delivered_carrier_date",
                        "order_delivered_customer_date",
                        "order_estimated_delivery_date",
                    ),
                ),
            ),
        ),
        TableSpec(
            fmt.ORDER_ITEMS,
            (
                _id("order_id", references=("orders", "order_id")),
                _count("order_item_id", minimum=1, maximum=INT2_MAX, sql_type="smallint"),
                _id("product_id", references=("products", "product_id")),
                _id("seller_id", references=("sellers", "seller_id")),
                _ts("shipping_limit_date"),
                _money("price"),
                _money("freight_value"),
            ),
            key=("order_id", "order_item_id"),
            upserts=(
                Upsert(
                    "order_items", ("order_id", "order_item_id"), _same(*fmt.ORDER_ITEMS.header)
                ),
            ),
        ),
        TableSpec(
            fmt.PAYMENTS,
            (
                _id("order_id", references=("orders", "order_id")),
                _count("payment_sequential", maximum=INT2_MAX, sql_type="smallint"),
                Field("payment_type", "choice", choices=PAYMENT_TYPES),
                _count("payment_installments", minimum=1, maximum=INT2_MAX, sql_type="smallint"),
                _money("payment_value"),
            ),
            key=("order_id", "payment_sequential"),
            upserts=(
                Upsert("payments", ("order_id", "payment_sequential"), _same(*fmt.PAYMENTS.header)),
            ),
        ),
        TableSpec(
            fmt.REVIEWS,
            (
                _id("review_id"),
                _id("order_id", references=("orders", "order_id")),
                _count("review_score", minimum=1, maximum=5, sql_type="smallint"),
                Field("review_comment_title", "text", required=False, max_length=200),
                # The API's limit too: a 10 MB "comment" is refused, not stored.
                Field(
                    "review_comment_message",
                    "text",
                    required=False,
                    max_length=REVIEW_MESSAGE_MAX_LENGTH,
                ),
                _ts("review_creation_date"),
                _ts("review_answer_timestamp", required=False),
            ),
            key=("review_id", "order_id"),
            upserts=(Upsert("reviews", ("review_id", "order_id"), _same(*fmt.REVIEWS.header)),),
        ),
    )
}

for _spec in SPECS.values():  # the rules must describe exactly the file's columns
    assert [f.name for f in _spec.fields] == _spec.file.header, _spec.file.file_name
assert list(SPECS) == [f.file_name for f in fmt.ALL_FILES]


# --------------------------------------------------------------------------------------------
# SQL generation (every identifier and literal below comes from this module, not from files)
# --------------------------------------------------------------------------------------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _text_array(values: Iterable[str]) -> str:
    return "array[" + ", ".join(_lit(v) for v in values) + "]::text[]"


@dataclass(frozen=True)
class Rule:
    condition: str  # SQL, true when the row breaks the rule (evaluated in order, first wins)
    label: str  # the reason without the offending value (for the summary)
    message: str  # SQL producing the full reason text
    field: str  # the field it checks
    # Whether the condition reads the field's staged text alone, not a number read from it or
    # a parent row: then it is tested in the statement's innermost part (``_validate_sql``).
    on_text: bool = True


def _col(f: Field | str) -> str:
    return "s." + _ident(f.name if isinstance(f, Field) else f)


def _got_text(c: str) -> str:
    return (
        f"' (got ''' || left({c}, 60) || case when length({c}) > 60 then '...' else '' end || ''')'"
    )


def _got_raw(c: str) -> str:
    return f"' (got ' || left({c}, 60) || ')'"


def _rules(f: Field, parent: str | None) -> list[Rule]:
    """The rules of one field, in order; ``parent`` is the column that holds the referenced
    row's key (NULL when the row is missing)."""
    c, n = _col(f), f.name

    def rule(condition: str, label: str, got: str | None = None, on_text: bool = True) -> Rule:
        return Rule(condition, label, _lit(label) + (f" || {got}" if got else ""), n, on_text)

    rules: list[Rule] = []
    if f.required:
        rules.append(rule(f"{c} is null", f"{n} is required"))
    if f.kind == "id":
        rules.append(
            rule(
                f"(length({c}) <> 32 or {c} ~ '[^0-9a-f]')",
                f"{n} must be 32 lowercase hex characters",
                _got_text(c),
            )
        )
    elif f.kind == "zip":
        rules.append(
            rule(f"(length({c}) <> 5 or {c} ~ '[^0-9]')", f"{n} must be 5 digits", _got_text(c))
        )
    elif f.kind == "state":
        rules.append(
            rule(
                f"{c} <> all({_text_array(STATE_CODES)})",
                f"{n} must be a Brazilian state code (UF)",
                _got_text(c),
            )
        )
    elif f.kind == "choice":
        rules.append(
            rule(
                f"{c} <> all({_text_array(f.choices)})",
                f"{n} must be one of {', '.join(f.choices)}",
                _got_text(c),
            )
        )
    elif f.kind in ("int", "money", "float"):
        # The number was read once, in the statement's innermost part (``_parsed``): NULL
        # there for a value that is not a number.
        value = _parsed_col(f)
        what = {"int": "an integer", "money": "a decimal number", "float": "a number"}[f.kind]
        rules.append(
            rule(
                f"{value} is null and {c} is not null",
                f"{n} must be {what}",
                _got_text(c),
                on_text=False,
            )
        )
        lo, hi = f.minimum, f.maximum
        storage_limit = hi in (INT2_MAX, INT4_MAX)  # the column type's, not the domain's
        if f.kind == "float" or (lo is not None and hi is not None and not storage_limit):
            rules.append(
                rule(
                    f"{value} not between {_num(lo)} and {_num(hi)}",
                    f"{n} must be between {_num(lo)} and {_num(hi)}",
                    _got_raw(c),
                    on_text=False,
                )
            )
        else:
            if lo is not None:
                rules.append(
                    rule(
                        f"{value} < {_num(lo)}",
                        f"{n} must be >= {_num(lo)}",
                        _got_raw(c),
                        on_text=False,
                    )
                )
            if hi is not None:
                rules.append(
                    rule(
                        f"{value} > {_num(hi)}",
                        f"{n} must be <= {_num(hi)}",
                        _got_raw(c),
                        on_text=False,
                    )
                )
            if f.kind == "money":  # numeric(12, 2)
                rules.append(
                    rule(
                        f"round({value}, 2) >= 1e10",
                        f"{n} must be < 10000000000",
                        _got_raw(c),
                        on_text=False,
                    )
                )
    elif f.kind in ("timestamp", "date"):
        rules.append(
            rule(
                _not_timestamp_shape(c),
                f"{n} must be a timestamp like 2017-10-02 10:56:33",
                _got_text(c),
            )
        )
        # The pattern only says "digits": the fields' ranges, then the calendar, come next.
        part = {"y": (1, 4), "mo": (6, 2), "d": (9, 2), "h": (12, 2), "mi": (15, 2), "s": (18, 2)}
        y, mo, d, h, mi, sec = (f"substr({c}, {a}, {b})::int" for a, b in part.values())
        rules.append(
            rule(
                f"({y} = 0 or {mo} not between 1 and 12 or {d} = 0"
                f" or {h} > 23 or {mi} > 59 or {sec} > 59)",
                f"{n} is not a valid date and time",
                _got_text(c),
            )
        )
        rules.append(
            rule(
                f"{d} > 28 and {d} > extract(day from (substr({c}, 1, 7) || '-01')::date"
                " + interval '1 month' - interval '1 day')",
                f"{n} is not a calendar date",
                _got_text(c),
            )
        )
    if f.max_length is not None:
        rules.append(
            rule(
                f"length({c}) > {f.max_length}",
                f"{n} must be at most {f.max_length} characters",
                f"' (got ' || length({c}) || ')'",
            )
        )
    if f.references is not None:
        rules.append(
            rule(f"{parent} is null", f"{n} not found in {f.references[0]}", on_text=False)
        )
    return rules


NUMBER_SYNTAX = {"int": INT_RE, "money": DECIMAL_RE, "float": FLOAT_RE}


def _parsed(f: Field) -> str | None:
    """The number a numeric field holds, read once (NULL when its text is not one), or None
    for a field of another kind.

    Its rules and its cast to the shop's column use this value: the text is read once, not
    once for the range and again for the cast (geolocation has a million rows of two floats).
    A float is read as the double precision it is stored as, so its range is that value's; an
    integer or a decimal as a numeric (which takes any number of digits), then rounded or cast.
    """
    if f.kind not in NUMBER_SYNTAX:
        return None
    c = _col(f)
    syntax = f"{c} ~ {_lit(NUMBER_SYNTAX[f.kind])}"
    if f.kind == "float":  # the text's length too, so that the cast cannot overflow
        return f"case when length({c}) <= 40 and {syntax} then {c}::double precision end"
    return f"case when {syntax} then {c}::numeric end"


def _parsed_name(f: Field) -> str:
    return _ident("n_" + f.name)


def _parsed_col(f: Field) -> str:
    return "s." + _parsed_name(f)


def _not_timestamp_shape(c: str) -> str:
    """SQL true when ``c`` does not match ``TIMESTAMP_RE`` (NULL when ``c`` is NULL): the same
    test, several times cheaper than that regular expression (matching it costs PostgreSQL
    more than everything else a timestamp is checked for).

    The pattern puts ``-``, ``-``, `` ``, ``:``, ``:`` at their places among 19 characters;
    the class allows nothing but digits and those three; the last three patterns allow no
    more than two ``-``, two ``:`` and one space: so the 14 other characters are digits.
    """
    return (
        f"not ({c} like '____-__-__ __:__:__' and {c} !~ '[^-0-9: ]'"
        f" and {c} not like '%-%-%-%' and {c} not like '%:%:%:%' and {c} not like '% % %')"
    )


def _typed(f: Field) -> str:
    """A (checked) value in the shop column's type: a number as read by ``_parsed``, the rest
    cast from its text."""
    c = _col(f)
    if f.kind == "int":
        return f"{_parsed_col(f)}::{f.sql_type or 'integer'}"
    if f.kind == "money":
        return f"round({_parsed_col(f)}, 2)"
    if f.kind == "float":
        return _parsed_col(f)
    if f.kind == "timestamp":
        return f"({c}::timestamp at time zone {_lit(SOURCE_TIME_ZONE)})"
    if f.kind == "date":
        return f"({c}::timestamp)::date"
    return c


def _typed_name(f: Field | str) -> str:
    return _ident("t_" + (f.name if isinstance(f, Field) else f))


@dataclass(frozen=True)
class CompiledSpec:
    spec: TableSpec
    rules: tuple[Rule, ...]
    stage: str  # an unlogged table; load_folder adds its session's number to the name
    valid: str
    read: tuple[str, ...]  # what the rules read besides the staged text (``_validate_sql``)
    joins: str


def _compile(spec: TableSpec) -> CompiledSpec:
    rules: list[Rule] = []
    read: list[str] = []
    joins: list[str] = []
    for f in spec.fields:
        parent = None
        if f.references is not None:
            alias = f"p{len(joins) + 1}"
            table, column = f.references
            joins.append(
                f"left join {_ident(table)} {alias} on {alias}.{_ident(column)} = {_col(f)}"
            )
            name = _ident(f"parent_{len(joins)}")
            read.append(f"{alias}.{_ident(column)} as {name}")
            parent = "s." + name
        if (number := _parsed(f)) is not None:
            read.append(f"{number} as {_parsed_name(f)}")
        field_rules = _rules(f, parent)
        # A field's rules on its text come first (``_validate_sql`` tests them apart).
        assert field_rules == sorted(field_rules, key=lambda r: not r.on_text), f.name
        rules.extend(field_rules)
    table = spec.file.table
    return CompiledSpec(
        spec,
        tuple(rules),
        f"olist_stage_{table}",
        f"pg_temp.olist_valid_{table}",
        tuple(read),
        "\n".join(joins),
    )


COMPILED = {name: _compile(spec) for name, spec in SPECS.items()}


def _stage_sql(cs: CompiledSpec) -> str:
    """The staging table: the file's columns as text, numbered in the order of the file.

    Its numbers come from a sequence of this session alone: it hands them out from a cache
    instead of updating the sequence once per row (the numbers are the same: 1, 2, 3...).
    """
    cols = ", ".join(f"{_ident(f.name)} text" for f in cs.spec.fields)
    return (
        f"create unlogged table {cs.stage}"
        f" (row_no bigint generated always as identity (cache {STAGE_NUMBERS_CACHE}), {cols})"
    )


def _copy_in_sql(cs: CompiledSpec) -> str:
    cols = ", ".join(_ident(f.name) for f in cs.spec.fields)
    return (
        f"copy {cs.stage} ({cols}) from stdin"
        f" (format csv, header true, encoding 'UTF8', force_null ({cols}))"
    )


def _validate_sql(cs: CompiledSpec, embedded_newlines: bool) -> str:
    """One statement: the first broken rule of every row, the casts, the duplicate numbering."""
    fields = cs.spec.fields
    if embedded_newlines:
        # A quoted field may span lines: the physical line of a record counts the line breaks
        # inside the records before it.
        # The bytes of the fields less those of their concatenation without line breaks: one
        # replace per record, not one per field (concat skips NULLs; octet_length does not
        # count characters).
        size = " + ".join(f"coalesce(octet_length({_col(f)}), 0)" for f in fields)
        record = "concat(" + ", ".join(_col(f) for f in fields) + ")"
        breaks = f"{size} - octet_length(replace({record}, E'\\n', ''))"
        line = (
            f"s.row_no + 1 + coalesce(sum({breaks}) over (order by s.row_no"
            " rows between unbounded preceding and 1 preceding), 0)"
        )
    else:
        line = "s.row_no + 1"
    # A field's rules on its staged text are tested in the innermost part, whose scan parallel
    # workers share: one case per field gives the number of the first it breaks (in order: a
    # later one may rely on the earlier ones, as the range check's casts on the shape). Its
    # other rules, on what that part reads (a number, a parent row), come after those and are
    # tested next.
    tested, whens = "", []
    for name, group in itertools.groupby(enumerate(cs.rules, start=1), lambda ir: ir[1].field):
        rules = list(group)
        on_text = [(i, r) for i, r in rules if r.on_text]  # the field's first ones (_compile)
        if on_text:
            broken = _ident("broken_" + name)
            tests = " ".join(f"when {r.condition} then {i}" for i, r in on_text)
            tested += f",\n      case {tests} end as {broken}"
            whens.append(f"when s.{broken} is not null then s.{broken}")
        whens += [f"when {r.condition} then {i}" for i, r in rules[len(on_text) :]]
    case = "\n".join("      " + when for when in whens)
    raw = ", ".join(_col(f) for f in fields)
    parsed = "".join(f", {_parsed_col(f)}" for f in fields if f.kind in NUMBER_SYNTAX)
    read = "".join(f", {r}" for r in cs.read)
    # The casts are guarded by the rules: a value that breaks one is never cast.
    typed = ",\n  ".join(
        f"case when s.rule is null then {_typed(f)} end as {_typed_name(f)}" for f in fields
    )
    by_name = {f.name: f for f in fields}
    partition = ", ".join(
        f"y.{_typed_name(k)}"
        + (' collate "C"' if by_name[k].kind in ("id", "zip", "state", "choice", "text") else "")
        for k in cs.spec.key
    )
    return f"""
create temp table {cs.valid} on commit drop as
select y.*, row_number() over w as rn, first_value(y.line) over w as first_line
from (
  select s.row_no, s.line, s.rule,
  {typed}
  from (
    select s.row_no, {line} as line, {raw}{parsed},
    case
{case}
    end as rule
    from (
      select s.*{read}{tested}
      from {cs.stage} s
      {cs.joins}
      offset 0
    ) s
    offset 0
  ) s
) y
window w as (partition by {partition} order by y.row_no)
"""


GOOD_ROWS = "v.rule is null and v.rn = 1"  # valid, and the first occurrence of its key


def _upsert_sql(cs: CompiledSpec, up: Upsert) -> str:
    """Insert the good rows; a row whose key exists is updated only when a value differs (so an
    unchanged row keeps its ``updated_at``). Returns (inserted, updated)."""
    targets = ", ".join(_ident(t) for t, _ in up.columns)
    values = ", ".join(f"v.{_typed_name(src)}" for _, src in up.columns)
    key = ", ".join(_ident(k) for k in up.key)
    rest = [t for t, _ in up.columns if t not in up.key]
    if rest:
        sets = ", ".join(f"{_ident(t)} = excluded.{_ident(t)}" for t in rest)
        mine = ", ".join(f"t.{_ident(t)}" for t in rest)
        theirs = ", ".join(f"excluded.{_ident(t)}" for t in rest)
        if len(rest) > 1:
            mine, theirs = f"({mine})", f"({theirs})"
        action = f"do update set {sets} where {mine} is distinct from {theirs}"
    else:  # every column is the key (geolocation): the row is there or it is not
        action = "do nothing"
    # The version a statement returns has xmax = 0 when it inserted the row, not when it
    # updated it.
    return f"""
with up as (
  insert into {_ident(up.table)} as t ({targets})
  select {values} from {cs.valid} as v where {GOOD_ROWS}
  on conflict ({key}) {action}
  returning (t.xmax = 0) as inserted
)
select count(*) filter (where inserted), count(*) filter (where not inserted) from up
"""


def _bulk_insert_sql(cs: CompiledSpec, up: Upsert, *, only_new: bool) -> str:
    """A plain insert, for a table locked by this transaction; ``only_new`` leaves out the rows
    whose key the table holds already."""
    targets = ", ".join(_ident(t) for t, _ in up.columns)
    values = ", ".join(f"v.{_typed_name(src)}" for _, src in up.columns)
    where = GOOD_ROWS
    if only_new:
        where += f" and not exists (select from {_ident(up.table)} t where {_same_key(up)})"
    return (
        f"insert into {_ident(up.table)} ({targets})"
        f" select {values} from {cs.valid} as v where {where}"
    )


def _same_key(up: Upsert) -> str:
    src = dict(up.columns)
    return " and ".join(f"t.{_ident(k)} = v.{_typed_name(src[k])}" for k in up.key)


def _update_sql(cs: CompiledSpec, up: Upsert) -> str | None:
    """The update half of an upsert, for a table locked by this transaction: the rows whose key
    exists and whose values differ (an unchanged row keeps its ``updated_at``). None when every
    column is the key."""
    src = dict(up.columns)
    rest = [t for t, _ in up.columns if t not in up.key]
    if not rest:
        return None
    sets = ", ".join(f"{_ident(t)} = v.{_typed_name(src[t])}" for t in rest)
    mine = ", ".join(f"t.{_ident(t)}" for t in rest)
    theirs = ", ".join(f"v.{_typed_name(src[t])}" for t in rest)
    if len(rest) > 1:
        mine, theirs = f"({mine})", f"({theirs})"
    return f"""
update {_ident(up.table)} as t set {sets}
from {cs.valid} as v
where {GOOD_ROWS} and {_same_key(up)} and {mine} is distinct from {theirs}
"""


def _categories_sql(cs: CompiledSpec) -> str:
    col = _typed_name(cs.spec.category_field)
    return f"""
with up as (
  insert into product_categories (product_category_name)
  select distinct {col} from {cs.valid} where rule is null and rn = 1 and {col} is not null
  on conflict (product_category_name) do nothing
  returning 1
)
select count(*) from up
"""


def _rejects_sql(cs: CompiledSpec) -> str:
    raw = ", ".join(_col(f) for f in cs.spec.fields)
    reasons = "\n".join(f"    when {i} then {r.message}" for i, r in enumerate(cs.rules, start=1))
    return f"""
copy (
  select {raw}, v.line as line_number,
  case when v.rule is null then 'duplicate of line ' || v.first_line else case v.rule
{reasons}
  end end as reject_reason
  from {cs.valid} v join {cs.stage} s using (row_no)
  where v.rule is not null or v.rn > 1
  order by v.row_no
) to stdout (format csv, header true, encoding 'UTF8')
"""


def _summary_sql(cs: CompiledSpec) -> str:
    return f"""
select case when rule is null and rn > 1 then 0 else rule end as r, count(*)
from {cs.valid} group by 1
"""


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def find_files(data_dir: Path) -> list[fmt.OlistFile]:
    """The Olist files present in ``data_dir``, in dependency order."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise NoOlistFilesError(f"{data_dir} is not a folder")
    present = [spec for spec in fmt.ALL_FILES if (data_dir / spec.file_name).is_file()]
    if not present:
        names = ", ".join(spec.file_name for spec in fmt.ALL_FILES)
        raise NoOlistFilesError(f"{data_dir} holds none of the Olist files ({names})")
    return present


def check_header(path: Path, spec: fmt.OlistFile) -> None:
    """Raise LoadError unless the file's first line is the expected header."""
    try:
        with path.open("rb") as fh:
            first = fh.readline(64 * 1024)
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not first:
        raise LoadError(f"{path.name}: the file is empty (line 1: no header line)")
    try:
        text = first.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"{path.name}: the header is not UTF-8 (line 1: {exc}); the files must be UTF-8"
        ) from exc
    lines = text.splitlines()  # also splits at a lone CR (old Mac line ends)
    try:
        found = next(csv.reader(lines[:1]), []) if lines else []
    except csv.Error as exc:
        raise LoadError(f"{path.name}: cannot read the header (line 1: {exc})") from exc
    if found != spec.header:
        raise LoadError(
            f"{path.name}: unexpected header ({_header_difference(found, spec.header)}, line 1):"
            f" {found!r}; expected {spec.header!r}"
        )


def _header_difference(found: list[str], expected: list[str]) -> str:
    """What is wrong with a header, in a few words: missing / extra / reordered columns."""
    missing = [name for name in expected if name not in found]
    extra = [name for name in found if name not in expected]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if extra:
        parts.append("extra " + ", ".join(repr(name) for name in extra))
    if not parts:
        parts.append("columns in another order" if len(found) == len(expected) else "repeated")
    return "; ".join(parts)


def _db_error(exc: Exception, context: str) -> LoadError:
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    diag = getattr(cause, "diag", None)
    message = getattr(diag, "message_primary", None) or str(cause).strip().splitlines()[0]
    where = getattr(diag, "context", None)
    if where:
        # "COPY olist_stage_x, line 7: ..." -> "line 7: ..." (the physical line)
        where = re.sub(r"^COPY [^,]+, ", "", where.strip().splitlines()[0])
        if len(where) > 200:
            where = where[:200] + "..."
        message = f"{message} ({where})"
    return LoadError(f"{context}: {message}")


class _Progress:
    def __init__(self, total: int, enabled: bool):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc="load_olist",
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def step(self, text: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=True)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def load_folder(
    data_dir: Path | str,
    *,
    connection=None,
    progress: bool | None = None,
    rejects_dir: Path | str | None = None,
) -> LoadReport:
    """Load every Olist file found in ``data_dir`` in one transaction; see the module docstring.

    ``connection`` is a Django database connection (default: ``django.db.connection``);
    ``progress`` shows a tqdm bar on stderr (default: when stderr is a terminal);
    ``rejects_dir`` defaults to ``data_dir / "rejects"``. Raises LoadError (the database is
    then unchanged) when the folder cannot be loaded.
    """
    started = time.perf_counter()
    data_dir = Path(data_dir)
    connection = connection or default_connection
    rejects_dir = Path(rejects_dir) if rejects_dir is not None else data_dir / REJECTS_DIR_NAME
    if progress is None:
        progress = sys.stderr.isatty()

    files = find_files(data_dir)
    if rejects_dir.resolve() == data_dir.resolve():
        raise LoadError(f"the rejects folder cannot be the data folder ({data_dir})")
    for spec in files:
        check_header(data_dir / spec.file_name, spec)

    report = LoadReport(data_dir=data_dir, rejects_dir=rejects_dir)
    pending: dict[str, Path] = {}  # file name -> written rejects (temporary name)
    created_rejects_dir = False
    bar = _Progress(sum((data_dir / s.file_name).stat().st_size for s in files), progress)

    def temp_rejects_file(file_name: str) -> Path:
        nonlocal created_rejects_dir
        try:
            if not rejects_dir.is_dir():
                rejects_dir.mkdir(parents=True)
                created_rejects_dir = True
            fd, name = tempfile.mkstemp(prefix=f".{file_name}.", suffix=".partial", dir=rejects_dir)
            os.close(fd)
            os.chmod(name, 0o666 & ~_umask())  # mkstemp makes it private; a rejects file is not
        except OSError as exc:
            raise LoadError(f"cannot write the rejects to {rejects_dir}: {exc}") from exc
        return Path(name)

    try:
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as dj_cursor:
                cursor = dj_cursor.cursor  # the psycopg cursor: COPY needs it
                restore = _set_local(cursor, SESSION_SETTINGS)
                _try_set_local(connection, cursor, "temp_buffers", TEMP_BUFFERS)
                # Check the foreign keys at the end of each statement, not at commit: an index
                # cannot be built on a table with pending (deferred) trigger events.
                cursor.execute("set constraints all immediate")
                # The staging tables are named after this session, so that a load running
                # meanwhile in another session never waits for (or deadlocks on) their names.
                cursor.execute("select pg_backend_pid()")
                session = cursor.fetchone()[0]
                for spec in files:
                    table_started = time.perf_counter()
                    compiled = COMPILED[spec.file_name]
                    table_report, rejects = _load_file(
                        cursor,
                        replace(compiled, stage=f"{compiled.stage}_{session}"),
                        data_dir / spec.file_name,
                        bar,
                        temp_rejects_file,
                    )
                    if rejects is not None:
                        pending[spec.file_name] = rejects
                    table_report.seconds = round(time.perf_counter() - table_started, 2)
                    report.tables.append(table_report)
                cursor.execute("set constraints all deferred")  # the tables' own mode
                restore()  # matters only when a caller's transaction goes on after this one
                bar.step("committing")
                commit_started = time.perf_counter()
            logger.debug("commit: %.3f s", time.perf_counter() - commit_started)
        except (DatabaseError, psycopg.Error) as exc:
            raise _db_error(exc, "database error, nothing was loaded") from exc
    except BaseException:
        for path in pending.values():
            path.unlink(missing_ok=True)
        if created_rejects_dir:
            with contextlib.suppress(OSError):
                rejects_dir.rmdir()
        raise
    finally:
        bar.close()

    # Committed: put the rejects in place, and drop stale ones of the files just loaded.
    for table_report in report.tables:
        final = rejects_dir / table_report.file_name
        try:
            if table_report.file_name in pending:
                os.replace(pending.pop(table_report.file_name), final)
                table_report.rejects_file = final
            else:
                final.unlink(missing_ok=True)
        except OSError as exc:
            for path in pending.values():
                path.unlink(missing_ok=True)
            raise LoadError(
                f"the data was loaded, but the rejects could not be written to {final}: {exc}"
            ) from exc
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _set_local(cursor, settings: dict[str, str]):
    """SET LOCAL each setting; return a function that puts the previous values back."""
    names = list(settings)
    cursor.execute("select " + ", ".join(f"current_setting({_lit(n)})" for n in names))
    previous = cursor.fetchone()
    for name, value in settings.items():
        cursor.execute(f"select set_config({_lit(name)}, {_lit(value)}, true)")

    def restore() -> None:
        for name, value in zip(names, previous, strict=True):
            cursor.execute(f"select set_config({_lit(name)}, {_lit(value)}, true)")

    return restore


def _try_set_local(connection, cursor, name: str, value: str) -> None:
    """SET LOCAL a setting the server may refuse; then it keeps its value (a savepoint undoes
    the failed statement, so the transaction goes on)."""
    with (
        contextlib.suppress(DatabaseError, psycopg.Error),
        transaction.atomic(using=connection.alias),
    ):
        cursor.execute(f"select set_config({_lit(name)}, {_lit(value)}, true)")


def _existing_rows(cursor, table: str, limit: int) -> int:
    """How many rows the table holds, counted up to ``limit + 1`` (enough to compare)."""
    cursor.execute(f"select count(*) from (select from {_ident(table)} limit {int(limit) + 1}) t")
    return cursor.fetchone()[0]


def _write(cursor, cs: CompiledSpec, up: Upsert, clean: int) -> tuple[int, int]:
    """Write the good rows of ``cs`` into ``up.table``; return (inserted, updated).

    A load that brings at least ``REBUILD_MIN_ROWS`` rows and at least as many as the table
    holds takes the bulk path (``_bulk_write``); a small load into a larger table is upserted
    row by row, its indexes and foreign keys maintained as usual.
    """
    if clean >= REBUILD_MIN_ROWS and _existing_rows(cursor, up.table, clean) <= clean:
        # The lock DROP INDEX takes anyway, held until the commit: nobody else writes the
        # table meanwhile, so what is seen under the lock stays true until then.
        _execute(cursor, f"lock table {_ident(up.table)} in access exclusive mode", "lock")
        existing = _existing_rows(cursor, up.table, clean)
        if existing <= clean:
            return _bulk_write(cursor, cs, up, empty=existing == 0)
    _execute(cursor, _upsert_sql(cs, up), f"{up.table} upsert")
    inserted, updated = cursor.fetchone()
    return inserted, updated


def _bulk_write(cursor, cs: CompiledSpec, up: Upsert, *, empty: bool) -> tuple[int, int]:
    """A table locked by this transaction: drop its plain indexes, its foreign keys and the
    primary key and unique constraints no foreign key depends on, write the rows set-based,
    then add the constraints and build the indexes again.

    All come back with the same names and definitions, in the same transaction (a failed run
    restores them with everything else). Building an index once is several times faster than
    maintaining it row by row; adding a unique constraint again checks every key in that
    build (the rows written are unique by key already: repeated keys of the file were
    rejected and keys the table holds were updated, not inserted); adding a foreign key
    checks every row in one join instead of one locking look-up of the parent per row (the
    rows were checked against their parents already, so the join finds nothing). With nobody
    else writing the table, an upsert is an update of the rows whose key exists and whose
    values differ, then an insert of the rows whose key does not exist: two hash joins
    instead of a speculative insert per row. A unique constraint that a foreign key depends
    on (the parent's key) stays: dropping it would mean dropping the other tables' keys.
    """
    table = _ident(up.table)
    indexes = _secondary_indexes(cursor, up.table)
    foreign_keys = _foreign_keys(cursor, up.table)
    unique = _independent_unique_constraints(cursor, up.table)
    for name, _ in foreign_keys:
        cursor.execute(f"alter table {table} drop constraint {_ident(name)}")
    for name, _ in unique:
        cursor.execute(f"alter table {table} drop constraint {_ident(name)}")
    for name, _ in indexes:
        cursor.execute(f"drop index {name}")
    updated = 0
    update = None if empty else _update_sql(cs, up)
    if update is not None:
        updated = _execute(cursor, update, f"{up.table} update").rowcount
    insert = _bulk_insert_sql(cs, up, only_new=not empty)
    inserted = _execute(cursor, insert, f"{up.table} insert").rowcount
    for name, definition in unique:
        _execute(
            cursor,
            f"alter table {table} add constraint {_ident(name)} {definition}",
            f"{up.table} unique",
        )
    for _, definition in indexes:
        _execute(cursor, definition, f"{up.table} index")
    for name, definition in foreign_keys:
        _execute(
            cursor,
            f"alter table {table} add constraint {_ident(name)} {definition}",
            f"{up.table} foreign key",
        )
    return inserted, updated


def _foreign_keys(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's own foreign keys (not of those pointing at it)."""
    cursor.execute(
        """
        select conname, pg_get_constraintdef(oid)
        from pg_constraint
        where conrelid = %s::regclass and contype = 'f'
        order by 1
        """,
        [_ident(table)],
    )
    return cursor.fetchall()


def _independent_unique_constraints(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's primary key and unique constraints that no foreign
    key references and that are not the table's replica identity."""
    cursor.execute(
        """
        select c.conname, pg_get_constraintdef(c.oid)
        from pg_constraint c
        join pg_index i on i.indexrelid = c.conindid
        where c.conrelid = %s::regclass and c.contype in ('p', 'u')
          and not i.indisreplident
          and not exists (
            select from pg_constraint f where f.contype = 'f' and f.conindid = c.conindid
          )
        order by 1
        """,
        [_ident(table)],
    )
    return cursor.fetchall()


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's plain indexes: not unique, not behind a constraint."""
    cursor.execute(
        """
        select i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        from pg_index i
        where i.indrelid = %s::regclass
          and not i.indisunique and not i.indisclustered and i.indisvalid and i.indisready
          and not exists (select from pg_constraint c where c.conindid = i.indexrelid)
        order by 1
        """,
        [_ident(table)],
    )
    return cursor.fetchall()


def _execute(cursor, sql: str, what: str):
    """Run one statement; its duration goes to the ``dataset.loader`` logger (DEBUG)."""
    started = time.perf_counter()
    cursor.execute(sql)
    logger.debug("%s: %.3f s", what, time.perf_counter() - started)
    return cursor


def _load_file(cursor, cs: CompiledSpec, path: Path, bar: _Progress, temp_rejects_file):
    spec = cs.spec
    name = spec.file.file_name
    bar.step(f"{spec.file.table}: copy")
    cursor.execute(f"drop table if exists {cs.stage}, {cs.valid}")
    cursor.execute(_stage_sql(cs))

    newlines = 0  # in what is sent: line ends, and line breaks inside quoted fields
    started = time.perf_counter()
    try:
        with path.open("rb") as fh, cursor.copy(_copy_in_sql(cs)) as copy:
            held, first = b"", True
            while chunk := fh.read(CHUNK_BYTES):
                data = held + (chunk.removeprefix(codecs.BOM_UTF8) if first else chunk)
                first = False
                # Hold back trailing line ends until more data comes: at the end of the file
                # they are dropped, so empty lines there do not count as (broken) records.
                body = data.rstrip(b"\r\n")
                held = data[len(body) :]
                newlines += body.count(b"\n")
                copy.write(body)
                bar.update(len(chunk))
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (DatabaseError, psycopg.Error) as exc:
        error = _db_error(exc, f"{name}: cannot load the CSV")
        diag = getattr(exc.__cause__ if exc.__cause__ is not None else exc, "diag", None)
        if getattr(diag, "sqlstate", None) == BAD_ENCODING:
            # A NUL byte is valid UTF-8 but no PostgreSQL text can hold it.
            hint = (
                "a NUL byte cannot be loaded"
                if (diag.message_primary or "").endswith(": 0x00")
                else "the files must be UTF-8 (a Latin-1 or Windows-1252 export gives this)"
            )
            error = LoadError(f"{error}: {hint}")
        raise error from exc

    read = cursor.rowcount  # COPY's row count
    logger.debug("%s copy: %.3f s", spec.file.table, time.perf_counter() - started)
    # Without line breaks inside fields, the data sent has exactly one line end per record
    # (the header's): then a record's line number is its row number + 1.
    embedded_newlines = newlines != read

    bar.step(f"{spec.file.table}: validate")
    _execute(cursor, _validate_sql(cs, embedded_newlines), f"{spec.file.table} validate")

    report = TableReport(table=spec.file.table, file_name=name, read=read)
    _execute(cursor, _summary_sql(cs), f"{spec.file.table} summary")
    by_rule = {r: n for r, n in cursor.fetchall()}
    clean = by_rule.pop(None, 0)
    report.rejected = sum(by_rule.values())
    labels = {0: "duplicate of an earlier line"} | {
        i: r.label for i, r in enumerate(cs.rules, start=1)
    }
    report.top_reasons = [
        (labels[r], n) for r, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    ]

    bar.step(f"{spec.file.table}: upsert")
    if spec.category_field is not None:
        _execute(cursor, _categories_sql(cs), "categories from products")
        created = cursor.fetchone()[0]
        report.also["product_categories"] = Counts(inserted=created)
    for i, up in enumerate(spec.upserts):
        inserted, updated = _write(cursor, cs, up, clean)
        counts = Counts(inserted, updated, clean - inserted - updated)
        if i == 0:
            report.counts = counts
        else:
            report.also[up.table] = counts
        _execute(cursor, f"analyze {_ident(up.table)}", f"{up.table} analyze")

    rejects = None
    if report.rejected:
        bar.step(f"{spec.file.table}: rejects")
        rejects = temp_rejects_file(name)
        started = time.perf_counter()
        with rejects.open("wb") as out, cursor.copy(_rejects_sql(cs)) as copy:
            for data in copy:
                out.write(data)
        logger.debug("%s rejects: %.3f s", spec.file.table, time.perf_counter() - started)
    cursor.execute(f"drop table {cs.stage}, {cs.valid}")
    return report, rejects
