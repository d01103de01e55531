"""What every warehouse offers the pipeline: the ``Warehouse`` protocol, and the staging tables
the lake's processed partitions are loaded into.

Each processed table lands in ``staging.lake_<table>``, with the partition's columns (their
types read from the partition's manifest, so the warehouse follows the processed contract
without a second copy of it) plus ``_ingest_date`` and ``_run_id``. Loading a partition
replaces that ingest date's rows in one transaction, so a rerun or a backfill leaves the table
as one load would. ``PostgresWarehouse`` (``postgres``) and ``RedshiftWarehouse``
(``redshift``) implement the protocol; the warehouse connection's type picks one
(``olist_pipeline.orchestration.connections.warehouse``).

Values never reach SQL text through a caller: a statement carries them as bound parameters
(``Statement``), and each warehouse binds them its own way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the DAG file imports this module: no pyarrow at parse time
    from olist_pipeline.lake.partitions import Lake

SCHEMAS = ("staging", "core", "marts", "audit")
LOAD_TABLE_PREFIX = "lake_"
# Redshift's varchar is limited to 65,535 bytes and has no text type.
_REDSHIFT_TEXT = "varchar(65535)"


class UnsupportedColumnType(ValueError):
    pass


def load_table_name(table: str) -> str:
    return f"staging.{LOAD_TABLE_PREFIX}{table}"


def sql_type(arrow_type: str, dialect: str) -> str:
    """The warehouse type of a manifest column type (``str(pyarrow type)``)."""
    if match := re.fullmatch(r"decimal128\((\d+), (\d+)\)", arrow_type):
        return f"numeric({match[1]},{match[2]})"
    if arrow_type.startswith("timestamp[") and "tz=" in arrow_type:
        return "timestamptz"
    types = {
        "string": _REDSHIFT_TEXT if dialect == "redshift" else "text",
        "large_string": _REDSHIFT_TEXT if dialect == "redshift" else "text",
        "bool": "boolean",
        "int16": "smallint",
        "int32": "integer",
        "int64": "bigint",
        "double": "double precision",
        "date32[day]": "date",
    }
    if arrow_type not in types:
        raise UnsupportedColumnType(f"no warehouse type for the lake column type {arrow_type!r}")
    return types[arrow_type]


def create_load_table_sql(table: str, columns: list[dict[str, str]], dialect: str) -> str:
    """``create table if not exists`` for a load table with the partition's columns."""
    lines = [f"    {c['name']} {sql_type(c['type'], dialect)}" for c in columns]
    lines += [
        "    _ingest_date date not null",
        f"    _run_id {sql_type('string', dialect)} not null",
    ]
    body = ",\n".join(lines)
    # Every load deletes one ingest date: Redshift sorts by it, PostgreSQL indexes it.
    options = "\ncompound sortkey (_ingest_date)" if dialect == "redshift" else ""
    return f"create table if not exists {load_table_name(table)} (\n{body}\n){options}"


@dataclass(frozen=True)
class LoadResult:
    table: str
    ingest_date: str
    rows: int


@dataclass(frozen=True)
class Statement:
    """One SQL statement and the values of its ``%(name)s`` placeholders (psycopg's style; a
    literal ``%`` is written ``%%`` when there are parameters)."""

    sql: str
    params: Mapping[str, Any] = field(default_factory=dict)


Script = Sequence[str | Statement]


class Warehouse(Protocol):
    """The warehouse the pipeline loads and models: PostgreSQL locally, Redshift in AWS."""

    dialect: str  # "postgres" or "redshift"

    def create_schemas(self) -> None:
        """Create the warehouse's schemas when missing."""

    def load_partition(self, lake: Lake, table: str, ingest_date: date | str) -> LoadResult:
        """Replace ``ingest_date``'s rows of ``staging.lake_<table>`` with the partition's."""

    def run_script(self, statements: Script) -> None:
        """Run ``statements`` in one transaction: all of them take effect, or none."""

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """The rows of one query, its ``%(name)s`` placeholders bound to ``params``."""
