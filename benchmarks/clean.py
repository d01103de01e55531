"""Benchmark: the clean stage on one raw-zone partition (SCALE=1: about 1.5 million rows, most of
them geolocation), as the DAG runs it with ``CLEAN_RUNNER=local``.

``run(lake_uri, ingest_date)`` cleans every table of the raw partition once in a fresh Python
process, so the wall time includes what a DAG run pays: interpreter and PySpark imports, the
JVM and Spark session start, the cleaning and the commits. It rewrites that date's processed
and rejected partitions of the lake. Spark's start-up alone (a session started and stopped in
another fresh process) is timed apart to show its share. Returns the wall time, rows in and out
per outcome, and each table's accounting. ``python -m benchmarks.clean LAKE_URI INGEST_DATE``
prints the figures as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

_CLEAN = """
import json, os, sys
from olist_cleaning.arguments import JobArguments
from olist_pipeline.lake.cleaning import run_locally
from olist_pipeline.lake.partitions import Lake
lake = Lake.from_uri(os.environ["LAKE_URI"])
job = JobArguments(lake_uri=lake.uri, ingest_date=sys.argv[1], run_id="benchmark")
print(json.dumps(run_locally("local", lake, job, spark_master=os.environ["SPARK_MASTER"])))
"""

_START_SPARK = """
import os
from olist_cleaning.session import local_session
local_session(os.environ["SPARK_MASTER"]).stop()
"""


def _child(code: str, *args: str, lake_uri: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; its wall time and stdout."""
    env = {
        **os.environ,
        "LAKE_URI": lake_uri,
        "SPARK_MASTER": os.environ.get("SPARK_MASTER", "local[2]"),
    }
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"the benchmark's child process failed:\n{result.stderr[-4000:]}")
    return seconds, result.stdout


def run(lake_uri: str, ingest_date: str) -> dict:
    startup_seconds, _ = _child(_START_SPARK, lake_uri=lake_uri)
    seconds, output = _child(_CLEAN, ingest_date, lake_uri=lake_uri)
    summary: dict[str, dict] = json.loads(output.strip().splitlines()[-1])
    rows_in = sum(table["raw_rows"] for table in summary.values())

    def total(figure: str) -> int:
        return sum(table[figure] for table in summary.values())

    return {
        "ingest_date": ingest_date,
        "tables": len(summary),
        "rows_in": rows_in,
        "processed_rows": total("processed_rows"),
        "rejected_rows": total("rejected_rows"),
        "duplicates_removed": total("duplicates_removed"),
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows_in / seconds),
        "spark_startup_seconds": round(startup_seconds, 2),
        "accounting_by_table": {
            name: {key: value for key, value in table.items() if key != "reasons"}
            for name, table in summary.items()
        },
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: python -m benchmarks.clean LAKE_URI INGEST_DATE", file=sys.stderr)
        raise SystemExit(2)
    print(json.dumps(run(sys.argv[1], sys.argv[2]), indent=2))
