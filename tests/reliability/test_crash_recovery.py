"""Crash at every stage, lose nothing: the ELT run SIGKILLed inside each task, then retried.

One uninterrupted run of a day on the tiny shop gives the expected warehouse. A second run is
killed inside a task, retried from that task (as Airflow retries a task and then runs its
downstream), killed again inside a later task, and so on until it finishes: one recovery per
kill point, all checked at the end against the uninterrupted run, table by table and partition
by partition (rows and an MD5 of the sorted rows), with the site's pages, the staging rows and
the run audit. One comparison at the end judges every recovery, because no stage rewrites what
another writes: the lake's raw zone is the extract's alone, staging's ``lake_`` tables the
load's, and so on (``KillPoint.writes``), so each is as its killed stage's retry left it.

The kills are triggered from outside, with no hook in the pipeline's code: a lock held on a shop
table the extract has yet to read, Spark's files appearing in the lake before their manifest,
the Great Expectations project appearing, and in the warehouse an event trigger (test-only DDL
in the test's own database) that slows a COPY or a model's ``create table`` so that
``pg_stat_activity`` shows it in progress when the worker dies. The worker (Spark's JVM and
dbt included) is killed as a process group with SIGKILL, which gives it no chance to clean up.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from support.workers import per_worker

from config.postgres import ensure_database, resolve_database_url, with_database
from olist_pipeline.lake.partitions import MANIFEST_NAME, ZONES, Lake
from olist_pipeline.tables import TABLES

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("pipeline_driver.py")
RUN_ID = "manual__crash-recovery"
RUN_AFTER = "2026-11-10T03:00:00+00:00"
WAREHOUSE_DATABASE = per_worker("reliability_test_warehouse")
# The audit differs between runs by design (times, tries); every other schema must not.
COMPARED_SCHEMAS_SQL = (
    "select table_schema, table_name from information_schema.tables"
    " where table_schema not in ('pg_catalog', 'information_schema', 'audit')"
    " and table_type = 'BASE TABLE' order by 1, 2"
)


def fresh_database(name: str) -> str:
    url = with_database(resolve_database_url(), name)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
    ensure_database(url)
    return url


def table_checksums(url: str) -> dict[str, tuple[int, str]]:
    """Rows and the MD5 of the sorted rows' text, for every table of the warehouse."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(COMPARED_SCHEMAS_SQL).fetchall()
        return {
            f"{schema}.{name}": conn.execute(
                f"select count(*), coalesce(md5(string_agg(t::text, ',' order by t::text)), '')"
                f' from "{schema}"."{name}" t'
            ).fetchone()
            for schema, name in tables
        }


def uncommitted_files(lake_root: Path) -> list[str]:
    """Files of the lake that no manifest names (orphans of a killed write), and partitions
    without a manifest."""
    lake = Lake.from_uri(str(lake_root))
    found = []
    for zone in ZONES:
        for partition in sorted((lake_root / zone).glob("*/ingest_date=*")):
            table, day = partition.parent.name, partition.name.split("=", 1)[1]
            manifest = lake.manifest(zone, table, day)
            named = {entry.path for entry in manifest.files} if manifest else set()
            if manifest:
                lake.verified_file_uris(manifest)  # the committed files are whole
            for path in partition.rglob("*"):
                relative = path.relative_to(partition).as_posix()
                if path.is_file() and relative != MANIFEST_NAME and relative not in named:
                    found.append(f"{zone}/{table}/{partition.name}/{relative}")
            if manifest is None and any(p.is_file() for p in partition.rglob("*")):
                found.append(f"{zone}/{table}/{partition.name}: no manifest")
    return found


def lake_checksums(lake_root: Path) -> dict[str, tuple[int, str]]:
    """Rows and the MD5 of the sorted rows, for every committed partition of the lake (its
    files' bytes need not match: Spark may write rows in another order)."""
    import pyarrow.parquet as pq

    lake = Lake.from_uri(str(lake_root))
    found = {}
    for zone in ZONES:
        for partition in sorted((lake_root / zone).glob("*/ingest_date=*")):
            table, day = partition.parent.name, partition.name.split("=", 1)[1]
            manifest = lake.manifest(zone, table, day)
            if manifest is None:
                continue
            rows = sorted(
                repr(row)
                for uri in lake.verified_file_uris(manifest)
                for row in pq.read_table(uri.removeprefix("file://")).to_pylist()
            )
            found[f"{zone}/{table}"] = (
                len(rows),
                hashlib.md5("\n".join(rows).encode()).hexdigest(),
            )
    return found


