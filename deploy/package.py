"""``make package``: the deployment bundles in ``dist/``, the same bytes for the same sources.

``dist/mwaa/`` is what an MWAA environment's bucket holds: ``dags/`` (the DAG files and what
they read from disk at run time: the dbt project, the suites, the dashboard definitions),
``plugins.zip`` (the pipeline package, the Airflow plugin and the cleaning job's package) and
``requirements.txt`` (MWAA's constraints line, then uv.lock's pins for what MWAA lacks).
``dist/glue/`` is what the Glue job runs: its entrypoint script, the ``--extra-py-files`` zip
and the ``--additional-python-modules`` list. ``dist/manifest.json`` lists every file with its
size and SHA-256. The targeted versions come from ``deploy/aws_runtimes.json``; docs/deploy.md
says how each file maps onto S3.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNTIMES_FILE = REPO_ROOT / "deploy" / "aws_runtimes.json"
DEFAULT_OUT = REPO_ROOT / "dist"
MANIFEST = "manifest.json"

# MWAA syncs the bucket's dags/ here on every component; plugins.zip unpacks beside it.
MWAA_DAGS_FOLDER = PurePosixPath("/usr/local/airflow/dags")
# MWAA's documented form of the constraints line, with Airflow's published constraints.
CONSTRAINTS_URL = (
    "https://raw.githubusercontent.com/apache/airflow"
    "/constraints-{airflow}/constraints-{python}.txt"
)

# What the DAG reads from the filesystem at run time, shipped under the DAGs folder: the
# setting that points the pipeline at it, the repository folder, and what is left out of it.
DAGS_FOLDER_DATA = {
    # dbt reads dbt_project.yml, profiles.yml, models/ and macros/; target/ and logs/ are a
    # hand run's output, lint_context/ is sqlfluff's stand-in for dbt.
    "DBT_PROJECT_DIR": ("sql", frozenset({"target", "logs", "lint_context"})),
    "EXPECTATIONS_DIR": ("expectations", frozenset()),
    "DASHBOARDS_DIR": ("dashboards", frozenset()),
}
# dbt packages would need vendoring into the bundle: MWAA's workers have no internet.
DBT_PACKAGE_FILES = ("packages.yml", "dependencies.yml")

# The top-level dependencies of pyproject.toml, each either pinned in MWAA's requirements.txt
# at uv.lock's version (with the extras given here) or left out, with the reason. A dependency
# in neither stops the build until it is placed.
MWAA_PINNED = {
    "great-expectations": "the lake gate and the star schema checks",
    "dbt-core": "transform, marts and lineage_docs run the dbt project",
    "dbt-redshift": "dbt's adapter for the production warehouse",
    "plotly": "the dashboard site ships its plotly.min.js",
    "adbc-driver-postgresql[dbapi]": (
        "the extract streams the shop's tables over ADBC's DB-API, whose extra needs pyarrow"
    ),
}
# MWAA installs Airflow (the version of aws_runtimes.json) with these providers, among others.
MWAA_PROVIDED = (
    "apache-airflow",
    "apache-airflow-providers-amazon",
    "apache-airflow-providers-postgres",
    "apache-airflow-providers-common-sql",
)
_CONSTRAINED = (
    "in Airflow's constraints file, whose version MWAA installs (a different pin fails the install)"
)
MWAA_NOT_PINNED = {
    **{name: "installed by MWAA with Airflow (MWAA_PROVIDED)" for name in MWAA_PROVIDED},
    "pyarrow": f"{_CONSTRAINED}; adbc-driver-postgresql[dbapi] brings it",
    "pandas": f"{_CONSTRAINED}; great-expectations brings it",
    "numpy": f"{_CONSTRAINED}; pandas brings it",
    "redshift-connector": f"{_CONSTRAINED}; the Amazon provider brings it",
    "tqdm": "the dataset generator's progress bars; not on the DAG's path",
    "pyspark": "CLEAN_RUNNER=glue: the cleaning job runs on Glue's Spark, not on MWAA",
    "olist-cleaning": "the job's package ships in plugins.zip",
    "dbt-postgres": "the local warehouse's adapter (dbt-redshift requires its own version)",
    "psycopg": "the local PostgreSQL warehouse's driver; on MWAA the warehouse is Redshift",
    "pgserver": "the embedded PostgreSQL of the local home",
    "django": "the shop (its own service), not the DAG",
    "djangorestframework": "the shop's API",
    "drf-spectacular": "the shop's API schema",
    "drf-spectacular-sidecar": "the shop's API docs",
    "django-filter": "the shop's API filters",
    "dj-database-url": "the shop's settings",
    "gunicorn": "the shop's web server",
    "whitenoise": "the shop's static files",
}

# Packages of glue_jobs/uv.lock's glue-runtime group (and their dependencies) that the job
# does not ask Glue to install, with the reason; everything else goes to
# --additional-python-modules, so AWS runs the versions the job's tests ran on.
GLUE_NOT_INSTALLED = {
    "pyspark": "Glue's own Spark (aws_runtimes.json)",
    "py4j": "part of Glue's Spark",
    "awsgluedataplanepython": "Glue's own awsglue library; the PyPI copy serves the tests",
    "numpy": "provided by Glue's Python",
    "pytest": "the job's tests only",
    "pytest-timeout": "the job's tests only",
}
GLUE_RUNTIME_GROUP = "glue-runtime"
GLUE_PROJECT = "olist-cleaning"

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_SKIPPED = frozenset({"__pycache__"})


def load_runtimes() -> dict:
    return json.loads(RUNTIMES_FILE.read_text())


def read_lock(path: Path) -> dict[str, dict]:
    """uv.lock's packages by name."""
    return {package["name"]: package for package in tomllib.loads(path.read_text())["package"]}


