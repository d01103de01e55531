"""The production warehouse: Amazon Redshift, reached through the Redshift Data API.

``RedshiftWarehouse`` implements the ``Warehouse`` protocol (``protocol.py``), as
``PostgresWarehouse`` does, so the task bodies run unchanged against either; only ``dialect``
differs (the dbt models reach Redshift through dbt-redshift, not through this class). The Data
API suits MWAA: calls are HTTPS requests signed with the task's AWS credentials, so there is
no driver, no network path to the cluster's port and no database password in Airflow. Its
``BatchExecuteStatement`` runs a list of statements as one transaction, which is exactly
``run_script``'s promise. Calls are asynchronous: each returns a statement id that is polled
with ``DescribeStatement`` until it finishes, fails or is aborted.

Loading a partition uses Redshift's own bulk path, ``COPY ... FORMAT AS PARQUET`` from S3, in
place of streaming rows through the client. COPY reads the files a *Redshift manifest* names,
and the lake writes that manifest from its own partition manifest, so Redshift loads exactly the
files the partition commits and never an orphan of an unfinished write (see ``lake/partitions.py``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from olist_pipeline.lake.partitions import Lake, Manifest, S3Storage, partition_key
from olist_pipeline.warehouse.protocol import (
    SCHEMAS,
    LoadResult,
    Script,
    Statement,
    create_load_table_sql,
    load_table_name,
    sql_type,
)

# The Data API's limit on the statements of one BatchExecuteStatement (one transaction).
MAX_BATCH_STATEMENTS = 40
# Beside the lake manifest in the partition folder. The name does not end in "/_manifest.json",
# so the lake never takes it for a partition; the next commit of the partition deletes it.
REDSHIFT_MANIFEST_NAME = "_redshift_manifest.json"
_RUNNING = ("SUBMITTED", "PICKED", "STARTED")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# psycopg's placeholders, as callers of query() write them: %(name)s, %% (a literal %), %s.
_PLACEHOLDER = re.compile(r"%\((?P<name>[^)]*)\)s|%%|%s")


class RedshiftStatementError(RuntimeError):
    """A statement that Redshift reported as FAILED or ABORTED, with Redshift's message."""

    def __init__(self, statement_id: str, status: str, message: str, sql: str | None):
        self.statement_id = statement_id
        self.status = status
        self.message = message
        self.sql = sql
        detail = f"\nstatement: {sql}" if sql else ""
        super().__init__(f"Redshift statement {statement_id} {status}: {message}{detail}")


class LakeNotOnS3(ValueError):
    """Redshift's COPY reads from S3 only; a local lake cannot be loaded into Redshift."""


# --- SQL text, pure functions -------------------------------------------------------------------


