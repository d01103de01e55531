"""What the lake gate and the warehouse checks share: Great Expectations' file context and Data
Docs site, the registration of validation definitions, and the shape of a run's results.

* **A file context under ``gx_project_dir``** (git-ignored ``data/gx``), not an ephemeral one:
  validation results accumulate there, so the Data Docs index lists every past run and a data
  steward can compare today's failure with yesterday's success. Both gates write into the same
  context and site, so one index lists both.
* **Data Docs on S3 are built locally, then uploaded** (files whose MD5 differs from the object's
  ETag): this GX release has no S3 store backend. The local copy sits in ``gx_project_dir``.
* **GX is imported inside the functions** (``import_gx``) so that DAG parsing does not pay for
  it, and with analytics disabled; the file context makes no network call.
* **The pages fetch nothing from elsewhere**: after each build ``data_docs_offline`` serves GX's
  CDN stylesheets and scripts from the site's own ``static/vendor/`` and drops the vendor's
  tracking logo and call-to-action footers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from olist_pipeline import static_sites
from olist_pipeline.quality.data_docs_offline import make_self_contained

log = logging.getLogger(__name__)

DOCS_SITE = "olist_data_docs"
SAMPLE_SIZE = 5
# The Data Docs index links the newest validation results, this many. GX builds the index by
# reading every stored result it lists, and each day's run stores 17 (11 lake tables, 6 warehouse
# suites): with no limit the lake gate alone took 5.2 s on its 30th day against 2.1 s on its
# second (docs/benchmarks.md). 119 is a week of daily runs; every older result keeps its page.
DATA_DOCS_INDEX_LIMIT = 119
# Where a stored suite keeps the digest of its repository file (see registered_definition).
SUITE_DIGEST = "source_sha256"


# --- Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedExpectation:
    table: str
    expectation: str
    column: str | None
    unexpected_count: int | None = None
    samples: tuple[Any, ...] = ()
    observed: Any = None
    error: str | None = None

    def describe(self, samples_limit: int = 300) -> str:
        where = f" on {self.column}" if self.column else ""
        if self.error:
            detail = f"could not be evaluated: {self.error}"
        elif self.unexpected_count is not None:
            detail = (
                f"{self.unexpected_count} unexpected, e.g."
                f" {short(list(self.samples), samples_limit)}"
            )
        else:
            detail = f"observed {short(self.observed)}"
        return f"{self.table}: {self.expectation}{where}: {detail}"


@dataclass(frozen=True)
class TableResult:
    table: str
    success: bool
    rows: int
    evaluated: int
    failed: int
    seconds: float
    failures: tuple[FailedExpectation, ...] = ()
    problem: str | None = None  # why the table could not be validated at all


@dataclass(frozen=True, kw_only=True)
class SuiteResults:
    """One run's validations of several tables: the lake gate's or the warehouse checks'."""

    run_id: str
    tables: tuple[TableResult, ...]
    docs_location: str
    seconds: float = 0.0
    # Characters of sample values in a failure's line (rows of several columns need more).
    samples_limit: int = 300

    @property
    def success(self) -> bool:
        return all(table.success for table in self.tables)

    def by_table(self) -> dict[str, TableResult]:
        return {table.table: table for table in self.tables}

    def heading(self) -> str:
        raise NotImplementedError

    def report(self) -> str:
        failing = [table for table in self.tables if not table.success]
        summary = (
            f"{len(failing)} of {len(self.tables)} tables failed"
            if failing
            else f"all {len(self.tables)} tables passed"
        )
        lines = [f"{self.heading()}: {summary}"]
        for table in failing:
            if table.problem:
                lines.append(f"  {table.table}: {table.problem}")
            lines.extend(f"  {failure.describe(self.samples_limit)}" for failure in table.failures)
        lines.append(f"Data Docs: {self.docs_location}")
        return "\n".join(lines)


class ValidationFailed(RuntimeError):
    """A suite failed, in either gate: the lake gate's ``LakeGateFailed`` or the warehouse's
    ``WarehouseChecksFailed``; one ``except`` catches both."""

    def __init__(self, result: SuiteResults):
        super().__init__(result.report())
        self.result = result


# --- The context and its Data Docs --------------------------------------------------------------


