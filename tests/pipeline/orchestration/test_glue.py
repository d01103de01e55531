"""The cleaning job on AWS Glue, as far as it runs here: the operator against moto's Glue and S3
(a job run is started with the run's arguments and awaited), and a quiet day that starts no job
run at all."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from olist_pipeline.orchestration.glue import CleanOnGlueOperator
from olist_pipeline.orchestration.run_facts import RunFacts
from olist_pipeline.settings import PipelineSettings
from olist_pipeline.tables import TABLES

BUCKET = "olist-lake"
DAY = "2026-11-24"
JOB = "olist-clean"


@pytest.fixture
def aws(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AIRFLOW_CONN_AWS_DEFAULT": "aws://?region_name=us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        boto3.client("glue").create_job(
            Name=JOB,
            Role="arn:aws:iam::123456789012:role/olist-glue",
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/glue/clean_olist.py"},
        )
        yield boto3.client("glue")


def settings() -> PipelineSettings:
    return dataclasses.replace(
        PipelineSettings.from_env(),
        lake_uri=f"s3://{BUCKET}/lake",
        clean_runner="glue",
        glue_job_name=JOB,
    )


def facts(rows_extracted: int) -> RunFacts:
    return RunFacts(
        run_id="scheduled__2026-11-24T03:00:00+00:00",
        ingest_date=DAY,
        interval_start="2026-11-23T03:00:00+00:00",
        interval_end="2026-11-24T03:00:00+00:00",
        full_refresh=False,
        rows_extracted=rows_extracted,
    )


class TaskInstance(SimpleNamespace):
    """The little of a task instance the Glue operator uses: XCom pushes, recorded."""

    def __init__(self):
        super().__init__(
            dag_id="olist_elt", task_id="lake.clean", run_id="r", map_index=-1, try_number=1
        )
        self.pushed: dict = {}

    def xcom_push(self, key: str, value) -> None:
        self.pushed[key] = value


def operator(run_facts: RunFacts) -> CleanOnGlueOperator:
    # durable=False: no task-state store outside a real task run
    return CleanOnGlueOperator(
        task_id="clean", facts=run_facts, settings=settings(), durable=False, job_poll_interval=0
    )


def test_a_run_with_rows_starts_the_job_with_the_run_s_arguments_and_waits(aws):
    ti = TaskInstance()

    job_run_id = operator(facts(rows_extracted=12)).execute({"ti": ti})

    run = aws.get_job_run(JobName=JOB, RunId=job_run_id)["JobRun"]
    assert run["JobRunState"] == "SUCCEEDED"
    assert {key: value for key, value in run["Arguments"].items() if key != "--tables"} == {
        "--lake_uri": f"s3://{BUCKET}/lake",
        "--ingest_date": DAY,
        "--run_id": "scheduled__2026-11-24T03:00:00+00:00",
    }
    assert run["Arguments"]["--tables"].split(",") == [table.name for table in TABLES]
    assert ti.pushed["glue_job_run_id"] == job_run_id


def test_a_quiet_day_starts_no_job_run_and_commits_empty_partitions(aws):
    from olist_pipeline.lake.partitions import Lake

    lake = Lake.from_uri(f"s3://{BUCKET}/lake", s3_client=boto3.client("s3"))
    for table in TABLES:
        with lake.write_parquet("raw", table.name, DAY, table.arrow_schema(), run_id="x"):
            pass

    assert operator(facts(rows_extracted=0)).execute({"ti": TaskInstance()}) is None

    assert aws.get_job_runs(JobName=JOB)["JobRuns"] == []
    for table in TABLES:
        processed = lake.manifest("processed", table.name, DAY)
        assert processed.rows == 0 and processed.run_id == facts(0).run_id
        assert lake.manifest("rejected", table.name, DAY).rows == 0
