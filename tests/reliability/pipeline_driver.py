"""A worker process that runs the ELT DAG's task bodies in the DAG's order, the way Airflow's
worker would: one attempt per task, its audit rows written by the same callbacks the DAG uses.

The crash tests start it in a process group of its own and SIGKILL that group (Spark's JVM and
dbt go with it), then start it again from the killed task, as a retry of that task and a first
try of everything downstream. ``airflow dags test`` would cost about a minute per run; this
driver pays only the stages' own start-ups, so every stage can be killed within the suite's
time. The run's facts (the extract's return value, which Airflow keeps in XCom) and each task's
try number are kept in the state folder between runs.

    python pipeline_driver.py STATE_DIR --run-id R --run-after ISO [--from TASK]

Environment: the pipeline's settings and ``AIRFLOW_CONN_OLIST_SHOP`` /
``AIRFLOW_CONN_OLIST_WAREHOUSE``, as the DAG's tasks read them. Prints ``START <task> try <n>``
and ``END <task> (<seconds> s)`` around each task, flushed, for the tests to read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

DAG_ID = "olist_elt"
# (task function, task id in the DAG): the DAG's order, its groups one after another.
TASKS = (
    ("extract", "lake.extract"),
    ("has_new_data", "lake.has_new_data"),
    ("clean", "lake.clean"),
    ("quality_gate", "lake.quality_gate"),
    ("load", "warehouse.load"),
    ("transform", "warehouse.transform"),
    ("star_schema_checks", "checks.star_schema_checks"),
    ("reconcile", "checks.reconcile"),
    ("marts", "marts.marts"),
    ("lineage_docs", "marts.lineage_docs"),
    ("report", "report"),
    ("dashboards", "dashboards"),
)
TASK_NAMES = [name for name, _ in TASKS]


def run_task(name: str, settings, facts, *, run_id: str, run_after: datetime, state_dir: Path):
    from olist_pipeline.orchestration import tasks
    from olist_pipeline.orchestration.run_facts import RunFacts

    if name == "extract":
        facts = tasks.extract(
            settings,
            run_id=run_id,
            interval_start=None,
            interval_end=None,
            run_after=run_after,
            full_refresh=True,
        )
        (state_dir / "facts.json").write_text(json.dumps(asdict(facts)))
        return facts
    if facts is None:
        facts = RunFacts(**json.loads((state_dir / "facts.json").read_text()))
    if name == "has_new_data":
        # Every run here is a full refresh, never a quiet day: the DAG goes on.
        assert tasks.has_new_data(settings, facts, dag_id=DAG_ID, skipped=[])
    elif name == "transform":
        tasks.transform(settings, facts, layers=("staging", "core"))
    elif name == "dashboards":
        tasks.dashboards(settings)
    else:
        getattr(tasks, name)(settings, facts)
    return facts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("state_dir", type=Path)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--run-after", required=True, type=datetime.fromisoformat)
    parser.add_argument("--from", dest="first", default="extract", choices=TASK_NAMES)
    args = parser.parse_args()

    from olist_pipeline.orchestration import connections
    from olist_pipeline.settings import PipelineSettings
    from olist_pipeline.warehouse.audit import record_task

    settings = PipelineSettings.from_env()
    warehouse = connections.warehouse(settings)
    tries_file = args.state_dir / "tries.json"
    tries = json.loads(tries_file.read_text()) if tries_file.exists() else {}
    facts = None
    for name, task_id in TASKS[TASK_NAMES.index(args.first) :]:
        tries[task_id] = tries.get(task_id, 0) + 1
        tries_file.write_text(json.dumps(tries))
        ti = SimpleNamespace(
            dag_id=DAG_ID,
            run_id=args.run_id,
            task_id=task_id,
            map_index=-1,
            try_number=tries[task_id],
            start_date=datetime.now().astimezone(),
            end_date=None,
        )
        dag_run = SimpleNamespace(dag_id=DAG_ID, run_id=args.run_id, logical_date=None)
        context = {"ti": ti, "dag_run": dag_run}
        record_task(warehouse, context, state="running")  # the DAG's on_execute_callback
        print(f"START {name} try {ti.try_number}", flush=True)
        started = time.monotonic()
        try:
            facts = run_task(
                name,
                settings,
                facts,
                run_id=args.run_id,
                run_after=args.run_after,
                state_dir=args.state_dir,
            )
        except Exception as exc:
            ti.end_date = datetime.now().astimezone()
            record_task(warehouse, {**context, "exception": exc}, state="failed")
            print(f"FAILED {name}: {type(exc).__name__}: {exc}", flush=True)
            raise
        ti.end_date = datetime.now().astimezone()
        record_task(warehouse, context, state="success")
        print(f"END {name} ({time.monotonic() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    sys.exit(main())