# GX logs its internals at INFO: about 1,100 lines in a DAG run's task logs at SCALE=1 (default
# values looked up, data assets serialised, decorators registered at import), two thirds of the
# run's log lines, around the gates' own reports. Its warnings and errors still show.
GX_LOG_LEVEL = logging.WARNING
# GX fingerprints every pandas batch under its size limit (``HASH_THRESHOLD``, 1 GB) for the
# result's batch markers: pandas hashes every value and GX takes the MD5 of those hashes. The
# lake's decimal columns hash as Python ``Decimal`` objects, one at a time: 1.6-2.0 s of the lake
# gate's 7.3-7.8 s at SCALE=1 (docs/benchmarks.md). A lake gate's batch is a committed partition,
# which its manifest already identifies (its ``checksum``) and the run name names (run id and
# ingest date), so the limit is 0 bytes: no frame is fingerprinted. The warehouse checks run in
# SQL, where GX fingerprints nothing.
PANDAS_FINGERPRINT_MAX_BYTES = 0


def import_gx():
    """``great_expectations``, imported with its analytics off and its INFO chatter silenced
    (``GX_LOG_LEVEL``), unless the deployment set its logger's level (Airflow's ``[logging]
    namespace_levels``, say ``great_expectations=INFO``), without its fingerprint of pandas
    batches (``PANDAS_FINGERPRINT_MAX_BYTES``), with its range rule compared column-wise on
    decimals and nullable integers (``gx_range_rule``), and with an unexpected-rows rule's
    query run once on SQL (``gx_unexpected_rows``)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    gx_logger = logging.getLogger("great_expectations")
    if gx_logger.level == logging.NOTSET:
        gx_logger.setLevel(GX_LOG_LEVEL)
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = PANDAS_FINGERPRINT_MAX_BYTES
    # GX logs a warning when a metric's provider is replaced; replacing them is the point here.
    registry_log = logging.getLogger("great_expectations.expectations.registry")
    level = registry_log.level
    registry_log.setLevel(logging.ERROR)
    try:
        from olist_pipeline.quality import (  # noqa: F401 (each registers its metric)
            gx_range_rule,
            gx_unexpected_rows,
        )
    finally:
        registry_log.setLevel(level)

    return gx


def local_site(gx_project_dir: Path, data_docs_uri: str) -> Path:
    """Where the Data Docs are built: the site's own folder, or for an S3 site a folder in the
    GX project, mirrored to S3 afterwards."""
    if data_docs_uri.startswith("s3://"):
        return Path(gx_project_dir) / "data_docs"
    return Path(data_docs_uri.removeprefix("file://"))


# The YAML files GX writes when it creates a project (and rewrites when its variables change).
SCAFFOLD_FILES = ("gx/great_expectations.yml", "gx/uncommitted/config_variables.yml")


def repair_interrupted_scaffold(project_dir: Path) -> list[Path]:
    """Remove each GX project file an interrupted run left empty or cut short; return them.

    GX writes these files in place (open, then write), so a gate killed in between leaves an
    empty ``config_variables.yml``, on which every later ``get_context`` fails (``TypeError:
    'NoneType' object is not iterable``) and the gate could never run again. A file that does
    not read as a YAML mapping is removed: GX writes it again from its template, and
    ``file_context`` and the gates set the Data Docs site and the datasources again."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    removed = []
    for name in SCAFFOLD_FILES:
        path = Path(project_dir) / name
        if not path.is_file():
            continue
        try:
            content = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        except (YAMLError, UnicodeDecodeError):
            content = None
        if not isinstance(content, dict):
            log.warning("GX project: %s was left empty or cut short; GX writes it again", path)
            path.unlink()
            removed.append(path)
    return removed


def file_context(gx_project_dir: Path, data_docs_uri: str):
    """The GX file context in ``gx_project_dir``, whose only Data Docs site is ``local_site``."""
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    project_dir = Path(gx_project_dir)
    project_dir.mkdir(parents=True, exist_ok=True)
    repair_interrupted_scaffold(project_dir)
    context = gx.get_context(mode="file", project_root_dir=project_dir)
    site = {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(local_site(project_dir, data_docs_uri).resolve()),
        },
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "validation_results_limit": DATA_DOCS_INDEX_LIMIT,
        },
    }
    if (context.variables.data_docs_sites or {}) != {DOCS_SITE: site}:
        # Only our site: GX's default one would render a second copy under gx/uncommitted.
        context.variables.data_docs_sites = {DOCS_SITE: site}
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.analytics_enabled = False
        context.variables.save()
    return context


