"""The GitHub Actions workflows (.github/workflows/), checked where GitHub cannot run them: they
call only what exists here (make targets, scripts, folders), CI runs the README's test command,
and the pipeline's own security rules hold (docs/cicd.md). actionlint and zizmor run in make lint.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
MAKE_TARGET = re.compile(r"^([a-z][a-z-]*):", re.M)
# Paths into the repository that a run step names (dist/ and artifacts/ are written by make).
REPO_PATH = re.compile(
    r"(?<![\w./-])((?:deploy|terraform|docs|\.github|glue_jobs|tests)/[\w./-]*\w)"
)


def _load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def _expanded(steps: list[dict]) -> list[dict]:
    """Steps, with a local composite action's (``uses: ./.github/actions/x``) in its place."""
    found = []
    for step in steps:
        found.append(step)
        if str(step.get("uses", "")).startswith("./"):
            action = yaml.safe_load((REPO_ROOT / step["uses"] / "action.yml").read_text())
            found += _expanded(action["runs"]["steps"])
    return found


def _steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in _expanded(job.get("steps", [])):
            yield job_id, job, step


def test_the_three_workflows_exist():
    assert {p.stem for p in WORKFLOWS} == {"ci", "terraform", "deploy"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_start_empty_and_every_job_asks_for_its_own(path):
    workflow = _load(path)
    assert workflow["permissions"] == {}
    for job_id, job in workflow["jobs"].items():
        assert "permissions" in job, job_id
        assert job.get("timeout-minutes"), f"{job_id}: no timeout"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_and_checkouts_keep_no_credentials(path):
    text = path.read_text() + "".join(
        p.read_text() for p in (REPO_ROOT / ".github" / "actions").rglob("action.yml")
    )
    for job_id, _job, step in _steps(_load(path)):
        uses = step.get("uses")
        if uses is None or uses.startswith("./"):
            continue
        assert PINNED.match(uses), f"{job_id}: {uses} is not pinned by a full commit SHA"
        assert re.search(re.escape(uses) + r" # v\d", text), f"{uses}: say its version in a comment"
        if uses.startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, job_id


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_only_jobs_that_assume_an_aws_role_get_an_id_token(path):
    for job_id, job in _load(path)["jobs"].items():
        assumes = any(
            str(step.get("uses", "")).startswith("aws-actions/configure-aws-credentials@")
            for step in _expanded(job.get("steps", []))
        )
        wants_token = (job.get("permissions") or {}).get("id-token") == "write"
        assert assumes == wants_token, job_id
        if assumes:
            assert job.get("environment"), f"{job_id}: the role trusts one GitHub environment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_is_interpolated_into_a_script(path):
    """Values reach scripts through env:, so no input can become shell code."""
    for job_id, _job, step in _steps(_load(path)):
        assert "${{" not in step.get("run", ""), f"{job_id}: {step.get('name')}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_make_target_and_path_the_workflows_name_exists(path):
    targets = set(MAKE_TARGET.findall((REPO_ROOT / "Makefile").read_text()))
    named = 0
    for job_id, _job, step in _steps(_load(path)):
        script = step.get("run", "")
        for target in re.findall(r"\bmake\s+(?:-\S+\s+)*([a-z][a-z-]*)", script):
            assert target in targets, f"{job_id}: make {target}"
            named += 1
        for value in [script, *map(str, step.get("with", {}).values())]:
            for relative in REPO_PATH.findall(value):
                assert (REPO_ROOT / relative).exists(), f"{job_id}: {relative}"
                named += 1
    assert named


def test_ci_runs_the_readmes_test_command_as_ci_run_does():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "make test" in readme
    assert (REPO_ROOT / ".ci" / "run").read_text().strip().endswith("make test")
    ci = _load(WORKFLOWS_DIR / "ci.yml")
    commands = [step.get("run", "").strip() for _job, _j, step in _steps(ci)]
    assert "make test" in commands
    assert ci["concurrency"]["cancel-in-progress"] is True


def test_terraform_and_deploy_cover_the_environments_terraform_defines():
    environments = {p.name for p in (REPO_ROOT / "terraform" / "envs").iterdir()}
    for name in ("terraform.yml", "deploy.yml"):
        used = {
            str(job["environment"]).removesuffix("-plan")
            for job in _load(WORKFLOWS_DIR / name)["jobs"].values()
            if "environment" in job and "${{" not in str(job["environment"])
        } | {
            env
            for job in _load(WORKFLOWS_DIR / name)["jobs"].values()
            for env in job.get("strategy", {}).get("matrix", {}).get("environment", [])
        }
        assert environments <= used, name
    deploy = _load(WORKFLOWS_DIR / "deploy.yml")
    assert deploy["on"]["workflow_run"]["workflows"] == [_load(WORKFLOWS_DIR / "ci.yml")["name"]]