def constraints_line(runtimes: Mapping) -> str:
    """MWAA's first requirements line: Airflow's constraints for its version and Python."""
    mwaa = runtimes["mwaa"]
    url = CONSTRAINTS_URL.format(airflow=mwaa["airflow"], python=mwaa["python"])
    return f'--constraint "{url}"'


def mwaa_requirements(pyproject: Mapping, lock: Mapping[str, dict], runtimes: Mapping) -> str:
    """requirements.txt: the constraints line, then ``name==version`` from uv.lock for each
    dependency in ``MWAA_PINNED``."""
    dependencies = {
        canonicalize_name(Requirement(spec).name) for spec in pyproject["project"]["dependencies"]
    }
    pinned = {canonicalize_name(Requirement(spec).name): spec for spec in MWAA_PINNED}
    placed = set(pinned) | set(MWAA_NOT_PINNED)
    if dependencies != placed:
        raise ValueError(
            "deploy/package.py must place every dependency of pyproject.toml in MWAA_PINNED or"
            f" MWAA_NOT_PINNED: unplaced {sorted(dependencies - placed)},"
            f" not dependencies {sorted(placed - dependencies)}"
        )
    lines = [constraints_line(runtimes)]
    lines += [f"{pinned[name]}=={lock[name]['version']}" for name in sorted(pinned)]
    return "\n".join(lines) + "\n"


def glue_additional_modules(glue_lock: Mapping[str, dict], runtimes: Mapping) -> list[str]:
    """``name==version`` for the glue-runtime group and its dependencies, less what Glue
    provides; checks first that the lock holds Glue's Spark."""
    spark = glue_lock["pyspark"]["version"]
    if spark != runtimes["glue"]["spark"]:
        raise ValueError(f"glue_jobs/uv.lock has pyspark {spark}, Glue runs {runtimes['glue']}")
    group = glue_lock[GLUE_PROJECT]["dev-dependencies"][GLUE_RUNTIME_GROUP]
    wanted, pending = set(), [entry["name"] for entry in group]
    while pending:
        name = pending.pop()
        if name in wanted or name in GLUE_NOT_INSTALLED:
            continue
        wanted.add(name)
        pending += [entry["name"] for entry in glue_lock[name].get("dependencies", [])]
    return [f"{name}=={glue_lock[name]['version']}" for name in sorted(wanted)]


def tree_files(root: Path, excluded: Iterable[str] = ()) -> dict[str, Path]:
    """Every file under ``root`` by its POSIX path relative to it, sorted, leaving out
    ``__pycache__`` and compiled files, and the top-level entries named in ``excluded``."""
    excluded = frozenset(excluded)
    files = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if (
            path.is_dir()
            or relative.parts[0] in excluded
            or _SKIPPED.intersection(relative.parts)
            or path.suffix in (".pyc", ".pyo")
        ):
            continue
        files[relative.as_posix()] = path
    return dict(sorted(files.items()))