def publish_data_docs(
    context,
    documented: Iterable[Any],
    *,
    gx_project_dir: Path,
    data_docs_uri: str,
    s3_client_factory: Callable[[], Any],
) -> str:
    """Render the pages of ``documented`` (suite and validation identifiers) into the site, make
    it self-contained (``data_docs_offline``: no CDN, no tracking image, no vendor banner), mirror
    it to S3 when it lives there (with ``s3_client_factory()``'s client); where to open it."""
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=list(documented))
    make_self_contained(local_site(gx_project_dir, data_docs_uri))
    if data_docs_uri.startswith("s3://"):
        static_sites.mirror_to_s3(
            local_site(gx_project_dir, data_docs_uri), data_docs_uri, s3_client_factory()
        )
    return static_sites.location(data_docs_uri)


def run_name(run_id: str, ingest_date: str | None) -> str:
    """A validation run's name: the ingest date first, so the Data Docs index groups a day's
    reruns, then the run id as a folder-safe name."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", run_id).strip("-")
    return f"{ingest_date}_{safe}" if ingest_date else safe


def registered_definition(context, name: str, suite: dict[str, Any], batch_definition):
    """The validation definition ``name`` of ``suite``, re-registered only when the suite file
    changed (``batch_definition()`` gives its data then).

    GX's ``add_or_update`` matches expectations pairwise (quadratic in the suite size) and
    rewrites the stores; a digest of the repository file in the stored suite's meta skips that
    on every run but the first after a change.
    """
    gx = import_gx()
    from great_expectations.exceptions import DataContextError

    digest = hashlib.sha256(json.dumps(suite, sort_keys=True).encode()).hexdigest()
    try:
        definition = context.validation_definitions.get(name)
    except DataContextError:  # not registered yet
        definition = None
    except ValueError:
        # Unreadable: its datasource is gone from a project file GX wrote again
        # (repair_interrupted_scaffold), or its own file was cut short. GX's delete reads it
        # first, so its key is removed from the store directly.
        store = context.validation_definition_store
        store.remove_key(store.get_key(name=name))
        definition = None
    if definition is not None and definition.suite.meta.get(SUITE_DIGEST) == digest:
        return definition
    for store in (context.validation_definitions, context.suites):
        with contextlib.suppress(DataContextError):  # not registered yet
            store.delete(name)
    stored = context.suites.add(
        gx.ExpectationSuite(**{**suite, "meta": {**suite.get("meta", {}), SUITE_DIGEST: digest}})
    )
    return context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch_definition(), suite=stored)
    )


def documented_pages(suite_name: str, run_identifier, batch_id) -> list[Any]:
    """The Data Docs pages of one validation: its suite's and its result's."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    suite_identifier = ExpectationSuiteIdentifier(name=suite_name)
    page = ValidationResultIdentifier(
        expectation_suite_identifier=suite_identifier,
        run_id=run_identifier,
        batch_identifier=batch_id,
    )
    return [suite_identifier, page]


# --- Failure details ----------------------------------------------------------------------------


def failing_columns(config) -> list[str]:
    """The columns an expectation's configuration names."""
    kwargs = config.kwargs
    if config.type == "expect_compound_columns_to_be_unique":
        return list(kwargs["column_list"])
    return [kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs]


def column_differences(expected: list[str], found: list[str]) -> str:
    missing = [name for name in expected if name not in found]
    unexpected = [name for name in found if name not in expected]
    parts = []
    if missing:
        parts.append(f"missing {missing}")
    if unexpected:
        parts.append(f"unexpected {unexpected}")
    return "; ".join(parts) or f"columns out of order: {found}"


def plain(value: Any) -> Any:
    """numpy scalars as Python values, so messages read ``7``, not ``np.int16(7)``."""
    return value.item() if hasattr(value, "item") and not isinstance(value, dict) else value


def short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
