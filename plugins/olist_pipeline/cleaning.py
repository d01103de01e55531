"""Running the Glue cleaning job (``glue_jobs/clean_olist.py``) for one ingest date.

``CLEAN_RUNNER`` picks where it runs: ``local`` cleans in this process on a local Spark
session, ``spark-submit`` runs the Glue script unchanged in a child process, and ``glue`` runs
it on AWS Glue through the Amazon provider's ``GlueJobOperator`` in the DAG, with the arguments
``glue_script_args`` builds. Each way commits the same processed and rejected partitions, whose
manifests carry the accounting ``cleaning_summary`` reads back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from olist_pipeline.lake import Lake
from olist_pipeline.settings import PipelineSettings
from olist_pipeline.tables import TABLES

# The job's arguments, the same on Glue (``--name value`` script arguments) and locally.
JOB_ARGUMENTS = ("lake_uri", "ingest_date", "run_id", "tables")
GLUE_SCRIPT = "clean_olist.py"
OUTPUT_TAIL_LINES = 40


def _table_names(tables: Iterable[str] | None) -> list[str]:
    return list(tables) if tables is not None else [table.name for table in TABLES]


def job_arguments(
    lake_uri: str, ingest_date: str, run_id: str, tables: Sequence[str]
) -> dict[str, str]:
    """The job's arguments by name (``tables`` joined with commas)."""
    values = (lake_uri, ingest_date, run_id, ",".join(tables))
    return dict(zip(JOB_ARGUMENTS, values, strict=True))


def glue_script_args(
    lake_uri: str, ingest_date: str, run_id: str, tables: Sequence[str]
) -> dict[str, str]:
    """``script_args`` of the Glue job run (``GlueJobOperator``)."""
    arguments = job_arguments(lake_uri, ingest_date, run_id, tables)
    return {f"--{name}": value for name, value in arguments.items()}


def cleaning_summary(lake: Lake, ingest_date: str, tables: Iterable[str]) -> dict[str, dict]:
    """Each table's accounting and reject reasons, as its manifests record them."""
    summary = {}
    for table in tables:
        processed = lake.manifest("processed", table, ingest_date)
        rejected = lake.manifest("rejected", table, ingest_date)
        if processed is None or rejected is None:
            raise FileNotFoundError(f"no cleaned partition of {table} for {ingest_date}")
        summary[table] = {**processed.details["accounting"], "reasons": rejected.details["reasons"]}
    return summary


def clean(
    settings: PipelineSettings,
    ingest_date: str,
    run_id: str,
    tables: Iterable[str] | None = None,
) -> dict[str, dict]:
    """Clean ``tables`` (all by default) of one ingest date with the configured runner.

    A quiet day (every raw partition empty) commits its empty partitions without starting
    Spark, which would otherwise be most of the run's time.
    """
    names = _table_names(tables)
    _put_job_package_on_path(settings)
    from olist_cleaning.job import commit_quiet_day

    quiet = commit_quiet_day(Lake.from_uri(settings.lake_uri), ingest_date, run_id, names)
    if quiet is not None:
        return quiet
    if settings.clean_runner == "local":
        return run_in_process(settings, ingest_date, run_id, names)
    if settings.clean_runner == "spark-submit":
        return run_with_spark_submit(settings, ingest_date, run_id, names)
    raise ValueError(
        f"CLEAN_RUNNER={settings.clean_runner!r} runs through the DAG's GlueJobOperator, "
        "not in this process"
    )


def _put_job_package_on_path(settings: PipelineSettings) -> None:
    glue_jobs = str(settings.glue_jobs_dir)
    if glue_jobs not in sys.path:
        sys.path.insert(0, glue_jobs)


def run_in_process(
    settings: PipelineSettings, ingest_date: str, run_id: str, tables: Sequence[str]
) -> dict[str, dict]:
    """Clean on a local Spark session in this process.

    A session this call starts is stopped afterwards to give the JVM's memory back; an already
    running one (another caller's) is used and left running.
    """
    _put_job_package_on_path(settings)
    from pyspark.sql import SparkSession

    from olist_cleaning.job import run
    from olist_cleaning.session import local_session

    running = SparkSession.getActiveSession()
    spark = running or local_session(settings.spark_master)
    try:
        return run(spark, Lake.from_uri(settings.lake_uri), ingest_date, run_id, tables)
    finally:
        if running is None:
            spark.stop()


def build_py_files(settings: PipelineSettings, folder: Path) -> Path:
    """A zip of ``olist_pipeline`` and ``olist_cleaning``, the job's ``--py-files``."""
    archive = folder / "olist_clean_job.zip"
    packages = (Path(__file__).resolve().parent, settings.glue_jobs_dir / "olist_cleaning")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for package in packages:
            for source in sorted(package.rglob("*.py")):
                bundle.write(source, f"{package.name}/{source.relative_to(package).as_posix()}")
    return archive


def spark_submit_command(
    settings: PipelineSettings, py_files: Path, arguments: dict[str, str]
) -> list[str]:
    """The venv's ``spark-submit`` running the Glue script unchanged."""
    command = [
        str(Path(sys.executable).parent / "spark-submit"),
        "--master",
        settings.spark_master,
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
        str(settings.glue_jobs_dir / GLUE_SCRIPT),
    ]
    for name, value in arguments.items():
        command += [f"--{name}", value]
    return command


def run_with_spark_submit(
    settings: PipelineSettings, ingest_date: str, run_id: str, tables: Sequence[str]
) -> dict[str, dict]:
    """Run the Glue script through ``spark-submit``; raise with its output's tail on failure."""
    arguments = job_arguments(settings.lake_uri, ingest_date, run_id, tables)
    with tempfile.TemporaryDirectory(prefix="olist-clean-") as folder:
        command = spark_submit_command(settings, build_py_files(settings, Path(folder)), arguments)
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
            f"the cleaning job failed (exit {result.returncode}) for {ingest_date}:\n{tail}"
        )
    return cleaning_summary(Lake.from_uri(settings.lake_uri), ingest_date, tables)
