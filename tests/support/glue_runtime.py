"""Running the cleaning job on AWS Glue's runtime (.venv-glue: Glue 5.0's Python and Spark 3.5,
``make glue-env``) the way Glue runs it: the entrypoint script under ``spark-submit``, the job's
code only from the ``--extra-py-files`` zip, and comparing what two runs committed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

from olist_cleaning.arguments import JobArguments
from olist_cleaning.packaging import write_job_files
from olist_pipeline.lake.cleaning import spark_submit_command
from olist_pipeline.lake.partitions import Lake

REPO_ROOT = Path(__file__).resolve().parents[2]
GLUE_VENV = REPO_ROOT / ".venv-glue"
GLUE_PYTHON = GLUE_VENV / "bin" / "python"
GLUE_SUBMIT = GLUE_VENV / "bin" / "spark-submit"
OUTPUT_TAIL_LINES = 60


def glue_runtime_env() -> dict[str, str]:
    """This process's environment without the repository on PYTHONPATH, with Glue's Python for
    the driver and the executors' workers."""
    if not GLUE_PYTHON.exists():
        raise FileNotFoundError(f"{GLUE_PYTHON} is missing: run `make glue-env` (make test does)")
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    env["PYSPARK_PYTHON"] = env["PYSPARK_DRIVER_PYTHON"] = str(GLUE_PYTHON)
    return env


class GlueRuntimeSubmission:
    """A copy of ``glue_jobs/clean_olist.py`` submitted with the zip Glue gets, from ``folder``
    (never from the repository), running in the background while the caller does other work;
    ``result`` waits for it and raises with the output's tail when it failed."""

    def __init__(self, arguments: JobArguments, folder: Path, *, master: str = "local[2]"):
        command = spark_submit_command(
            *write_job_files(folder), arguments, spark_master=master, spark_submit=GLUE_SUBMIT
        )
        self.log = folder / "spark-submit.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=glue_runtime_env(), cwd=folder
            )

    def result(self, timeout: float = 300) -> str:
        """The job's output (spark-submit merges the driver's stderr into it)."""
        try:
            returncode = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        output = self.log.read_text()
        if returncode != 0:
            tail = "\n".join(output.splitlines()[-OUTPUT_TAIL_LINES:])
            raise AssertionError(f"spark-submit on Glue's runtime failed ({returncode}):\n{tail}")
        return output


def committed_partition(lake: Lake, zone: str, table: str, day: str) -> dict:
    """What a run committed for one partition, without what differs between two runs by nature
    (attempt folders, file names and bytes, commit times): the manifest's rows, columns and
    details, the rows in a stable order and a SHA-256 over them."""
    manifest = lake.manifest(zone, table, day)
    assert manifest is not None, f"no committed {zone}/{table} partition for {day}"
    table_rows = lake.read_table(zone, table, day)
    rows = sorted(json.dumps(row, sort_keys=True, default=str) for row in table_rows.to_pylist())
    return {
        "rows": manifest.rows,
        "columns": manifest.columns,
        "schema": str(table_rows.schema.remove_metadata()),
        "details": manifest.details,
        "content": rows,
        "content_sha256": hashlib.sha256("\n".join(rows).encode()).hexdigest(),
    }
