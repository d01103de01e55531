"""The cleaning job on a real Spark cluster: a standalone master and two workers on 127.0.0.1,
started from AWS Glue 5.0's runtime (.venv-glue: Python 3.11, Spark 3.5.4), the job submitted in
client mode as Glue runs it (the entrypoint script alone in a folder, the job's code only from
the ``--extra-py-files`` zip, no PYTHONPATH), and its results compared, row for row, with the
same job on a copy of the same raw partitions in local mode (the same spark-submit, the same
zip; only the master differs).

On a cluster the tasks run in executors: other JVMs, started by the workers in folders of their
own, whose Python workers (for any UDF or RDD function) get the job's code from the zip the
driver serves. So this catches what local mode hides:

- a function run by the executors that relies on the driver's process: state set on the driver
  at run time, a closure over a driver-only object, the driver's working directory or
  environment, a module importable only there or missing from the zip;
- a module missing from the zip on the driver too: the script is not submitted from
  ``glue_jobs/``, where the ``olist_cleaning`` beside it would hide the gap;
- files read from, or written to, the driver's own disk: the executors write the Parquet files,
  the driver reads their footers and commits them. Here the lake is a local folder that the
  driver and the executors both see (one machine), as they all see S3 on Glue: a path that only
  means something on the driver (relative, under its working directory) fails, but a cluster
  without shared storage is not simulated.

Today the job runs no Python on the executors (DataFrame expressions only): what they exercise
is Spark's side, tasks serialised to other JVMs, shuffles between executors and output
committed across processes. The event log's tasks and each worker's finished executors must
show the application on both workers, so a silent fall-back to local mode fails. ``make test``
creates .venv-glue (``make glue-env``); Java 17 must be installed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.glue_runtime import GLUE_PYTHON, GLUE_SUBMIT, GLUE_VENV, committed_partition
from support.raw_lake import (
    ALL_TABLES,
    DAY,
    EXPECTED_ACCOUNTING,
    accounting_of,
    write_raw_partitions,
)

from olist_cleaning.arguments import JobArguments
from olist_cleaning.packaging import write_job_files
from olist_pipeline.lake.cleaning import spark_submit_command
from olist_pipeline.lake.partitions import Lake

pytestmark = pytest.mark.integration

SPARK_HOME = GLUE_VENV / "lib" / "python3.11" / "site-packages" / "pyspark"
WORKERS = 2
CLUSTER_START_TIMEOUT = 90
JOB_TIMEOUT = 240
LOG_TAIL_LINES = 40
# A daemon, an executor or a job lives for well under a minute: the JVM's C2 compiler costs
# more CPU than it wins back on this small machine (as for the job's local sessions).
SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1"
# One single-core executor on each worker, and no task until both have registered.
CLUSTER_CONF = {
    "spark.executor.cores": "1",
    "spark.executor.memory": "1g",
    "spark.cores.max": str(WORKERS),
    "spark.executor.extraJavaOptions": SHORT_LIVED_JVM,
    "spark.scheduler.minRegisteredResourcesRatio": "1.0",
    "spark.scheduler.maxRegisteredResourcesWaitingTime": "60s",
}


def java_home() -> str:
    if home := os.environ.get("JAVA_HOME"):
        return home
    java = shutil.which("java")
    assert java, "no java on PATH: Spark needs Java 17 (see the README's prerequisites)"
    return str(Path(java).resolve().parents[1])


def clean_env(local_dirs: Path) -> dict[str, str]:
    """Glue's Python for the driver and the executors' workers, and nothing of this process's
    environment that could put the repository's code on their path."""
    if not GLUE_PYTHON.exists():
        pytest.fail(f"{GLUE_PYTHON} is missing: run `make glue-env` (make test does)")
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "JAVA_HOME": java_home(),
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOCAL_DIRS": str(local_dirs),
        "PYSPARK_PYTHON": str(GLUE_PYTHON),
        "PYSPARK_DRIVER_PYTHON": str(GLUE_PYTHON),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    text = path.read_text(errors="replace") if path.exists() else "(no output)"
    return "\n".join(text.splitlines()[-lines:])


def read_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process's group (a worker's executors are in it), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass
class Cluster:
    master_url: str
    master_json: str
    folder: Path
    env: dict[str, str]
    logs: list[Path]

    def state(self) -> dict:
        return read_json(self.master_json)

    def log_tails(self) -> str:
        return "\n".join(f"--- {log.name} ---\n{tail(log)}" for log in self.logs)