def sql_literal(value: str) -> str:
    """``value`` as a Redshift string literal.

    Quotes are doubled. Redshift also reads backslash escapes inside literals, so a value with a
    backslash (or a NUL) is refused rather than quoted: nothing the pipeline writes (S3 URIs,
    role ARNs, run ids, dates) should contain one.
    """
    if "\\" in value or "\x00" in value:
        raise ValueError(f"refusing to quote a value with a backslash or NUL: {value!r}")
    return "'" + value.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """``name`` if it is a plain lowercase identifier (the lake's column names are)."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain lowercase SQL identifier")
    return name


def iam_role_clause(iam_role: str) -> str:
    """COPY's authorisation: a role ARN (or comma-chained ARNs), or ``default``, the role the
    cluster has marked as its default."""
    if iam_role == "default":
        return "iam_role default"
    return f"iam_role {sql_literal(iam_role)}"


def redshift_manifest(files: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """The COPY manifest for ``(s3 uri, size in bytes)`` pairs.

    Every entry is mandatory, so a file deleted after the lake manifest was read fails the COPY
    (and its transaction) instead of loading a partial partition. Parquet needs each file's
    ``content_length``, which the lake manifest records.
    """
    return {
        "entries": [
            {"url": uri, "mandatory": True, "meta": {"content_length": size}} for uri, size in files
        ]
    }


def copy_parquet_sql(target: str, columns: Sequence[str], manifest_uri: str, iam_role: str) -> str:
    """COPY the Parquet files a manifest lists into ``target``.

    For Parquet, COPY maps file columns to the column list by position, so ``columns`` must be in
    the files' order (the lake manifest's order).
    """
    column_list = ", ".join(identifier(name) for name in columns)
    return (
        f"copy {target} ({column_list})\n"
        f"from {sql_literal(manifest_uri)}\n"
        f"{iam_role_clause(iam_role)}\n"
        "format as parquet\n"
        "manifest"
    )


def load_statements(
    manifest: Manifest, redshift_manifest_uri: str | None, iam_role: str
) -> list[str]:
    """The transaction that replaces a partition's rows in ``staging.lake_<table>``.

    The files are copied into a temporary table shaped like the partition (COPY of Parquet takes
    the files' columns and nothing else), then inserted with the partition's ``_ingest_date`` and
    ``_run_id``. The last statement counts the day's rows inside the same transaction, so the
    count is what this load committed, whatever runs after it; counting the target (rather than
    ``pg_last_copy_count()``, what COPY read into the temporary table) also checks the insert.
    Its result is read back with ``GetStatementResult`` on that sub-statement. A partition
    without files (``redshift_manifest_uri`` None) has nothing to COPY and only clears the day.
    """
    table = identifier(manifest.table)
    names = [identifier(column["name"]) for column in manifest.columns]
    target = load_table_name(table)
    day = sql_literal(date.fromisoformat(manifest.ingest_date).isoformat())
    statements = [
        create_load_table_sql(table, manifest.columns, "redshift"),
        f"delete from {target} where _ingest_date = {day}",
    ]
    if redshift_manifest_uri is not None:
        loading = f"load_{table}"
        body = ",\n".join(
            f"    {column['name']} {sql_type(column['type'], 'redshift')}"
            for column in manifest.columns
        )
        column_list = ", ".join(names)
        statements += [
            f"create temp table {loading} (\n{body}\n)",
            copy_parquet_sql(loading, names, redshift_manifest_uri, iam_role),
            f"insert into {target} ({column_list}, _ingest_date, _run_id)\n"
            f"select {column_list}, {day}::date, {sql_literal(manifest.run_id)}\n"
            f"from {loading}",
            f"drop table {loading}",
        ]
    statements.append(f"select count(*) from {target} where _ingest_date = {day}")
    return statements


def data_api_sql(sql: str, params: Mapping[str, Any] | None) -> tuple[str, list[dict[str, str]]]:
    """psycopg-style SQL and parameters in the Data API's form.

    Callers write ``%(name)s`` placeholders with a dict, as for ``PostgresWarehouse.query``; the
    Data API wants ``:name`` and ``[{"name": ..., "value": <text>}]``, and Redshift casts each
    text value to the type the statement needs. ``%%`` becomes ``%``, as psycopg does when
    parameters are given. Positional ``%s`` placeholders and null or empty values have no Data
    API form and are refused.
    """
    if params is None:
        return sql, []
    used: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        if match[0] == "%%":
            return "%"
        name = match["name"]
        if name is None:
            raise ValueError("positional %s placeholders are not supported; use %(name)s")
        if not re.fullmatch(r"[0-9a-zA-Z_]+", name):
            raise ValueError(f"parameter name {name!r} is not allowed by the Data API")
        if name not in params:
            raise KeyError(f"no value for the parameter {name!r}")
        used[name] = _parameter_text(name, params[name])
        return f":{name}"

    converted = _PLACEHOLDER.sub(replace, sql)
    return converted, [{"name": name, "value": value} for name, value in used.items()]


def _parameter_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, date | datetime):
        text = value.isoformat()
    elif isinstance(value, str | int | float | Decimal):
        text = str(value)
    else:
        raise TypeError(f"parameter {name!r}: no Data API form for a {type(value).__name__}")
    if not text:
        raise ValueError(f"parameter {name!r}: the Data API cannot pass null or empty values")
    return text


def inline_parameters(statement: Statement) -> str:
    """``statement``'s SQL with its parameters written in as literals.

    ``BatchExecuteStatement`` (one transaction) takes no parameters, and ``ExecuteStatement``
    none that is null, so the values of a script's statements are bound here, the one place
    that writes Redshift literals: text with its quotes doubled and, since Redshift reads a
    backslash in a literal as an escape, its backslashes too (NULs dropped); timestamps as UTC
    ``timestamptz``.
    """

    def literal(name: str) -> str:
        if name not in statement.params:
            raise KeyError(f"no value for the parameter {name!r}")
        value = statement.params[name]
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float | Decimal):
            return str(value)
        if isinstance(value, datetime):
            moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            return f"cast('{moment.astimezone(UTC).isoformat(sep=' ')}' as timestamptz)"
        if isinstance(value, date):
            return f"cast('{value.isoformat()}' as date)"
        text = str(value).replace("\x00", "").replace("'", "''").replace("\\", "\\\\")
        return f"'{text}'"

    def replace(match: re.Match[str]) -> str:
        if match[0] == "%%":
            return "%"
        if match["name"] is None:
            raise ValueError("positional %s placeholders are not supported; use %(name)s")
        return literal(match["name"])

    if not statement.params:
        return statement.sql
    return _PLACEHOLDER.sub(replace, statement.sql)


def python_value(field: Mapping[str, Any], type_name: str = "") -> Any:
    """One Data API result field as the value psycopg would give for the column's type.

    The Data API returns numerics, dates and timestamps as text (``stringValue``); the column's
    ``typeName`` says how to read them, so results compare equal to ``PostgresWarehouse``'s.
    """
    if field.get("isNull"):
        return None
    for kind in ("booleanValue", "longValue", "doubleValue", "blobValue"):
        if kind in field:
            return field[kind]
    text = field["stringValue"]
    if type_name == "numeric":
        return Decimal(text)
    if type_name == "date":
        return date.fromisoformat(text)
    if type_name in ("timestamp", "timestamptz"):
        return datetime.fromisoformat(text)
    return text


# --- The warehouse ------------------------------------------------------------------------------


class RedshiftWarehouse:
    """Redshift through the Data API client ``client`` (boto3 ``redshift-data``).

    The caller builds the client (from the Airflow AWS connection; see
    ``redshift_warehouse_from``), so tests can pass a stubbed one. The target is a provisioned
    cluster (``cluster_identifier``, authenticated as ``db_user`` with temporary credentials, by
    ``secret_arn``, or by the caller's IAM identity when neither is given) or a Serverless
    workgroup (``workgroup_name``, optionally with ``secret_arn``). ``iam_role`` is the role
    COPY assumes to read the lake (an ARN, or ``default``).
    """

    dialect = "redshift"

    def __init__(
        self,
        client: Any,
        *,
        database: str,
        iam_role: str,
        cluster_identifier: str | None = None,
        workgroup_name: str | None = None,
        db_user: str | None = None,
        secret_arn: str | None = None,
        poll_interval: float = 1.0,
        timeout: float = 3600.0,
    ):
        if (cluster_identifier is None) == (workgroup_name is None):
            raise ValueError("give exactly one of cluster_identifier and workgroup_name")
        if db_user is not None and workgroup_name is not None:
            raise ValueError("db_user applies to a provisioned cluster, not a workgroup")
        self.client = client
        self.iam_role = iam_role
        self.poll_interval = poll_interval
        self.timeout = timeout
        target = {
            "Database": database,
            "ClusterIdentifier": cluster_identifier,
            "WorkgroupName": workgroup_name,
            "DbUser": db_user,
            "SecretArn": secret_arn,
        }
        self.target = {key: value for key, value in target.items() if value is not None}

    def create_schemas(self) -> None:
        self.run_script([f"create schema if not exists {schema}" for schema in SCHEMAS])

    def run_script(self, statements: Script) -> None:
        """Run ``statements`` in one transaction (one Data API batch): all of them take effect,
        or none. Parameters are written in as literals (``inline_parameters``)."""
        if statements:
            self._run_batch([s if isinstance(s, str) else inline_parameters(s) for s in statements])

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """Rows of ``sql`` as tuples of Python values; ``params`` as for psycopg (a dict for
        ``%(name)s`` placeholders, see ``data_api_sql``)."""
        text, parameters = data_api_sql(sql, params)
        request = {**self.target, "Sql": text}
        if parameters:
            request["Parameters"] = parameters
        statement_id = self.client.execute_statement(**request)["Id"]
        description = self._wait(statement_id)
        if not description.get("HasResultSet"):
            return []
        return self._rows(statement_id)

    def load_partition(self, lake: Lake, table: str, ingest_date: date | str) -> LoadResult:
        """Replace ``ingest_date``'s rows of ``staging.lake_<table>`` with the partition's.

        One Data API batch, so one transaction: create the table if needed, delete the day, COPY
        the committed files into a temporary table, insert them with the load's columns, count.
        The count is checked against the lake manifest after the commit (a batch cannot branch
        on a result), as ``PostgresWarehouse`` does; a mismatch raises, which stops the run before
        any model reads the table, and the next load of the day replaces the rows.
        """
        if not isinstance(lake.storage, S3Storage):
            raise LakeNotOnS3(
                f"Redshift loads partitions with COPY from S3; the lake at {lake.uri} is not on"
                " S3 (use an s3:// LAKE_URI, or the PostgreSQL warehouse for a local lake)"
            )
        manifest = lake.manifest("processed", table, ingest_date)
        if manifest is None:
            raise FileNotFoundError(
                f"no committed partition {partition_key('processed', table, ingest_date)}"
                f" in {lake.uri}"
            )
        manifest_uri = None
        if manifest.files:
            base = partition_key("processed", table, manifest.ingest_date)
            key = f"{base}/{REDSHIFT_MANIFEST_NAME}"
            sizes = [entry.bytes for entry in manifest.files]
            entries = redshift_manifest(list(zip(lake.file_uris(manifest), sizes, strict=True)))
            lake.storage.put_bytes(key, json.dumps(entries, indent=2).encode())
            manifest_uri = lake.storage.uri(key)
        description = self._run_batch(load_statements(manifest, manifest_uri, self.iam_role))
        count_statement = description["SubStatements"][-1]["Id"]
        rows = self._rows(count_statement)[0][0]
        if rows != manifest.rows:
            raise RuntimeError(f"{table}: loaded {rows} rows, the manifest says {manifest.rows}")
        return LoadResult(table, manifest.ingest_date, rows)

    # The Data API ---------------------------------------------------------------------------

    def _run_batch(self, statements: list[str]) -> dict[str, Any]:
        if len(statements) > MAX_BATCH_STATEMENTS:
            raise ValueError(
                f"{len(statements)} statements: the Data API runs at most"
                f" {MAX_BATCH_STATEMENTS} in one transaction; split the script"
            )
        statement_id = self.client.batch_execute_statement(**self.target, Sqls=statements)["Id"]
        return self._wait(statement_id)

    def _wait(self, statement_id: str) -> dict[str, Any]:
        """Poll until the statement finishes; raise with Redshift's message if it does not."""
        deadline = time.monotonic() + self.timeout
        while True:
            description = self.client.describe_statement(Id=statement_id)
            status = description["Status"]
            if status == "FINISHED":
                return description
            if status not in _RUNNING:
                raise _statement_error(description)
            if time.monotonic() >= deadline:
                self.client.cancel_statement(Id=statement_id)
                raise TimeoutError(
                    f"Redshift statement {statement_id} still {status} after {self.timeout}s;"
                    " cancelled"
                )
            time.sleep(self.poll_interval)

    def _rows(self, statement_id: str) -> list[tuple]:
        rows: list[tuple] = []
        types: list[str] = []
        request: dict[str, Any] = {"Id": statement_id}
        while True:
            page = self.client.get_statement_result(**request)
            # The column types come with the first page; later pages may omit them.
            types = types or [
                column.get("typeName", "") for column in page.get("ColumnMetadata", [])
            ]
            for record in page["Records"]:
                kinds = types or [""] * len(record)
                rows.append(tuple(map(python_value, record, kinds)))
            if not page.get("NextToken"):
                return rows
            request["NextToken"] = page["NextToken"]


def _statement_error(description: Mapping[str, Any]) -> RedshiftStatementError:
    """The error of a failed statement; for a batch, the failing statement's text."""
    failed = [
        sub
        for sub in description.get("SubStatements", [])
        if sub.get("Status") in ("FAILED", "ABORTED")
    ]
    source = failed[0] if failed else description
    message = description.get("Error") or source.get("Error") or "no message from Redshift"
    return RedshiftStatementError(
        description["Id"], description["Status"], message, source.get("QueryString")
    )


def redshift_warehouse_from(aws_conn_id: str, **target: Any) -> RedshiftWarehouse:
    """A ``RedshiftWarehouse`` whose Data API client comes from the Airflow AWS connection
    ``aws_conn_id`` (its credentials, role and region); ``target`` as for the class."""
    from airflow.providers.amazon.aws.hooks.redshift_data import RedshiftDataHook

    return RedshiftWarehouse(RedshiftDataHook(aws_conn_id=aws_conn_id).conn, **target)
