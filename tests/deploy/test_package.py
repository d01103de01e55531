"""``make package``: the bundles are the same bytes build after build, the manifest vouches for
every file, and each bundle holds what its AWS service needs and nothing it must not."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from deploy import package
from olist_cleaning.packaging import ENTRYPOINT, build_extra_py_files

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNTIMES = json.loads((REPO_ROOT / "deploy" / "aws_runtimes.json").read_text())


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def lock_versions(path: Path) -> dict[str, str]:
    return {p["name"]: p["version"] for p in tomllib.loads(path.read_text())["package"]}


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    """Two builds, in two folders, one after the other."""
    first, second = (tmp_path_factory.mktemp(name) / "dist" for name in ("first", "second"))
    package.build(first)
    package.build(second)
    return first, second


@pytest.fixture(scope="module")
def dist(builds) -> Path:
    return builds[0]


def test_two_builds_are_byte_identical(builds):
    first, second = (files_under(folder) for folder in builds)
    assert first["manifest.json"] == second["manifest.json"]
    assert list(first) == list(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_the_manifest_lists_every_file_with_its_size_and_sha256(dist):
    manifest = json.loads((dist / "manifest.json").read_text())
    files = files_under(dist)
    del files["manifest.json"]
    assert [entry["path"] for entry in manifest["files"]] == list(files)
    for entry in manifest["files"]:
        content = files[entry["path"]]
        assert entry["size"] == len(content), entry["path"]
        assert entry["sha256"] == hashlib.sha256(content).hexdigest(), entry["path"]
    assert manifest["runtimes"] == RUNTIMES
    assert manifest["commit"] is None or re.fullmatch(r"[0-9a-f]{40}", manifest["commit"])


def test_plugins_zip_holds_the_plugins_folder_and_the_cleaning_package(dist):
    with zipfile.ZipFile(dist / "mwaa" / "plugins.zip") as bundle:
        entries = bundle.infolist()
        names = [entry.filename for entry in entries]
        ignored = bundle.read(".airflowignore").decode().split()
        docs_plugin = bundle.read("docs_plugin.py")
    assert names == sorted(names)
    assert {"docs_plugin.py", ".airflowignore"} <= set(names)
    assert "olist_pipeline/orchestration/glue.py" in names
    assert "olist_pipeline/dashboards/templates/dashboard.html" in names
    assert "olist_cleaning/quiet_day.py" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert docs_plugin == (REPO_ROOT / "plugins" / "docs_plugin.py").read_bytes()
    # Airflow's plugin loader imports every module it does not ignore: only the plugin.
    packages = {name.split("/")[0] for name in names if "/" in name}
    assert packages == {"olist_pipeline", "olist_cleaning"}
    assert {f"{name}/" for name in packages} <= set(ignored)
    assert {(entry.date_time, entry.external_attr >> 16) for entry in entries} == {
        ((1980, 1, 1, 0, 0, 0), 0o644)
    }


def test_requirements_pin_uv_lock_after_the_constraints_line(dist):
    lines = (dist / "mwaa" / "requirements.txt").read_text().splitlines()
    mwaa = RUNTIMES["mwaa"]
    assert lines[0] == (
        '--constraint "https://raw.githubusercontent.com/apache/airflow/'
        f'constraints-{mwaa["airflow"]}/constraints-{mwaa["python"]}.txt"'
    )
    locked = lock_versions(REPO_ROOT / "uv.lock")
    pinned = {}
    for line in lines[1:]:
        requirement = Requirement(line)
        [specifier] = requirement.specifier
        assert specifier.operator == "==", line
        assert specifier.version == locked[requirement.name], line
        pinned[requirement.name] = requirement
    assert list(pinned) == sorted(pinned)
    assert {"great-expectations", "dbt-core", "dbt-redshift", "plotly"} <= set(pinned)
    assert not set(pinned) & set(package.MWAA_NOT_PINNED)
    # the extract's DB-API needs pyarrow, which the constraints file versions
    assert pinned["adbc-driver-postgresql"].extras == {"dbapi"}


def test_every_dependency_is_pinned_or_left_out_with_a_reason():
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert all(reason.strip() for reason in package.MWAA_PINNED.values())
    assert all(reason.strip() for reason in package.MWAA_NOT_PINNED.values())
    pyproject["project"]["dependencies"].append("rich>=13")
    lock = package.read_lock(REPO_ROOT / "uv.lock")
    with pytest.raises(ValueError, match=r"unplaced \['rich'\]"):
        package.mwaa_requirements(pyproject, lock, RUNTIMES)


def test_dags_folder_holds_the_dags_and_what_they_read_but_parses_only_dags(dist):
    from airflow.utils.file import find_path_from_directory

    dags = dist / "mwaa" / "dags"
    shipped = files_under(dags)
    for path in (REPO_ROOT / "dags").glob("*.py"):
        assert shipped[path.name] == path.read_bytes()
    for source in ("expectations", "dashboards"):
        for name, content in files_under(REPO_ROOT / source).items():
            assert shipped[f"{source}/{name}"] == content
    sql = {name for name in shipped if name.startswith("sql/")}
    assert {"sql/dbt_project.yml", "sql/profiles.yml", "sql/models/core/fact_sales.sql"} <= sql
    assert any(name.startswith("sql/macros/") for name in sql)
    assert not [name for name in sql if name.split("/")[1] in ("target", "logs", "lint_context")]
    # Airflow's own reading of .airflowignore (the default glob syntax)
    parsed = {
        Path(path).relative_to(dags).as_posix()
        for path in find_path_from_directory(str(dags), ".airflowignore", "glob")
    }
    assert parsed - {".airflowignore"} == {path.name for path in (REPO_ROOT / "dags").glob("*.py")}


def test_the_glue_bundle_is_the_entrypoint_the_jobs_zip_and_its_locked_modules(dist, tmp_path):
    glue = dist / "glue"
    assert (glue / "clean_olist.py").read_bytes() == ENTRYPOINT.read_bytes()
    expected = build_extra_py_files(tmp_path)
    assert (glue / "olist_cleaning.zip").read_bytes() == expected.read_bytes()
    modules = (glue / "additional-python-modules.txt").read_text().strip().split(",")
    locked = lock_versions(REPO_ROOT / "glue_jobs" / "uv.lock")
    assert f"pyarrow=={locked['pyarrow']}" in modules
    for module in modules:
        name, version = module.split("==")
        assert locked[name] == version
        assert name not in package.GLUE_NOT_INSTALLED
    assert locked["pyspark"] == RUNTIMES["glue"]["spark"]


def test_a_folder_that_is_not_a_bundle_is_not_replaced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        package.build(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