def write_zip(archive: Path, members: Mapping[str, Path]) -> Path:
    """A zip of ``members`` (name in the zip -> file), sorted, dated 1980-01-01, mode 644."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in sorted(members):
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            bundle.writestr(entry, members[name].read_bytes())
    return archive


def plugins_members() -> dict[str, Path]:
    """plugins.zip's files: plugins/ and the cleaning job's package."""
    from olist_cleaning.packaging import PACKAGE

    members = tree_files(REPO_ROOT / "plugins")
    members |= {f"olist_cleaning/{name}": path for name, path in tree_files(PACKAGE).items()}
    return members


def dags_folder_settings(dags_folder: PurePosixPath | Path = MWAA_DAGS_FOLDER) -> dict[str, str]:
    """The settings that point the pipeline at what the bundle put under ``dags_folder``."""
    return {name: str(dags_folder / source) for name, (source, _) in DAGS_FOLDER_DATA.items()}


def build_mwaa(folder: Path, runtimes: Mapping) -> None:
    dags = folder / "dags"
    copies = {path.name: path for path in sorted((REPO_ROOT / "dags").glob("*.py"))}
    for source, excluded in DAGS_FOLDER_DATA.values():
        for name in DBT_PACKAGE_FILES:
            if (REPO_ROOT / source / name).exists():
                raise ValueError(
                    f"{source}/{name}: dbt packages must be vendored into the bundle"
                    " (MWAA's workers cannot download them); package does not do that yet"
                )
        for name, path in tree_files(REPO_ROOT / source, excluded).items():
            copies[f"{source}/{name}"] = path
    for name, path in copies.items():
        (dags / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dags / name)
    # The DAG processor parses DAG files only, not the project, suites and definitions.
    ignored = [f"{source}/" for source, _ in DAGS_FOLDER_DATA.values()]
    (dags / ".airflowignore").write_text("\n".join(ignored) + "\n")
    write_zip(folder / "plugins.zip", plugins_members())
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    requirements = mwaa_requirements(pyproject, read_lock(REPO_ROOT / "uv.lock"), runtimes)
    (folder / "requirements.txt").write_text(requirements)


def build_glue(folder: Path, runtimes: Mapping) -> None:
    from olist_cleaning.packaging import write_job_files

    folder.mkdir(parents=True)
    write_job_files(folder)
    modules = glue_additional_modules(read_lock(REPO_ROOT / "glue_jobs" / "uv.lock"), runtimes)
    (folder / "additional-python-modules.txt").write_text(",".join(modules) + "\n")


def _git(*arguments: str) -> str | None:
    try:
        done = subprocess.run(
            # no optional locks: a status must not hold the index while someone commits
            ["git", "--no-optional-locks", "-C", str(REPO_ROOT), *arguments],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def manifest(folder: Path, runtimes: Mapping) -> dict:
    """Every file under ``folder`` with its size and SHA-256, the runtimes and the commit."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain") if commit else None
    return {
        "commit": commit.strip() if commit else None,
        "uncommitted_changes": bool(status.strip()) if status is not None else None,
        "runtimes": runtimes,
        "files": [
            {
                "path": name,
                "size": path.stat().st_size,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
            for name, path in tree_files(folder).items()
            if name != MANIFEST
        ],
    }


def build(out: Path = DEFAULT_OUT) -> dict:
    """Write the bundles into ``out`` (replacing an earlier bundle there); the manifest."""
    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise FileExistsError(f"{out} holds files that are not a bundle; not replacing them")
    runtimes = load_runtimes()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    staging.chmod(0o755)
    try:
        build_mwaa(staging / "mwaa", runtimes)
        build_glue(staging / "glue", runtimes)
        listing = manifest(staging, runtimes)
        (staging / MANIFEST).write_text(json.dumps(listing, indent=2, sort_keys=True) + "\n")
        shutil.rmtree(out, ignore_errors=True)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return listing


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.package", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: dist/")
    arguments = parser.parse_args(argv)
    listing = build(arguments.out)
    size = sum(entry["size"] for entry in listing["files"])
    print(f"Wrote {len(listing['files'])} files ({size:,} bytes) to {arguments.out.resolve()}:")
    for bundle in ("mwaa", "glue"):
        paths = [entry["path"].split("/") for entry in listing["files"]]
        names = sorted({parts[1] for parts in paths if parts[0] == bundle})
        print(f"  {bundle}/: {', '.join(names)}")
    print(f"  {MANIFEST}: sizes and SHA-256 of every file (docs/deploy.md)")


if __name__ == "__main__":
    main()
