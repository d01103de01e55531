"""Starting the cleaning job (``glue_jobs/``) for one run, where ``CLEAN_RUNNER`` says.

- ``spark-connect``: in this process, as a client of the local stack's Spark Connect server
  (``olist_pipeline.lake.spark_server``), which stays up and warm from one run to the next;
- ``local``: in this process, on a Spark session of its own;
- ``spark-submit``: the Glue script unchanged, in a child process with its own JVM, given the
  same zip that Glue gets as ``--extra-py-files``;
- ``glue``: on AWS Glue, through the Amazon provider
  (``olist_pipeline.orchestration.glue.CleanOnGlueOperator``).

A quiet day (the extract found no row) never starts Spark, on any runner: its empty processed
and rejected partitions are committed by the job's own ``commit_quiet_day``. Every way commits
the same partitions, whose manifests carry the accounting ``cleaning_summary`` reads back.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from olist_cleaning.accounting import table_summary
from olist_cleaning.arguments import JobArguments
from olist_pipeline.lake.partitions import Lake

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

OUTPUT_TAIL_LINES = 40
CONNECT_MODE = "SPARK_CONNECT_MODE_ENABLED"
# Spark Connect session ids of the cleaning, per lake partition (see session_ids).
SESSION_NAMESPACE = uuid.UUID("5d0c6c1e-7a43-4d5e-9a34-0c1ea5a1f0e1")
SESSION_GENERATIONS = 100

log = logging.getLogger(__name__)


def cleaning_summary(lake: Lake, arguments: JobArguments) -> dict[str, dict]:
    """Each table's accounting and reject reasons, as its manifests record them."""
    summary = {}
    for table in arguments.tables:
        processed = lake.manifest("processed", table, arguments.ingest_date)
        rejected = lake.manifest("rejected", table, arguments.ingest_date)
        if processed is None or rejected is None:
            raise FileNotFoundError(f"no cleaned partition of {table} for {arguments.ingest_date}")
        summary[table] = table_summary(processed.details.accounting, rejected.details.reasons)
    return summary


def run_locally(
    runner: str,
    lake: Lake,
    arguments: JobArguments,
    *,
    spark_master: str,
    spark_connect_url: str | None = None,
    spark_connect_home: Path | None = None,
) -> dict[str, dict]:
    """Clean on this machine with ``runner`` (``spark-connect``, ``local`` or
    ``spark-submit``)."""
    if runner == "spark-connect":
        if spark_connect_url is None or spark_connect_home is None:
            raise ValueError("CLEAN_RUNNER=spark-connect needs SPARK_CONNECT_URL and its home")
        from olist_pipeline.lake.spark_server import ensure_running

        ensure_running(spark_connect_url, master=spark_master, home=spark_connect_home)
        return run_on_spark_connect(lake, arguments, url=spark_connect_url)
    if runner == "local":
        return run_in_process(lake, arguments, spark_master=spark_master)
    if runner == "spark-submit":
        return run_with_spark_submit(lake, arguments, spark_master=spark_master)
    raise ValueError(f"CLEAN_RUNNER={runner!r} does not run on this machine")


def session_ids(lake: Lake, ingest_date: str) -> Iterator[str]:
    """The Spark Connect sessions that may clean one partition of one lake, whichever run asks,
    in the order a cleaning tries them: the server refuses a session id it has closed (released,
    or idle past its timeout), and every cleaning then moves on to the same next one."""
    current = uuid.uuid5(SESSION_NAMESPACE, f"{lake.uri}|{ingest_date}")
    for _ in range(SESSION_GENERATIONS):
        yield str(current)
        current = uuid.uuid5(SESSION_NAMESPACE, str(current))


def run_on_spark_connect(lake: Lake, arguments: JobArguments, *, url: str) -> dict[str, dict]:
    """Clean as a client of the Spark Connect server at ``url``.

    A killed client does not stop the server's work: its query runs on and could write files
    into the partition after a retry's commit. So every cleaning of a partition joins the same
    server session (``session_ids``) and first interrupts whatever that session still runs,
    and drops what it cached, before it writes anything.
    """
    from olist_cleaning.job import run

    with _spark_connect_mode():
        spark = _partition_session(url, lake, arguments.ingest_date)
        try:
            spark.catalog.clearCache()
            return run(spark, lake, arguments)
        finally:
            # Close the connection but keep the server's session: the next cleaning of this
            # partition joins it (a released session's id cannot be used again).
            spark.client.close()


