"""The run audit: rows in ``audit.pipeline_runs`` from fake Airflow callback contexts.

The contexts are simple namespaces with the attributes the Airflow 3 task SDK gives a callback
(``RuntimeTaskInstance`` as ``ti``, ``DagRun`` as ``dag_run``); a test checks those names
against the SDK's own models, so the fakes cannot drift from it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from types import SimpleNamespace

import psycopg
import pytest
import sqlglot
from psycopg.rows import dict_row

from olist_pipeline.warehouse.audit import (
    ABANDONED_ERROR,
    COLUMNS,
    CREATE_TABLE_SQL,
    ERROR_LIMIT,
    TABLE,
    make_audit_callback,
    record_run,
    record_task,
)
from olist_pipeline.warehouse.postgres import PostgresWarehouse
from olist_pipeline.warehouse.protocol import Script, Statement
from olist_pipeline.warehouse.redshift import inline_parameters

DAG_ID = "olist_elt"
RUN_ID = "scheduled__2018-10-18T03:00:00+00:00"
LOGICAL = datetime(2018, 10, 17, 3, 0, tzinfo=UTC)
STARTED = datetime(2018, 10, 18, 3, 0, 12, tzinfo=UTC)
ENDED = datetime(2018, 10, 18, 3, 4, 40, tzinfo=UTC)


def task_context(exception: BaseException | None, *, try_number: int = 1, **ti) -> dict:
    task_instance = SimpleNamespace(
        **{
            "task_id": "load",
            "dag_id": DAG_ID,
            "run_id": RUN_ID,
            "map_index": -1,
            "try_number": try_number,
            "start_date": STARTED,
            "end_date": ENDED,
            **ti,
        }
    )
    dag_run = SimpleNamespace(
        dag_id=DAG_ID, run_id=RUN_ID, logical_date=LOGICAL, start_date=STARTED, end_date=None
    )
    return {"ti": task_instance, "dag_run": dag_run, "exception": exception}


def audit_rows(url: str) -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        conn.execute("set time zone 'UTC'")
        return conn.execute(f"select * from {TABLE} order by recorded_at").fetchall()


class RecordingWarehouse:
    """Collects the statements a Redshift warehouse would send, its parameters bound."""

    dialect = "redshift"

    def __init__(self):
        self.scripts: list[list[str]] = []

    def run_script(self, statements: Script) -> None:
        self.scripts.append([s if isinstance(s, str) else inline_parameters(s) for s in statements])


# --- Without a database -------------------------------------------------------------------------


def test_fake_contexts_use_the_airflow_sdk_attribute_names():
    from airflow.sdk.api.datamodels._generated import DagRun
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    ti_fields = set(RuntimeTaskInstance.model_fields)
    assert vars(task_context(None)["ti"]).keys() <= ti_fields
    assert vars(task_context(None)["dag_run"]).keys() <= set(DagRun.model_fields)


def test_statements_parse_as_redshift_sql_with_every_kind_of_value():
    warehouse = RecordingWarehouse()
    error = RuntimeError("can't parse C:\\data\\x.csv: 'quoted'")

    record_task(warehouse, task_context(error))

    (script,) = warehouse.scripts
    assert script[1] == CREATE_TABLE_SQL
    for statement in script:
        sqlglot.parse_one(statement, read="redshift")
    # Redshift reads backslashes in literals as escapes, so they are doubled there
    assert "'RuntimeError: can''t parse C:\\\\data\\\\x.csv: ''quoted'''" in script[2]


def test_the_row_s_values_are_bound_parameters_not_sql_text():
    scripts: list = []

    class Warehouse:
        dialect = "postgres"

        def run_script(self, statements: Script) -> None:
            scripts.append(statements)

    record_task(Warehouse(), task_context(RuntimeError("it's broken")))

    insert = scripts[0][-1]
    assert isinstance(insert, Statement)
    assert "it's broken" not in insert.sql
    assert insert.params["error"] == "RuntimeError: it's broken"
    assert set(insert.params) == set(COLUMNS)


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="state 'done'"):
        record_run(RecordingWarehouse(), DAG_ID, RUN_ID, "done")
    with pytest.raises(ValueError, match="state 'broken'"):
        make_audit_callback(RecordingWarehouse, state="broken")


def test_the_callback_logs_instead_of_raising_when_the_audit_cannot_be_written(caplog):
    def unreachable():
        raise ConnectionError("warehouse is down")

    callback = make_audit_callback(unreachable)

    with caplog.at_level(logging.ERROR, logger="olist_pipeline.warehouse.audit"):
        assert callback(task_context(ValueError("the real failure"))) is None
    assert "could not record the task in audit.pipeline_runs" in caplog.text
    assert "warehouse is down" in caplog.text


def test_the_callback_survives_a_context_without_a_task_or_run():
    callback = make_audit_callback(RecordingWarehouse)

    assert callback({}) is None  # logged: no ti and no dag_run to name


# --- On a real warehouse database -------------------------------------------------------------


@pytest.mark.integration
def test_a_failed_task_is_recorded_by_the_callback(warehouse_url):
    callback = make_audit_callback(lambda: PostgresWarehouse(warehouse_url))

    callback(task_context(ValueError("order o1 has no items"), try_number=3))

    (row,) = audit_rows(warehouse_url)
    assert list(row) == list(COLUMNS)
    recorded_at = row.pop("recorded_at")
    assert row == {
        "dag_id": DAG_ID,
        "run_id": RUN_ID,
        "task_id": "load",
        "map_index": -1,
        "try_number": 3,
        "state": "failed",
        "logical_date": LOGICAL,
        "started_at": STARTED,
        "finished_at": ENDED,
        "error": "ValueError: order o1 has no items",
    }
    assert (datetime.now(UTC) - recorded_at).total_seconds() < 60


@pytest.mark.integration
def test_retries_and_failures_add_rows_and_a_running_task_ends_now(warehouse_url):
    def warehouse():
        return PostgresWarehouse(warehouse_url)

    make_audit_callback(warehouse, state="up_for_retry")(
        task_context(TimeoutError(), try_number=1, end_date=None)
    )
    make_audit_callback(warehouse)(task_context(TimeoutError("again"), try_number=2))

    first, second = audit_rows(warehouse_url)
    assert (first["state"], first["try_number"], first["error"]) == (
        "up_for_retry",
        1,
        "TimeoutError",
    )
    # Airflow had not set end_date: the moment of the callback stands in
    assert first["finished_at"] == first["recorded_at"]
    assert (second["state"], second["try_number"], second["error"]) == (
        "failed",
        2,
        "TimeoutError: again",
    )


@pytest.mark.integration
def test_a_long_error_is_cut_and_quotes_and_backslashes_survive(warehouse_url):
    message = "it's C:\\temp\\x " + "y" * 5000

    record_task(PostgresWarehouse(warehouse_url), task_context(OSError(message)))

    (row,) = audit_rows(warehouse_url)
    assert len(row["error"]) == ERROR_LIMIT
    assert row["error"].startswith("OSError: it's C:\\temp\\x yyy")
    assert row["error"].endswith("y...")


@pytest.mark.integration
def test_a_finished_run_is_recorded_with_its_success_row(warehouse_url):
    warehouse = PostgresWarehouse(warehouse_url)

    record_run(
        warehouse,
        DAG_ID,
        RUN_ID,
        "success",
        logical_date=LOGICAL,
        started_at=STARTED,
        finished_at=ENDED,
    )

    (row,) = audit_rows(warehouse_url)
    assert {key: row[key] for key in ("dag_id", "run_id", "state", "task_id", "error")} == {
        "dag_id": DAG_ID,
        "run_id": RUN_ID,
        "state": "success",
        "task_id": None,
        "error": None,
    }
    assert (row["logical_date"], row["started_at"], row["finished_at"]) == (
        LOGICAL,
        STARTED,
        ENDED,
    )


@pytest.mark.integration
def test_a_dag_level_failure_callback_records_the_run(warehouse_url):
    context = task_context(None)
    del context["ti"]
    context["reason"] = "task_failure"

    make_audit_callback(lambda: PostgresWarehouse(warehouse_url))(context)

    (row,) = audit_rows(warehouse_url)
    assert (row["task_id"], row["try_number"], row["state"], row["error"]) == (
        None,
        None,
        "failed",
        "task_failure",
    )
    assert row["started_at"] == STARTED


# --- An attempt killed before any callback ------------------------------------------------------


def test_the_start_row_of_a_retry_records_the_killed_attempt_parses_as_redshift():
    warehouse = RecordingWarehouse()

    record_task(warehouse, task_context(None, try_number=2), state="running")

    (script,) = warehouse.scripts
    assert len(script) == 4  # schema, table, the abandoned attempts, the running row
    for statement in script:
        sqlglot.parse_one(statement, read="redshift")
    assert "'running'" in script[3] and "noticed by try 2" in script[2]


def test_a_retry_records_the_attempt_that_died_without_a_callback(warehouse_url):
    """SIGKILL gives the dying attempt no chance to write; only its start row is left, and the
    next attempt is the first code that can tell."""

    def warehouse():
        return PostgresWarehouse(warehouse_url)

    started, succeeded = (
        make_audit_callback(warehouse, state="running"),
        make_audit_callback(warehouse, state="success"),
    )
    started(task_context(None, try_number=1, end_date=None))
    # ... killed here: no failure callback ...
    started(task_context(None, try_number=2, end_date=None))
    succeeded(task_context(None, try_number=2))

    rows = [
        (r["try_number"], r["state"], r["finished_at"], r["error"])
        for r in audit_rows(warehouse_url)
    ]
    assert rows == [
        (1, "running", None, None),
        (1, "failed", None, ABANDONED_ERROR.format(try_number=2)),
        (2, "running", None, None),
        (2, "success", ENDED, None),
    ]


def test_an_attempt_that_ended_or_another_task_is_not_reported_as_killed(warehouse_url):
    warehouse = PostgresWarehouse(warehouse_url)
    record_task(warehouse, task_context(None, try_number=1), state="running")
    record_task(warehouse, task_context(RuntimeError("boom"), try_number=1), state="failed")
    record_task(warehouse, task_context(None, try_number=1, task_id="extract"), state="running")

    record_task(warehouse, task_context(None, try_number=2), state="running")
    record_task(warehouse, task_context(None, try_number=1, task_id="extract"), state="running")

    failed = [
        (r["task_id"], r["try_number"], r["error"])
        for r in audit_rows(warehouse_url)
        if r["state"] == "failed"
    ]
    # load's first try failed on its own; extract's start was its first try seen again (a
    # task cleared without a new try number is not an earlier attempt)
    assert failed == [("load", 1, "RuntimeError: boom")]
