"""The run audit: one row per failed task and per finished run, in ``audit.pipeline_runs``.

Airflow keeps the same facts in its metadata database, but that database is the orchestrator's
(MWAA's, in AWS) and is not where analysts look; a row in the warehouse sits beside the data it
explains and outlives Airflow's own clean-ups. Columns:

================  ==================================================================
dag_id            the DAG
run_id            the DAG run (``scheduled__...``, ``manual__...``)
task_id           the task that failed; null on a run's own row
map_index         the mapped task's index (-1 when the task is not mapped); null on a run's row
try_number        the attempt (1, 2, ...); null on a run's row
state             ``failed`` (``up_for_retry`` from a retry callback), ``success``,
                  ``running`` (from an execute callback, written when the attempt starts),
                  or ``skipped`` (a stage a quiet day did not need: ``record_skipped``)
logical_date      the run's logical date (null for a run without one)
started_at        when the task instance (or the run) started
finished_at       when it ended (the callback's moment when Airflow has not set it yet)
error             the exception as ``Type: message``, cut to 2,000 characters; on a
                  ``skipped`` row, why it was skipped
recorded_at       when the row was written
================  ==================================================================

``make_audit_callback(warehouse_factory, state=...)`` returns a task callback (the DAG sets one
as ``on_failure_callback``, one with ``state="success"`` as ``on_success_callback``, so the
table also holds every stage's seconds); the factory builds the warehouse when the callback
runs, so the DAG file does not touch a connection while it is parsed and tests pass a
warehouse of their own. The callback never raises: an audit that
cannot be written is logged, and Airflow reports the task's own failure as usual.

**An attempt that dies without a word.** A worker killed with SIGKILL (the out-of-memory
killer, a lost host, a node recycled under MWAA) runs no callback, so its failure would leave no
row. With ``make_audit_callback(..., state="running")`` as the ``on_execute_callback``, every
attempt writes a ``running`` row when it starts; the next attempt of the same task (Airflow's
retry, or a cleared task) finds the earlier ``running`` row that no outcome followed and records
that attempt as ``failed`` (``ABANDONED_ERROR``; ``finished_at`` null, the moment of death being
unknown) before its own ``running`` row. The table stays append-only.

The row goes through ``Warehouse.run_script`` with its values as bound parameters, so the same
code writes it to PostgreSQL and to Redshift (where the Data API's batch binds them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from olist_pipeline.warehouse.protocol import Statement, Warehouse

log = logging.getLogger(__name__)

TABLE = "audit.pipeline_runs"
STATES = ("failed", "up_for_retry", "success", "running", "skipped")
ABANDONED_ERROR = (
    "the attempt ended without recording an outcome (its worker was killed or lost);"
    " noticed by try {try_number}"
)
ERROR_LIMIT = 2000
# Redshift measures varchar in bytes: 2,000 characters of UTF-8 take up to 8,000.
CREATE_TABLE_SQL = f"""
create table if not exists {TABLE} (
    dag_id varchar(250) not null,
    run_id varchar(250) not null,
    task_id varchar(250),
    map_index integer,
    try_number integer,
    state varchar(16) not null,
    logical_date timestamptz,
    started_at timestamptz,
    finished_at timestamptz,
    error varchar(8000),
    recorded_at timestamptz not null
)
""".strip()
COLUMNS = (
    "dag_id",
    "run_id",
    "task_id",
    "map_index",
    "try_number",
    "state",
    "logical_date",
    "started_at",
    "finished_at",
    "error",
    "recorded_at",
)


def record_run(
    warehouse: Warehouse,
    dag_id: str,
    run_id: str,
    state: str,
    *,
    logical_date: datetime | None = None,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    error: str | BaseException | None = None,
    task_id: str | None = None,
    map_index: int | None = None,
    try_number: int | None = None,
) -> dict[str, Any]:
    """Write one row (a run's, or with ``task_id`` a task's); the row as written.

    ``finished_at`` defaults to now (null for a ``running`` row). Creates the schema and table
    if missing, in the same transaction as the insert. A task's ``running`` row first records
    its earlier attempts that started and never ended as ``failed`` (``abandoned_attempts``).
    """
    if state not in STATES:
        raise ValueError(f"state {state!r}; expected one of {', '.join(STATES)}")
    now = datetime.now(UTC)
    row = {
        "dag_id": dag_id,
        "run_id": run_id,
        "task_id": task_id,
        "map_index": map_index,
        "try_number": try_number,
        "state": state,
        "logical_date": logical_date,
        "started_at": started_at,
        "finished_at": None if state == "running" else (finished_at or now),
        "error": error_text(error),
        "recorded_at": now,
    }
    insert = _insert(row)
    abandoned = [abandoned_attempts(row)] if state == "running" and task_id and try_number else []
    warehouse.run_script(
        ["create schema if not exists audit", CREATE_TABLE_SQL, *abandoned, insert]
    )
    return row


def record_skipped(
    warehouse: Warehouse, dag_id: str, run_id: str, task_ids: list[str], *, reason: str
) -> None:
    """Write a ``skipped`` row, with ``reason``, for each of ``task_ids`` of the run, in one
    transaction. Airflow runs no callback of a task it skips, so the task that decided to skip
    them writes their rows: the audit then accounts for every stage of every run."""
    if not task_ids:
        return
    now = datetime.now(UTC)
    inserts = [
        _insert(
            {
                **dict.fromkeys(COLUMNS),
                "dag_id": dag_id,
                "run_id": run_id,
                "task_id": task_id,
                "state": "skipped",
                "started_at": now,
                "finished_at": now,
                "error": reason,
                "recorded_at": now,
            }
        )
        for task_id in sorted(task_ids)
    ]
    warehouse.run_script(["create schema if not exists audit", CREATE_TABLE_SQL, *inserts])


def _insert(row: dict[str, Any]) -> Statement:
    """The statement adding ``row`` (every column of ``COLUMNS``) to the table."""
    placeholders = ", ".join(f"%({column})s" for column in COLUMNS)
    return Statement(f"insert into {TABLE} ({', '.join(COLUMNS)}) values ({placeholders})", row)


def abandoned_attempts(row: dict[str, Any]) -> Statement:
    """The statement recording as ``failed`` every earlier attempt of ``row``'s task that wrote
    its ``running`` row and no outcome after it (the worker died before any callback)."""
    same_task = (
        "{alias}.dag_id = %(dag_id)s and {alias}.run_id = %(run_id)s"
        " and {alias}.task_id = %(task_id)s"
        " and coalesce({alias}.map_index, -1) = coalesce(%(map_index)s, -1)"
    )
    columns = ", ".join(COLUMNS)
    sql = (
        f"insert into {TABLE} ({columns})"
        " select started.dag_id, started.run_id, started.task_id, started.map_index,"
        " started.try_number, 'failed', started.logical_date, started.started_at,"
        " null, %(abandoned_error)s, %(recorded_at)s"
        f" from {TABLE} started"
        f" where {same_task.format(alias='started')}"
        " and started.state = 'running' and started.try_number < %(try_number)s"
        f" and not exists (select 1 from {TABLE} ended"
        f" where {same_task.format(alias='ended')}"
        " and ended.try_number = started.try_number and ended.state <> 'running')"
    )
    params = {key: row[key] for key in ("dag_id", "run_id", "task_id", "map_index", "try_number")}
    params["recorded_at"] = row["recorded_at"]
    params["abandoned_error"] = ABANDONED_ERROR.format(try_number=row["try_number"])
    return Statement(sql, params)


def record_task(warehouse: Warehouse, context: Any, *, state: str = "failed") -> dict[str, Any]:
    """Write the row of the task instance an Airflow callback ``context`` describes.

    Reads ``context["ti"]`` (task_id, dag_id, run_id, map_index, try_number, start_date,
    end_date), ``context["dag_run"]`` (logical_date; start_date for a DAG-level callback,
    which has no ``ti``) and ``context.get("exception")`` (or a DAG callback's ``reason``).
    Raises on failure; the callback from ``make_audit_callback`` is the one that never does.
    """
    ti = context.get("ti")
    dag_run = context.get("dag_run")
    error = context.get("exception") or context.get("reason")
    logical_date = getattr(dag_run, "logical_date", None) or context.get("logical_date")
    if ti is None:  # a DAG-level callback: the run's own row
        return record_run(
            warehouse,
            dag_run.dag_id,
            dag_run.run_id,
            state,
            logical_date=logical_date,
            started_at=getattr(dag_run, "start_date", None),
            finished_at=getattr(dag_run, "end_date", None),
            error=error,
        )
    return record_run(
        warehouse,
        ti.dag_id,
        ti.run_id,
        state,
        logical_date=logical_date,
        started_at=getattr(ti, "start_date", None),
        finished_at=getattr(ti, "end_date", None),
        error=error,
        task_id=ti.task_id,
        map_index=getattr(ti, "map_index", None),
        try_number=getattr(ti, "try_number", None),
    )


def make_audit_callback(
    warehouse_factory: Callable[[], Warehouse], *, state: str = "failed"
) -> Callable[[Any], None]:
    """A task callback that records the task instance in the warehouse with ``state``.

    ``failed`` for an ``on_failure_callback``, ``success`` for an ``on_success_callback``,
    ``up_for_retry`` for an ``on_retry_callback``, ``running`` for an ``on_execute_callback``
    (which also records the task's earlier attempts that died without a callback). Whatever
    goes wrong while recording (no connection, no warehouse, a context without the expected
    keys) is logged, never raised: a broken audit must not hide the failure it was meant to record.
    """
    if state not in STATES:
        raise ValueError(f"state {state!r}; expected one of {', '.join(STATES)}")

    def record(context: Any) -> None:
        try:
            record_task(warehouse_factory(), context, state=state)
        except Exception:
            log.exception("could not record the task in %s", TABLE)

    return record


def error_text(error: str | BaseException | None) -> str | None:
    """``Type: message`` of an exception (or the text given), cut to ``ERROR_LIMIT`` characters."""
    if error is None:
        return None
    if isinstance(error, BaseException):
        message = str(error)
        text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    else:
        text = str(error)
    text = text.replace("\x00", "")
    if len(text) > ERROR_LIMIT:
        text = text[: ERROR_LIMIT - 3] + "..."
    return text
