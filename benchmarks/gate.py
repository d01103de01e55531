"""Benchmark: the quality gate on one processed-zone partition (SCALE=1: about 100,000 rows in
each order table).

``run(lake_uri, ingest_date)`` runs the gate once, as the DAG does, with a fresh GX project and
Data Docs folder in a temporary directory (so every run pays the same first-run costs: suites
registered, static assets copied), and returns its wall time, the seconds and rows of each table
and the share outside the validations (GX context, Data Docs), and the CPU time the gate used
(on a busy machine the wall time also counts the waits for a core). Importing Great Expectations is
timed apart, in a fresh interpreter, because a gate task pays it once per process and repeated
in-process runs would hide it. A failing gate is reported, not raised: the figures are still
worth having. ``python -m benchmarks.gate LAKE_URI INGEST_DATE`` prints the figures as JSON.

``history(lake_uri, ingest_date, runs)`` runs the gate ``runs`` times in one GX project and one
Data Docs folder, as that many daily runs would (each stores its validation results and adds its
pages), in one process, and returns the first and the last run's seconds with what the project
held by then: a cost that grows with the stored history shows as the last run's excess.
``python -m benchmarks.gate LAKE_URI INGEST_DATE --history 30`` prints it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import REPO_ROOT


def _import_seconds() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import great_expectations"],
        env={**os.environ, "GX_ANALYTICS_ENABLED": "False"},
        check=True,
    )
    return time.perf_counter() - started


def run(lake_uri: str, ingest_date: str) -> dict:
    from olist_pipeline.lake.partitions import Lake
    from olist_pipeline.quality.gx import import_gx
    from olist_pipeline.quality.lake_gate import LakeGateFailed, run_lake_gate

    import_seconds = _import_seconds()
    import_gx()  # in this process too, untimed
    lake = Lake.from_uri(lake_uri)
    with tempfile.TemporaryDirectory(prefix="olist-bench-gate-") as scratch:
        started = time.perf_counter()
        cpu_started = time.process_time()
        try:
            result = run_lake_gate(
                lake,
                ingest_date,
                run_id="benchmark",
                expectations_dir=REPO_ROOT / "expectations",
                gx_project_dir=Path(scratch) / "gx",
                data_docs_uri=str(Path(scratch) / "data_docs"),
            )
        except LakeGateFailed as failure:
            result = failure.result
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    validation_seconds = sum(table.seconds for table in result.tables)
    return {
        "ingest_date": ingest_date,
        "success": result.success,
        "rows": sum(table.rows for table in result.tables),
        "expectations": sum(table.evaluated for table in result.tables),
        "seconds": round(seconds, 2),
        # The process's CPU time in the gate: steadier than the wall time on a shared machine.
        "cpu_seconds": round(cpu_seconds, 2),
        "gx_import_seconds": round(import_seconds, 2),
        # Everything outside the per-table validations: GX context, Data Docs build.
        "docs_and_setup_seconds": round(seconds - validation_seconds, 2),
        "seconds_by_table": {table.table: table.seconds for table in result.tables},
        "rows_by_table": {table.table: table.rows for table in result.tables},
    }


def history(lake_uri: str, ingest_date: str, runs: int) -> dict:
    from olist_pipeline.lake.partitions import Lake
    from olist_pipeline.quality.lake_gate import LakeGateFailed, run_lake_gate

    lake = Lake.from_uri(lake_uri)
    each: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="olist-bench-gate-history-") as scratch:
        project, docs = Path(scratch) / "gx", Path(scratch) / "data_docs"
        for day in range(1, runs + 1):
            started = time.perf_counter()
            try:
                result = run_lake_gate(
                    lake,
                    ingest_date,
                    run_id=f"history-{day:03d}",
                    expectations_dir=REPO_ROOT / "expectations",
                    gx_project_dir=project,
                    data_docs_uri=str(docs),
                )
            except LakeGateFailed as failure:
                result = failure.result
            seconds = time.perf_counter() - started
            validation_seconds = sum(table.seconds for table in result.tables)
            each.append(
                {
                    "seconds": round(seconds, 2),
                    "docs_and_setup_seconds": round(seconds - validation_seconds, 2),
                    "stored_results": sum(
                        1 for _ in (project / "gx").rglob("validations/**/*.json")
                    ),
                    "pages": sum(1 for _ in docs.rglob("*.html")),
                }
            )
            print(f"[bench] gate history run {day}/{runs}: {each[-1]}", file=sys.stderr, flush=True)
    return {
        "runs": runs,
        "first_run": each[0],
        "second_run": each[min(1, runs - 1)],
        "last_run": each[-1],
    }


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if len(arguments) == 4 and arguments[2] == "--history":
        print(json.dumps(history(arguments[0], arguments[1], int(arguments[3])), indent=2))
    elif len(arguments) == 2:
        print(json.dumps(run(arguments[0], arguments[1]), indent=2))
    else:
        print(
            "usage: python -m benchmarks.gate LAKE_URI INGEST_DATE [--history RUNS]",
            file=sys.stderr,
        )
        raise SystemExit(2)