def start_daemon(name: str, arguments: list[str], cluster: Cluster) -> subprocess.Popen:
    log = cluster.folder / f"{name}.log"
    cluster.logs.append(log)
    with log.open("w") as output:
        return subprocess.Popen(
            [str(SPARK_HOME / "bin" / "spark-class"), *arguments],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=cluster.env,
            cwd=cluster.folder,
            # Its own process group, so that stopping it stops every JVM it started.
            start_new_session=True,
        )


def wait_for_alive_workers(cluster: Cluster, daemons: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + CLUSTER_START_TIMEOUT
    alive = 0
    while time.monotonic() < deadline:
        if exited := [d.args[1] for d in daemons if d.poll() is not None]:
            pytest.fail(f"Spark daemons exited while starting: {exited}\n{cluster.log_tails()}")
        try:
            workers = cluster.state()["workers"]
        except (OSError, ValueError, KeyError):
            workers = []
        alive = sum(1 for worker in workers if worker["state"] == "ALIVE")
        if alive == WORKERS:
            return
        time.sleep(0.5)
    pytest.fail(
        f"the standalone master at {cluster.master_url} reported {alive} of {WORKERS} workers"
        f" ALIVE after {CLUSTER_START_TIMEOUT}s\n{cluster.log_tails()}"
    )


@contextmanager
def standalone_cluster(folder: Path) -> Iterator[Cluster]:
    """A standalone master and two single-core workers on 127.0.0.1, stopped on leaving: their
    process groups are ended, whatever happened."""
    (folder / "local").mkdir()
    env = {
        **clean_env(folder / "local"),
        "SPARK_DAEMON_MEMORY": "512m",
        "SPARK_DAEMON_JAVA_OPTS": SHORT_LIVED_JVM,
    }
    master_port, master_ui = free_port(), free_port()
    cluster = Cluster(
        master_url=f"spark://127.0.0.1:{master_port}",
        master_json=f"http://127.0.0.1:{master_ui}/json/",
        folder=folder,
        env=env,
        logs=[],
    )
    daemons: list[subprocess.Popen] = []
    try:
        daemons.append(
            start_daemon(
                "master",
                ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                 "--port", str(master_port), "--webui-port", str(master_ui)],
                cluster,
            )
        )  # fmt: skip
        for number in range(1, WORKERS + 1):
            work_dir = folder / f"worker-{number}"
            work_dir.mkdir()
            daemons.append(
                start_daemon(
                    f"worker-{number}",
                    ["org.apache.spark.deploy.worker.Worker", cluster.master_url,
                     "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                     "--work-dir", str(work_dir), "--webui-port", str(free_port())],
                    cluster,
                )
            )  # fmt: skip
        wait_for_alive_workers(cluster, daemons)
        yield cluster
    finally:
        # Workers first (with their executors), then the master.
        for daemon in reversed(daemons):
            stop_process_group(daemon)


@dataclass
class Submitted:
    lake: Lake
    summary: dict
    events: list[dict]


class Submission:
    """The Glue script under Glue's spark-submit, cleaning its own copy of a raw lake."""

    def __init__(self, raw: Path, folder: Path, *, master: str, run_id: str, conf: dict):
        self.master = master
        lake_folder, self.events, bundle = folder / "lake", folder / "events", folder / "glue"
        shutil.copytree(raw, lake_folder)
        for path in (self.events, bundle, folder / "local"):
            path.mkdir()
        self.lake = Lake.from_uri(str(lake_folder))
        # As on Glue: the script alone in a folder (Glue copies it from its S3 location) and
        # the job's code only in the zip, so nothing beside the script stands in for a module.
        arguments = JobArguments(lake_uri=self.lake.uri, ingest_date=DAY, run_id=run_id)
        # The runner's own spark-submit command, on Glue's runtime, with the run's settings.
        command = spark_submit_command(
            *write_job_files(bundle), arguments, spark_master=master, spark_submit=GLUE_SUBMIT
        )
        settings = {
            **conf,
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": self.events.as_uri(),
            "spark.eventLog.compress": "false",
        }
        command[1:1] = [word for item in settings.items() for word in ("--conf", "=".join(item))]
        self.output = folder / "spark-submit.log"
        self.deadline = time.monotonic() + JOB_TIMEOUT
        with self.output.open("w") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=clean_env(folder / "local"),
                # Not the repository: the driver finds the project's code in the zip alone.
                cwd=folder,
                start_new_session=True,
            )

    def result(self) -> Submitted:
        try:
            returncode = self.process.wait(timeout=max(self.deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"the job on {self.master} ran over {JOB_TIMEOUT}s:\n{tail(self.output)}")
        if returncode != 0:
            pytest.fail(
                f"the job on {self.master} failed (exit {returncode}):\n{tail(self.output)}"
            )
        # spark-submit prints the driver's output: the job's JSON summary is its last JSON line.
        printed = [line for line in self.output.read_text().splitlines() if line.startswith("{")]
        assert printed, f"the job on {self.master} printed no summary:\n{tail(self.output)}"
        summary = json.loads(printed[-1])
        [event_log] = self.events.iterdir()
        with event_log.open() as lines:
            return Submitted(self.lake, summary, [json.loads(line) for line in lines])

    def stop(self) -> None:
        stop_process_group(self.process)


@dataclass
class Runs:
    cluster: Cluster
    on_cluster: Submitted
    in_local_mode: Submitted


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Iterator[Runs]:
    """The job on the cluster and in local mode, each on a copy of the same raw partitions
    (one of every table, with one of each problem). The local run overlaps the cluster's start
    and run: neither keeps both of this machine's cores busy alone."""
    raw = tmp_path_factory.mktemp("raw") / "lake"
    write_raw_partitions(Lake.from_uri(str(raw)))
    local = Submission(
        raw,
        tmp_path_factory.mktemp("local-mode"),
        master="local[2]",
        run_id="clean-locally",
        conf={},
    )
    try:
        with standalone_cluster(tmp_path_factory.mktemp("spark-cluster")) as cluster:
            remote = Submission(
                raw,
                tmp_path_factory.mktemp("on-cluster"),
                master=cluster.master_url,
                run_id="clean-on-cluster",
                conf=CLUSTER_CONF,
            )
            try:
                yield Runs(cluster, on_cluster=remote.result(), in_local_mode=local.result())
            finally:
                remote.stop()
    finally:
        local.stop()


def events_of(submitted: Submitted, kind: str) -> list[dict]:
    return [event for event in submitted.events if event["Event"] == kind]


def test_the_job_ran_its_tasks_on_executors_of_both_workers(runs):
    cluster, on_cluster = runs.cluster, runs.on_cluster
    [started] = events_of(on_cluster, "SparkListenerApplicationStart")
    app_id = started["App ID"]
    # Each executor's log address names the web UI of the worker that started it.
    worker_of_executor = {
        event["Executor ID"]: event["Executor Info"]["Log Urls"]["stdout"].split("/logPage")[0]
        for event in events_of(on_cluster, "SparkListenerExecutorAdded")
    }
    tasks_by_executor: dict[str, int] = {}
    for event in events_of(on_cluster, "SparkListenerTaskEnd"):
        executor = event["Task Info"]["Executor ID"]
        tasks_by_executor[executor] = tasks_by_executor.get(executor, 0) + 1
    workers = {worker["webuiaddress"]: worker for worker in cluster.state()["workers"]}

    assert app_id in {app["id"] for app in cluster.state()["completedapps"]}
    assert "driver" not in tasks_by_executor, "tasks ran in the driver: local mode, not the cluster"
    assert set(tasks_by_executor) <= set(worker_of_executor)
    assert {worker_of_executor[executor] for executor in tasks_by_executor} == set(workers), (
        f"tasks by executor {tasks_by_executor}, executors' workers {worker_of_executor}"
    )
    # The workers' own records agree: each ran one executor of the application.
    for address in workers:
        finished = read_json(f"{address}/json/")["finishedexecutors"]
        assert {executor["appid"] for executor in finished} == {app_id}, address


def test_the_cluster_commits_every_table_with_the_expected_accounting(runs):
    on_cluster = runs.on_cluster
    assert accounting_of(on_cluster.lake) == EXPECTED_ACCOUNTING
    assert on_cluster.summary["customers"]["reasons"] == {"customer_state.not_a_state": 1}
    for table in ALL_TABLES:
        assert on_cluster.lake.manifest("processed", table, DAY).run_id == "clean-on-cluster"


def test_the_cluster_and_local_mode_commit_identical_partitions(runs):
    on_cluster, in_local_mode = runs.on_cluster, runs.in_local_mode
    local_executors = {
        event["Task Info"]["Executor ID"]
        for event in events_of(in_local_mode, "SparkListenerTaskEnd")
    }
    assert local_executors == {"driver"}
    assert on_cluster.summary == in_local_mode.summary
    for table in ALL_TABLES:
        for zone in ("processed", "rejected"):
            on_the_cluster = committed_partition(on_cluster.lake, zone, table, DAY)
            in_local = committed_partition(in_local_mode.lake, zone, table, DAY)
            assert on_the_cluster == in_local, f"{zone}/{table} differs from local mode"
