"""Benchmark: the clean stage on one raw-zone partition (SCALE=1: about 1.5 million rows, most of
them geolocation), as the DAG runs it with ``CLEAN_RUNNER=local``.

``run(lake_uri, ingest_date)`` cleans every table of the raw partition once in a fresh Python
process, so the wall time includes what a DAG run pays: interpreter and PySpark imports, the
JVM and Spark session start, the cleaning and the commits. It rewrites that date's processed
and rejected partitions of the lake. Spark's start-up alone (a session started and stopped in
another fresh process) is timed apart to show its share. Returns the wall time, rows in and out
per outcome, each table's accounting, and a profile of the cleaning process: its imports,
session start, cleaning and stop, and per table the seconds of its publication and the Spark
jobs and stages it ran (the job sets one job group per table; a table's group also holds the
jobs of the parents it classifies first). ``python -m benchmarks.clean LAKE_URI INGEST_DATE``
prints the figures as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

_CLEAN = """
import json, os, sys, time
started = time.perf_counter()
from olist_cleaning import job as cleaning_job
from olist_cleaning.arguments import JobArguments
from olist_cleaning.session import local_session
from olist_pipeline.lake.cleaning import run_locally
from olist_pipeline.lake.partitions import Lake
imported = time.perf_counter()
# The session run_locally would start, started here to time it apart; run_locally uses it.
spark = local_session(os.environ["SPARK_MASTER"])
session_started = time.perf_counter()
seconds = {}
publish = cleaning_job.PartitionCleaning.publish
def timed_publish(self, table):
    begun = time.perf_counter()
    try:
        return publish(self, table)
    finally:
        seconds[table] = round(time.perf_counter() - begun, 2)
cleaning_job.PartitionCleaning.publish = timed_publish
lake = Lake.from_uri(os.environ["LAKE_URI"])
job = JobArguments(lake_uri=lake.uri, ingest_date=sys.argv[1], run_id="benchmark")
summary = run_locally("local", lake, job, spark_master=os.environ["SPARK_MASTER"])
cleaned = time.perf_counter()
tracker = spark.sparkContext.statusTracker()
tables = {}
for table in summary:
    jobs = tracker.getJobIdsForGroup(table)  # the job groups the job sets per table
    stages = sum(len(info.stageIds) for info in map(tracker.getJobInfo, jobs) if info)
    tables[table] = {"seconds": seconds.get(table), "spark_jobs": len(jobs), "stages": stages}
spark.stop()
profile = {
    "imports_seconds": round(imported - started, 2),
    "session_start_seconds": round(session_started - imported, 2),
    "cleaning_seconds": round(cleaned - session_started, 2),
    "stop_seconds": round(time.perf_counter() - cleaned, 2),
    "spark_jobs": sum(table["spark_jobs"] for table in tables.values()),
    "by_table": tables,
}
print(json.dumps({"summary": summary, "profile": profile}))
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
    result = json.loads(output.strip().splitlines()[-1])
    summary: dict[str, dict] = result["summary"]
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
        "profile": result["profile"],
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
