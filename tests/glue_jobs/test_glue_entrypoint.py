"""The Glue branch of the job's entrypoint (``glue_jobs/clean_olist.py``), with AWS's own
``awsglue`` library (``AWSGlueDataplanePython``, the Glue 5.0 release; installed in .venv-glue
only, so ``make test`` runs this module there).

``getResolvedOptions`` is AWS's real parser, fed the argument list Glue gives a job run.
``GlueContext`` and ``Job`` call Glue's Scala classes (``com.amazonaws.services.glue``), which
ship only inside Glue's runtime, so they are replaced by stand-ins that record their calls and
hand over a real local Spark session: what remains untested is those JVM classes themselves
(docs/deploy.md).
"""

from __future__ import annotations

import json

import pytest
from support.raw_lake import (
    ALL_TABLES,
    DAY,
    EXPECTED_ACCOUNTING,
    accounting_of,
    write_raw_partitions,
)

pytest.importorskip(
    "awsglue", reason="AWS's awsglue library is in .venv-glue only; make test runs this there"
)
import awsglue.context
import awsglue.job
import clean_olist
from awsglue.utils import GlueArgumentError, getResolvedOptions

from olist_cleaning.arguments import NAMES, JobArguments


def glue_argv(lake_uri: str, tables: str = ",".join(ALL_TABLES)) -> list[str]:
    """A job run's argument list as Glue builds it: its own arguments around the job's."""
    return [
        "clean_olist.py",
        "--JOB_ID",
        "j_0123",
        "--JOB_RUN_ID",
        "jr_4567",
        "--job-bookmark-option",
        "job-bookmark-disable",
        "--TempDir",
        "s3://artefacts/glue/temporary/",
        "--enable-metrics",
        "true",
        "--JOB_NAME",
        "olist-clean",
        "--lake_uri",
        lake_uri,
        "--ingest_date",
        DAY,
        "--run_id",
        "scheduled__2024-03-01",
        "--tables",
        tables,
    ]


class RecordingGlueContext:
    """Stands in for ``GlueContext``: the session Glue would give, a real local one here."""

    def __init__(self, spark_context):
        from pyspark.sql import SparkSession

        self.spark_session = SparkSession(spark_context)


class RecordingJob:
    calls: list[tuple] = []

    def __init__(self, glue_context):
        assert isinstance(glue_context, RecordingGlueContext)

    def init(self, job_name, options):
        self.calls.append(("init", job_name, dict(options)))

    def commit(self):
        self.calls.append(("commit",))


@pytest.fixture
def glue_stand_ins(monkeypatch, spark):
    RecordingJob.calls = []
    monkeypatch.setattr(awsglue.context, "GlueContext", RecordingGlueContext)
    monkeypatch.setattr(awsglue.job, "Job", RecordingJob)
    return RecordingJob.calls


def test_glue_passes_job_name_so_the_glue_branch_is_taken():
    assert clean_olist.runs_on_glue(glue_argv("s3://lake/olist"))
    local = JobArguments("s3://lake/olist", DAY, "manual__1")
    assert not clean_olist.runs_on_glue(["clean_olist.py", *local.argv()])


def test_awsglue_resolves_the_job_arguments_among_glues_own():
    options = getResolvedOptions(
        glue_argv("s3://lake/olist", "orders,customers"), ["JOB_NAME", *NAMES]
    )

    assert options["JOB_NAME"] == "olist-clean"
    assert JobArguments.from_options(options) == JobArguments(
        "s3://lake/olist", DAY, "scheduled__2024-03-01", ("customers", "orders")
    )


def test_a_missing_job_argument_is_refused_by_awsglue():
    argv = glue_argv("s3://lake/olist")
    at = argv.index("--run_id")
    with pytest.raises(GlueArgumentError, match="--run_id"):
        getResolvedOptions(argv[:at] + argv[at + 2 :], ["JOB_NAME", *NAMES])


def test_the_glue_branch_cleans_between_job_init_and_commit(glue_stand_ins, lake, capsys):
    write_raw_partitions(lake)

    assert clean_olist.main(glue_argv(lake.uri)) == 0

    assert accounting_of(lake) == EXPECTED_ACCOUNTING
    assert lake.manifest("processed", "orders", DAY).run_id == "scheduled__2024-03-01"
    (init, job_name, options), (commit,) = glue_stand_ins
    assert (init, job_name, commit) == ("init", "olist-clean", "commit")
    assert options["lake_uri"] == lake.uri and options["JOB_RUN_ID"] == "jr_4567"
    printed = json.loads(capsys.readouterr().out)
    assert printed["customers"]["reasons"] == {"customer_state.not_a_state": 1}


def test_a_failed_run_does_not_commit_the_glue_job(glue_stand_ins, lake):
    # No raw partition: the run fails, and Job.commit (Glue's bookmark) is never reached.
    with pytest.raises(FileNotFoundError):
        clean_olist.main(glue_argv(lake.uri, "sellers"))

    assert [call[0] for call in glue_stand_ins] == ["init"]