@dataclass
class Run:
    """One pipeline's folders, connections and driver runs."""

    root: Path
    shop_url: str
    warehouse_url: str
    # the cleaning's Spark Connect server (URL, home): a killed clean task's query runs on there
    spark_connect: tuple[str, Path]
    outputs: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "AIRFLOW_CONN_OLIST_SHOP": self.shop_url,
            "AIRFLOW_CONN_OLIST_WAREHOUSE": self.warehouse_url,
            "LAKE_URI": str(self.root / "lake"),
            "DATA_DOCS_URI": str(self.root / "data_docs"),
            "GX_PROJECT_DIR": str(self.root / "gx"),
            "DASHBOARDS_SITE_URI": str(self.root / "dashboards"),
            # one dbt work folder for every run: the same database name, so dbt parses once
            "DBT_WORK_DIR": str(REPO_ROOT / ".local" / per_worker("reliability-dbt", "-")),
            "DBT_ARTEFACTS_URI": str(self.root / "dbt_runs"),
            "DBT_DOCS_URI": str(self.root / "dbt_docs"),
            "CLEAN_RUNNER": "spark-connect",
            "SPARK_CONNECT_URL": self.spark_connect[0],
            "SPARK_CONNECT_HOME": str(self.spark_connect[1]),
            "SPARK_MASTER": "local[2]",
            "GX_ANALYTICS_ENABLED": "False",
            "PYTHONPATH": os.pathsep.join(
                [str(REPO_ROOT / "plugins"), str(REPO_ROOT / "django_project")]
            ),
        }

    def start(self, first: str) -> subprocess.Popen:
        (self.root / "state").mkdir(parents=True, exist_ok=True)
        command = [sys.executable, str(DRIVER), str(self.root / "state"), "--run-id", RUN_ID]
        command += ["--run-after", RUN_AFTER, "--from", first]
        output = open(self.root / f"driver-{len(self.outputs)}.log", "w+")  # noqa: SIM115
        self.outputs.append(output.name)
        return subprocess.Popen(
            command, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return Path(self.outputs[-1]).read_text()

    def run_to_the_end(self, first: str) -> None:
        process = self.start(first)
        try:
            assert process.wait(timeout=600) == 0, self.output()[-5000:]
        finally:  # a failed or interrupted test leaves no worker behind (it has its own group)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


def sql(url: str, statement: str, *, autocommit: bool = True) -> list[tuple]:
    with psycopg.connect(url, autocommit=autocommit) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def activity(url: str, condition: str) -> bool:
    """Whether a backend of ``url``'s database other than ours matches ``condition``."""
    return bool(
        sql(
            url,
            "select 1 from pg_stat_activity where datname = current_database()"
            f" and pid <> pg_backend_pid() and ({condition})",
        )
    )


def wait_for_backends_to_end(url: str) -> None:
    """What a killed worker left running ends once PostgreSQL notices its client is gone
    (Airflow's retry delay gives it the same time)."""
    deadline = time.monotonic() + 30
    while activity(url, "backend_type = 'client backend'"):
        assert time.monotonic() < deadline, "the killed worker's sessions are still there"
        time.sleep(0.1)


# A test-only event trigger: the DDL that creates a matching table waits (a model's
# `create table ... as`), or its rows are inserted slowly (the load's COPY), so that the worker
# is seen inside that statement when it is killed.
SLOW_DDL_SQL = """
create or replace function public.crash_test_slow_rows() returns trigger language plpgsql as
$$ begin perform pg_sleep(0.02); return new; end $$;
create or replace function public.crash_test_slow_ddl() returns event_trigger
language plpgsql as $$
declare created record;
begin
  for created in select * from pg_event_trigger_ddl_commands()
                 where object_type = 'table' and object_identity like '{pattern}' loop
    if '{mode}' = 'rows' then
      execute format('create trigger crash_test_slow before insert on %s for each row'
                     ' execute function public.crash_test_slow_rows()', created.object_identity);
    else
      perform pg_sleep(3);
    end if;
  end loop;
end $$;
create event trigger crash_test_slow_ddl on ddl_command_end
  when tag in ('CREATE TABLE', 'CREATE TABLE AS') execute function public.crash_test_slow_ddl();
"""
DROP_SLOW_DDL_SQL = "drop event trigger if exists crash_test_slow_ddl"


@dataclass
class KillPoint:
    name: str
    task: str
    # what the stage writes (lake zones, warehouse schemas or table prefixes, "site"): its
    # recovery is identical when these are; no later stage rewrites them
    writes: tuple[str, ...]
    triggered: Callable[[Run], bool]
    prepare: Callable[[Run], Callable[[], None]] = lambda run: lambda: None
    # seconds between two looks at the trigger: short where the stage's window is short
    poll: float = 0.02
    # what the killed attempt left, checked after its death: the write was really under way
    left_mid_write: Callable[[Run], bool] = lambda run: True


def _slow_ddl(pattern: str, mode: str) -> Callable[[Run], Callable[[], None]]:
    def prepare(run: Run) -> Callable[[], None]:
        sql(run.warehouse_url, SLOW_DDL_SQL.format(pattern=pattern, mode=mode))
        return lambda: sql(run.warehouse_url, DROP_SLOW_DDL_SQL)

    return prepare


def _lock_shop_table(table: str) -> Callable[[Run], Callable[[], None]]:
    def prepare(run: Run) -> Callable[[], None]:
        conn = psycopg.connect(run.shop_url)
        conn.execute(f"lock table {table} in access exclusive mode")
        return conn.close  # rolls back, releasing the lock

    return prepare


def _committed(run: Run, zone: str) -> list[Path]:
    return list((run.root / "lake" / zone).glob(f"*/ingest_date=*/{MANIFEST_NAME}"))


def _spark_files_before_their_manifest(run: Run) -> bool:
    for part in (run.root / "lake" / "processed").glob("*/ingest_date=*/attempt-*/*.parquet"):
        if not (part.parent.parent / MANIFEST_NAME).exists():
            return True
    return False


def _relation_exists(run: Run, name: str) -> bool:
    return bool(sql(run.warehouse_url, f"select to_regclass('{name}')")[0][0])


KILL_POINTS = [
    KillPoint(
        "extract: mid-stream, tables committed, blocked reading reviews",
        "extract",
        ("raw/",),
        lambda run: (
            bool(_committed(run, "raw"))
            and activity(run.shop_url, "wait_event_type = 'Lock' and query ilike '%reviews%'")
        ),
        _lock_shop_table("reviews"),
    ),
    KillPoint(
        "clean: Spark's files written, their manifest not yet",
        "clean",
        ("processed/", "rejected/"),
        _spark_files_before_their_manifest,
    ),
    KillPoint(
        "quality_gate: Great Expectations running",
        "quality_gate",
        ("processed/",),
        lambda run: (run.root / "gx").exists(),
    ),
    KillPoint(
        "load: inside the COPY of order_items",
        "load",
        ("staging.lake_",),
        lambda run: activity(
            run.warehouse_url, "state = 'active' and query ilike 'copy%lake_order_items%'"
        ),
        _slow_ddl("staging.lake_order_items", "rows"),
    ),
    KillPoint(
        "transform: between models (staging built, the star schema not)",
        "transform",
        ("staging.stg_", "core."),
        lambda run: (
            _relation_exists(run, "staging.stg_orders")
            and not _relation_exists(run, "core.fact_sales")
        ),
    ),
    KillPoint(
        "transform: inside the fact_sales model's statement",
        "transform",
        ("staging.stg_", "core."),
        lambda run: activity(
            run.warehouse_url, "wait_event = 'PgSleep' and query ilike '%fact_sales%'"
        ),
        _slow_ddl("core.fact_sales%", "sleep"),
    ),
    KillPoint(
        "marts: inside the mart_rfm model's statement",
        "marts",
        ("marts.",),
        lambda run: activity(
            run.warehouse_url, "wait_event = 'PgSleep' and query ilike '%mart_rfm%'"
        ),
        _slow_ddl("marts.mart_rfm%", "sleep"),
    ),
    # The site is rendered into a folder beside it, then renamed into place: some 40 ms of
    # writes, so the trigger is looked at every half millisecond.
    KillPoint(
        "dashboards: pages being written",
        "dashboards",
        ("site",),
        lambda run: any(run.root.glob(".dashboards-*/*")),
        poll=0.0005,
        left_mid_write=lambda run: (
            any(run.root.glob(".dashboards-*/*")) and not (run.root / "dashboards").exists()
        ),
    ),
]


def kill_at(run: Run, point: KillPoint, resume: str) -> None:
    """Start the worker at ``resume`` (the task killed last: its retry), SIGKILL its process
    group once ``point``'s trigger holds, and check it died there: by the signal, inside the
    task."""
    release = point.prepare(run)
    process = run.start(resume)
    try:
        while not point.triggered(run):
            assert process.poll() is None, (
                f"{point.name}: the worker ended before the kill point\n{run.output()[-3000:]}"
            )
            time.sleep(point.poll)
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        release()
    output = run.output()
    assert f"START {point.task}" in output and f"END {point.task}" not in output, point.name
    assert point.left_mid_write(run), f"{point.name}: the kill came after the write"
    wait_for_backends_to_end(run.warehouse_url)
    wait_for_backends_to_end(run.shop_url)
    # What the killed attempt committed is whole: every manifest's files match it.
    uncommitted_files(run.root / "lake")


def audit_rows(url: str) -> list[tuple]:
    return sql(
        url,
        "select task_id, try_number, state, error from audit.pipeline_runs"
        " where state <> 'running' order by recorded_at, try_number",
    )


@pytest.fixture(scope="module")
def uninterrupted(loaded_shop_url, spark_connect, tmp_path_factory) -> Iterator[dict]:
    """The warehouse and the dashboards of one uninterrupted run (its database is dropped
    afterwards; the killed run takes the same name)."""
    run = Run(
        tmp_path_factory.mktemp("uninterrupted"),
        loaded_shop_url,
        fresh_database(WAREHOUSE_DATABASE),
        spark_connect,
    )
    started = time.monotonic()
    run.run_to_the_end("extract")
    print(f"\nuninterrupted run: {time.monotonic() - started:.0f} s")
    print("\n".join(line for line in run.output().splitlines() if line.startswith("END ")))
    pages = sorted(
        p.relative_to(run.root / "dashboards").as_posix()
        for p in (run.root / "dashboards").rglob("*")
        if p.is_file()
    )
    yield {
        "tables": table_checksums(run.warehouse_url),
        "lake": lake_checksums(run.root / "lake"),
        "pages": pages,
    }
    fresh_database(WAREHOUSE_DATABASE)  # emptied: the killed run's warehouse is not kept
    sql(with_database(run.warehouse_url, "postgres"), f'drop database "{WAREHOUSE_DATABASE}"')


# About 4 minutes with its fixture on a quiet 2-core machine; the default 10 leaves too little
# room on a busy one.
@pytest.mark.timeout(1200)
def test_a_run_killed_inside_every_stage_recovers_to_the_uninterrupted_warehouse(
    uninterrupted, shop_url, spark_connect, tmp_path
):
    run = Run(tmp_path, shop_url, fresh_database(WAREHOUSE_DATABASE), spark_connect)
    lines = []
    resume = "extract"
    for point in KILL_POINTS:
        started = time.monotonic()
        kill_at(run, point, resume)
        resume = point.task
        lines.append(f"{time.monotonic() - started:5.1f} s  killed: {point.name}")
    started = time.monotonic()
    run.run_to_the_end(KILL_POINTS[-1].task)
    lines.append(f"{time.monotonic() - started:5.1f} s  the last retry, to the end")

    recovered = {
        **table_checksums(run.warehouse_url),
        **lake_checksums(tmp_path / "lake"),
        "site": sorted(
            p.relative_to(tmp_path / "dashboards").as_posix()
            for p in (tmp_path / "dashboards").rglob("*")
            if p.is_file()
        ),
    }
    expected = {**uninterrupted["tables"], **uninterrupted["lake"], "site": uninterrupted["pages"]}
    different = sorted(
        name
        for name in recovered.keys() | expected.keys()
        if recovered.get(name) != expected.get(name)
    )
    identical = [
        point.name
        for point in KILL_POINTS
        if not any(name.startswith(point.writes) for name in different)
        and any(name.startswith(point.writes) for name in expected)
    ]
    print("\n" + "\n".join(lines))
    print(
        f"kill points tried: {len(KILL_POINTS)}, recoveries identical: {len(identical)}"
        f" ({len(expected)} tables, lake partitions and the site's pages compared;"
        f" {sum(float(line.split()[0]) for line in lines):.0f} s)"
    )
    assert not different, f"different from the uninterrupted run's: {different}"
    assert len(identical) == len(KILL_POINTS)
    assert len(recovered) >= 20

    # The lake holds only what manifests committed; staging holds the day once; the killed
    # render's build folder is gone.
    assert uncommitted_files(tmp_path / "lake") == []
    assert list(tmp_path.glob(".dashboards-*")) == []
    lake = Lake.from_uri(str(tmp_path / "lake"))
    for table in TABLES:
        manifest = lake.manifest("processed", table.name, RUN_AFTER[:10])
        [(rows, distinct)] = sql(
            run.warehouse_url,
            f"select count(*), count(distinct t::text) from staging.lake_{table.name} t",
        )
        assert rows == distinct == manifest.rows, table.name

    # Each killed attempt is recorded as failed (noticed by its retry), then the retry's success.
    audited = audit_rows(run.warehouse_url)
    killed = {}
    for point in KILL_POINTS:
        task_id = next(
            t for t, _, _, _ in audited if t.endswith(f".{point.task}") or t == point.task
        )
        killed.setdefault(task_id, 0)
        killed[task_id] += 1
    for task_id, kills in killed.items():
        rows = [(tries, state) for t, tries, state, _ in audited if t == task_id]
        assert rows == [*((n, "failed") for n in range(1, kills + 1)), (kills + 1, "success")], (
            task_id,
            rows,
        )
        errors = [e for t, _, state, e in audited if t == task_id and state == "failed"]
        assert all("worker was killed or lost" in e for e in errors)
