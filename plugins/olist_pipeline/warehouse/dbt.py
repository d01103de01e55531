"""Run the warehouse's dbt project (``sql/``): build a selection of models for one run, keep the
run's artefacts, and generate the lineage site.

dbt runs in this process (``dbtRunner``, dbt's programmatic entry point), so an Airflow task pays
for the Python imports once and dbt's messages land in the task's log; ``DBT_EXECUTABLE`` runs a
``dbt`` command instead (a separate virtualenv, as MWAA sometimes needs). Either way the project
is parsed in a fixed target folder, so partial parsing makes every invocation after the first
skip the parse (the run's day, which changes every run, reaches the models through the
environment, which dbt's saved parse does not depend on), and each invocation's
``manifest.json`` and ``run_results.json`` are copied into the run's own folder afterwards.

The profile (``sql/profiles.yml``) reads every connection value from the environment;
``profile_env`` derives those values from the pipeline's warehouse, so dbt writes where the loads
wrote.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

log = logging.getLogger(__name__)

LAYERS = ("staging", "core", "marts")
ARTEFACTS = ("manifest.json", "run_results.json")
# The run's day, for the models (sql/macros/run.sql). An environment variable, read only when the
# SQL runs, rather than dbt's --vars: a new value of a variable makes dbt parse the whole project
# again, and the day changes every run.
INGEST_DATE_VARIABLE = "DBT_INGEST_DATE"
# dbt's sessions on the local warehouse (PostgreSQL): no JIT. PostgreSQL compiles a query whose
# estimated cost passes its thresholds, and the star schema's models pass them: dim_customer
# spent 0.5-0.7 s of 1.4-2.0 s compiling at SCALE=1, on the transform's critical path. The
# default memory stays (64 MB of work_mem built staging and core no faster). The loads' own
# settings are in postgres.py; docs/warehouse.md lists both.
LOCAL_SESSION_OPTIONS = "-c jit=off"
# dbt's page asks for three addresses that do not exist before its scripts run (a favicon left
# as a build-time placeholder, and Angular templates in plain src / xlink:href attributes): a
# browser logs each as an error, and from disk as an unsafe file access. Angular's ng-src and
# ng-attr- forms set the same attributes once the values are known.
STATIC_PAGE_FIXES = (
    ("href=\"${require('./assets/favicons/favicon.ico')}\"", 'href="data:,"'),
    ('xlink:href="{{ getIcon(', 'ng-attr-xlink:href="{{ getIcon('),
    ('src="{{ logo }}"', 'ng-src="{{ logo }}"'),
)


class DbtFailed(RuntimeError):
    """A dbt invocation failed: a model or test failed, or dbt could not run at all."""


@dataclass(frozen=True)
class NodeRun:
    """One model, test or unit test of a dbt invocation, from ``run_results.json``."""

    name: str
    resource_type: str
    relation: str | None
    status: str
    seconds: float
    rows_affected: int | None
    message: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def profile_env(warehouse) -> dict[str, str]:
    """The environment ``profiles.yml`` reads for ``warehouse``: its ``local`` target from a
    PostgreSQL warehouse's URL, or the ``redshift`` target (whose host, database and user come
    from the ``DBT_REDSHIFT_*`` variables of the deployment).

    For PostgreSQL also libpq's ``PGOPTIONS``: ``LOCAL_SESSION_OPTIONS`` first, then whatever
    the environment already sets (a later ``-c`` wins, so a user's own setting stands)."""
    if warehouse.dialect == "redshift":
        return {"DBT_TARGET": "redshift"}
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(warehouse.url)
    return {
        "DBT_TARGET": "local",
        "DBT_PG_HOST": str(params.get("host") or "127.0.0.1"),
        "DBT_PG_PORT": str(params.get("port") or 5432),
        "DBT_PG_USER": str(params.get("user") or "postgres"),
        "DBT_PG_PASSWORD": str(params.get("password") or ""),
        "DBT_PG_DATABASE": str(params.get("dbname") or "postgres"),
        "PGOPTIONS": f"{LOCAL_SESSION_OPTIONS} {os.environ.get('PGOPTIONS', '')}".strip(),
    }


def model_names(project_dir: Path, layer: str) -> list[str]:
    """The models of a layer, from the file names under ``models/<layer>/`` (one model per file,
    named after its table; the layer is its schema). Reads no SQL, so parsing a DAG stays
    cheap."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; expected one of {LAYERS}")
    return sorted(path.stem for path in (Path(project_dir) / "models" / layer).glob("*.sql"))


def layer_selector(layers: Sequence[str]) -> list[str]:
    """dbt's ``--select`` for whole layers (the folders under ``models/``)."""
    unknown = set(layers) - set(LAYERS)
    if unknown:
        raise ValueError(f"no model layers {sorted(unknown)}; expected some of {LAYERS}")
    return [f"path:models/{layer}" for layer in layers]


class DbtProject:
    """The dbt project in ``project_dir``, run against the warehouse that ``env`` describes.

    ``work_dir`` holds dbt's target folder (its partial-parse state and compiled SQL) and logs,
    kept between invocations; ``executable`` (a ``dbt`` command) runs dbt in a subprocess instead
    of in this process.
    """

    def __init__(
        self,
        project_dir: Path,
        *,
        env: Mapping[str, str],
        work_dir: Path,
        executable: str | None = None,
    ):
        self.project_dir = Path(project_dir)
        self.env = dict(env)
        self.work_dir = Path(work_dir)
        self.executable = executable
        self._manifest = None  # parsed once per instance when dbt runs in this process

    @property
    def target_dir(self) -> Path:
        return self.work_dir / "target"

    def build(
        self,
        select: Sequence[str],
        *,
        ingest_date: date | str,
        artefacts_dir: Path | None = None,
    ) -> list[NodeRun]:
        """``dbt build`` of ``select`` (models, then their data tests) for ``ingest_date``.

        Unit tests (given rows in, expected rows out) check the models' SQL, not the day's data,
        so a run leaves them out, as dbt advises for production; ``make test`` runs them with
        ``dbt test`` (``unit_tests``).

        Raises ``DbtFailed`` with dbt's messages for every failed model or test; the models that
        did not fail keep what they built (each model is its own transaction), and dbt skips the
        models downstream of a failure. ``artefacts_dir`` receives the invocation's manifest and
        run results, whatever the outcome.
        """
        arguments = ["build", "--select", *select, "--exclude-resource-type", "unit_test"]
        started = time.perf_counter()
        try:
            self.invoke(arguments, ingest_date=ingest_date)
        finally:
            if artefacts_dir is not None:
                self.keep_artefacts(artefacts_dir)
        runs = self.node_runs()
        log.info(
            "dbt build %s: %d nodes in %.1f s",
            " ".join(select),
            len(runs),
            time.perf_counter() - started,
        )
        return runs

    def unit_tests(self, *, ingest_date: date | str) -> list[NodeRun]:
        """``dbt test`` of every unit test (they need the models' upstream tables built)."""
        self.invoke(["test", "--select", "resource_type:unit_test"], ingest_date=ingest_date)
        return self.node_runs()

    def invoke(self, arguments: Sequence[str], *, ingest_date: date | str | None = None) -> None:
        """Run one dbt command (for ``ingest_date``, the day the models read); raise
        ``DbtFailed`` naming what failed and why."""
        arguments = [*arguments, "--project-dir", str(self.project_dir)]
        arguments += ["--profiles-dir", str(self.project_dir)]
        self.work_dir.mkdir(parents=True, exist_ok=True)
        # what an earlier invocation ran must not be read as this one's
        (self.target_dir / "run_results.json").unlink(missing_ok=True)
        env = {
            **self.env,
            "DBT_TARGET_PATH": str(self.target_dir),
            "DBT_LOG_PATH": str(self.work_dir / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        if ingest_date is not None:
            env[INGEST_DATE_VARIABLE] = _day(ingest_date)
        if self.executable:
            completed = subprocess.run(
                [self.executable, *arguments], env={**os.environ, **env}, check=False
            )
            succeeded, error = completed.returncode == 0, None
        else:
            succeeded, error = self._invoke_in_process(arguments, env)
        if not succeeded:
            failures = [
                f"{run.resource_type} {run.name}: {run.status}: {run.message}"
                for run in self.node_runs()
                if run.status in ("error", "fail", "runtime error")
            ]
            reason = "\n".join(failures) or (str(error) if error else "see dbt's log above")
            raise DbtFailed(f"dbt {arguments[0]} failed:\n{reason}")

    def _invoke_in_process(self, arguments: list[str], env: dict[str, str]):
        """dbt in this process, on a manifest parsed once: later invocations reuse it (even
        with other ``--vars``, which would make dbt parse the whole project again)."""
        from dbt.cli.main import dbtRunner

        _find_behavior_flag_sources_cheaply()
        with _environment(env):
            if self._manifest is None:
                parse_arguments = ["parse", *arguments[arguments.index("--project-dir") :]]
                if "--vars" in arguments:
                    at = arguments.index("--vars")
                    parse_arguments += arguments[at : at + 2]
                parsed = dbtRunner().invoke(parse_arguments)
                if not parsed.success:
                    return False, parsed.exception
                self._manifest = parsed.result
            result = dbtRunner(manifest=self._manifest).invoke(list(arguments))
        return result.success, result.exception

    def node_runs(self) -> list[NodeRun]:
        """What the last invocation ran, from its ``run_results.json``."""
        path = self.target_dir / "run_results.json"
        if not path.exists():
            return []
        results = json.loads(path.read_text())["results"]
        manifest = self._manifest_nodes()
        runs = []
        for result in results:
            node = manifest.get(result["unique_id"], {})
            relation = node.get("relation_name")
            runs.append(
                NodeRun(
                    name=node.get("name", result["unique_id"].rsplit(".", 1)[-1]),
                    resource_type=node.get("resource_type", result["unique_id"].split(".")[0]),
                    relation=relation.replace('"', "") if relation else None,
                    status=str(result["status"]),
                    seconds=round(float(result.get("execution_time") or 0), 3),
                    rows_affected=(result.get("adapter_response") or {}).get("rows_affected"),
                    message=result.get("message"),
                )
            )
        return runs

    def keep_artefacts(self, folder: Path) -> list[Path]:
        """Copy the last invocation's manifest and run results into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        kept = []
        for name in ARTEFACTS:
            source = self.target_dir / name
            if source.exists():
                kept.append(Path(shutil.copy2(source, folder / name)))
        return kept

    def generate_docs(self, out_dir: Path, *, ingest_date: date | str | None = None) -> Path:
        """Build the lineage site as one self-contained page, ``out_dir/index.html`` (dbt's
        ``docs generate --static``: the manifest and catalog inlined, so it opens from disk
        and from S3 with no server). ``ingest_date``: the run's, the day the compiled SQL the
        page shows reads."""
        self.invoke(["docs", "generate", "--static"], ingest_date=ingest_date)
        out_dir.mkdir(parents=True, exist_ok=True)
        page = out_dir / "index.html"
        text = (self.target_dir / "static_index.html").read_text(encoding="utf-8")
        for broken, fixed in STATIC_PAGE_FIXES:
            text = text.replace(broken, fixed)
        page.write_text(text, encoding="utf-8")
        return page

    def _manifest_nodes(self) -> dict:
        path = self.target_dir / "manifest.json"
        if not path.exists():
            return {}
        manifest = json.loads(path.read_text())
        return {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}


def _day(ingest_date: date | str) -> str:
    """A run's ingest date as the models read it (``sql/macros/run.sql``): ``yyyy-mm-dd``."""
    return date.fromisoformat(str(ingest_date)).isoformat()


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of an in-process dbt invocation (dbt's
    ``env_var()`` reads ``os.environ``), then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _find_behavior_flag_sources_cheaply() -> None:
    """Make dbt_common name a behavior flag's module without ``inspect.stack()``.

    Every adapter dbt creates (several per invocation) renders its behavior flags, and for each
    flag ``BehaviorFlagRendered`` evaluates ``_default_source()``, the module that declared it,
    even when the flag names its source and whether or not it ever warns. dbt_common finds that
    module with ``inspect.stack()``, which reads a line of source for every frame and, for a frame
    whose file is no loaded module's (Jinja's compiled templates), scans ``sys.modules``: its cost
    grows with the process's imports. In the DAG's task process that is 33 calls and 0.26 s a run;
    in a process that has imported Airflow, Spark's client, Great Expectations and Django as well
    (a long-lived worker, a test worker) a call took about 55 ms, and the warehouse's dbt-heavy
    tests spent a seventh of their time there (docs/benchmarks.md, fourteenth and fifteenth
    rounds).

    The replacement walks the same frames and answers the same question from each frame's module
    name, the first one that is a loaded module other than dbt_common's own: the module
    ``inspect.getmodule`` finds from the frame's file (tests/pipeline/warehouse/test_dbt_project.py
    checks both give the same name for every flag). The name only labels the warning a flag left
    at its default may log. If dbt_common stops calling ``_default_source``, this is inert.
    """
    try:
        from dbt_common.behavior_flags import BehaviorFlagRendered
    except ImportError:  # a dbt_common without behavior flags
        return
    BehaviorFlagRendered._default_source = staticmethod(_calling_module_name)


def _calling_module_name() -> str:
    """The name of the innermost loaded module on the call stack other than dbt_common's
    ``behavior_flags`` (what its ``_default_source`` returns), or ``"Unknown"``. Code compiled
    from a string (``<string>``, ``<template>``) belongs to no module file, so it is passed over,
    as ``inspect.getmodule`` passes it over."""
    frame = inspect.currentframe().f_back  # from the caller, as inspect.stack() inside it would
    while frame is not None:
        name = frame.f_globals.get("__name__")
        from_a_file = not frame.f_code.co_filename.startswith("<")
        if from_a_file and name != "dbt_common.behavior_flags" and name in sys.modules:
            return name
        frame = frame.f_back
    return "Unknown"