def _partition_session(url: str, lake: Lake, ingest_date: str) -> SparkSession:
    """The partition's server session, with nothing of an earlier cleaning running in it."""
    from pyspark.errors import PySparkException
    from pyspark.sql import SparkSession

    separator = ";" if ";" in url else "/;"
    for candidate in session_ids(lake, ingest_date):
        spark = SparkSession.builder.remote(
            f"{url.rstrip('/')}{separator}session_id={candidate}"
        ).create()
        try:
            interrupted = spark.interruptAll()
        except PySparkException as error:
            spark.client.close()
            if "SESSION_CLOSED" in str(error):
                continue  # idle past the server's timeout, so nothing of it runs any more
            raise
        if interrupted:
            log.warning(
                "interrupted %d Spark operations an earlier cleaning of %s left running",
                len(interrupted),
                ingest_date,
            )
        return spark
    raise RuntimeError(f"every Spark Connect session of {ingest_date} at {url} is closed")


@contextmanager
def _spark_connect_mode() -> Iterator[None]:
    """PySpark in Spark Connect mode for the block only.

    ``pyspark.sql.functions`` builds a Connect or a classic column depending on the
    environment variable a Connect session sets for the whole process, and a classic session
    refuses to start while it is set. An Airflow worker may run a classic Spark later in the
    same process (``CLEAN_RUNNER=local``, ``spark-submit``'s children), so it is set back.
    """
    before = os.environ.get(CONNECT_MODE)
    os.environ[CONNECT_MODE] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(CONNECT_MODE, None)
        else:
            os.environ[CONNECT_MODE] = before


def run_in_process(lake: Lake, arguments: JobArguments, *, spark_master: str) -> dict[str, dict]:
    """Clean on a local Spark session in this process.

    A session this call starts is stopped afterwards to give the JVM's memory back; an already
    running one (another caller's) is used and left running.
    """
    from pyspark.sql import SparkSession

    from olist_cleaning.job import run
    from olist_cleaning.session import local_session

    running = SparkSession.getActiveSession()
    spark = running or local_session(spark_master)
    try:
        return run(spark, lake, arguments)
    finally:
        if running is None:
            spark.stop()


def spark_submit_command(
    script: Path,
    py_files: Path,
    arguments: JobArguments,
    *,
    spark_master: str,
    spark_submit: Path | None = None,
) -> list[str]:
    """``spark-submit`` (this venv's unless given) running the Glue script unchanged."""
    return [
        str(spark_submit or Path(sys.executable).parent / "spark-submit"),
        "--master",
        spark_master,
        "--driver-memory",
        "2g",
        # Short runs: the JVM's C1 compiler alone costs less CPU than C1 + C2 (see the job's
        # local_session).
        "--driver-java-options",
        "-XX:TieredStopAtLevel=1",
        # Warnings only, so a failure's Python traceback ends the job's stderr.
        "--conf",
        "spark.log.level=WARN",
        "--py-files",
        str(py_files),
        str(script),
        *arguments.argv(),
    ]


def run_with_spark_submit(
    lake: Lake, arguments: JobArguments, *, spark_master: str
) -> dict[str, dict]:
    """Run the Glue script through ``spark-submit``; raise with its output's tail on failure."""
    from olist_cleaning.packaging import write_job_files

    with tempfile.TemporaryDirectory(prefix="olist-clean-") as folder:
        script, py_files = write_job_files(Path(folder))
        command = spark_submit_command(script, py_files, arguments, spark_master=spark_master)
        # The Python workers must be this interpreter (pyarrow, the project's packages).
        env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
        env.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        # spark-submit merges the Python driver's stderr into its stdout: read them as one.
        result = subprocess.run(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            check=False,
        )
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-OUTPUT_TAIL_LINES:])
        raise RuntimeError(
            f"the cleaning job failed (exit {result.returncode}) for {arguments.ingest_date}:\n"
            f"{tail}"
        )
    return cleaning_summary(lake, arguments)
