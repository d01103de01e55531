"""terraform/'s layout: every module documented and typed, dev and prod composing the same
modules, Terraform and the provider pinned, state remote and locked, everything tagged, and the
AWS runtimes and MWAA options read from deploy/ (their one place) rather than restated."""

from __future__ import annotations

import json
import re

import pytest
from support.terraform import (
    BUILDING_BLOCKS,
    ENVIRONMENTS,
    ENVS_DIR,
    MODULES,
    MODULES_DIR,
    REPO_ROOT,
    load,
    tf_files,
    top_level,
)

from deploy.provider_schema import PROVIDER_VERSION

FOLDERS = [MODULES_DIR / m for m in MODULES + BUILDING_BLOCKS] + [
    ENVS_DIR / e for e in ENVIRONMENTS
]


def test_the_modules_are_the_platforms():
    folders = sorted(p.name for p in MODULES_DIR.iterdir() if p.is_dir())
    assert folders == sorted(MODULES + BUILDING_BLOCKS)
    for module in MODULES + BUILDING_BLOCKS:
        for name in ("main.tf", "variables.tf", "outputs.tf", "README.md"):
            assert (MODULES_DIR / module / name).is_file(), f"{module}/{name}"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.relative_to(p.parents[1]).as_posix())
def test_every_variable_is_typed_and_described_and_every_output_described(folder):
    variables = top_level(folder, "variable")
    assert variables or folder.parent == ENVS_DIR
    for name, body in variables.items():
        assert "type" in body, f"{name}: no type"
        assert len(body.get("description", "")) > 10, f"{name}: no description"
    outputs = top_level(folder, "output")
    assert outputs
    for name, body in outputs.items():
        assert len(body.get("description", "")) > 10, f"output {name}: no description"


def _modules(env: str) -> dict[str, str]:
    found = {}
    for path in tf_files(ENVS_DIR / env):
        for named in load(path).get("module", []):
            for name, body in named.items():
                found[name] = body["source"]
    return found


def test_dev_and_prod_compose_the_same_modules():
    dev, prod = _modules("dev"), _modules("prod")
    assert dev == prod
    assert sorted(source.rsplit("/", 1)[1] for source in dev.values()) == sorted(MODULES)


def test_dev_and_prod_set_the_same_module_arguments():
    """Differences between environments are values (sizes, protections), never missing wiring."""

    def arguments(env):
        return {
            name: sorted(body)
            for path in tf_files(ENVS_DIR / env)
            for named in load(path).get("module", [])
            for name, body in named.items()
        }

    assert arguments("dev") == arguments("prod")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_terraform_and_the_provider_are_pinned_and_state_is_remote_and_locked(env):
    terraform = load(ENVS_DIR / env / "versions.tf")["terraform"][0]
    assert re.fullmatch(r"~> 1\.\d+\.\d+", terraform["required_version"])
    aws = terraform["required_providers"][0]["aws"]
    assert (aws["source"], aws["version"]) == ("hashicorp/aws", PROVIDER_VERSION)
    backend = terraform["backend"][0]["s3"]
    assert backend["use_lockfile"] is True and backend["encrypt"] is True
    assert backend["key"] == f"olist/{env}/terraform.tfstate"
    assert "dynamodb_table" not in backend  # S3's native locking replaces it


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_everything_is_tagged_with_the_environment_and_the_project(env):
    providers = [p for path in tf_files(ENVS_DIR / env) for p in load(path).get("provider", [])]
    assert providers
    for provider in providers:
        tags = provider["aws"]["default_tags"][0]["tags"]
        assert {"Project", "Environment", "ManagedBy"} <= tags.keys()
        assert tags["Environment"] in (env, "${var.environment}")


def test_modules_declare_no_provider_of_their_own():
    for module in MODULES + BUILDING_BLOCKS:
        for path in tf_files(MODULES_DIR / module):
            assert "provider" not in load(path), path


def test_the_aws_runtimes_and_mwaa_options_are_read_from_deploy():
    """The Glue and Airflow versions and the MWAA options are stated once, in deploy/."""
    runtimes = json.loads((REPO_ROOT / "deploy" / "aws_runtimes.json").read_text())
    texts = {p: p.read_text() for p in tf_files()}
    for path, text in texts.items():
        assert not re.search(r'glue_version\s*=\s*"', text), path
        assert not re.search(r'airflow_version\s*=\s*"', text), path
        assert runtimes["mwaa"]["airflow"] not in text, path
    glue = (MODULES_DIR / "glue" / "main.tf").read_text()
    mwaa = (MODULES_DIR / "mwaa" / "main.tf").read_text()
    assert "deploy/aws_runtimes.json" in glue and "deploy/aws_runtimes.json" in mwaa
    assert "deploy/mwaa_settings.json" in mwaa
    settings = json.loads((REPO_ROOT / "deploy" / "mwaa_settings.json").read_text())
    for option in settings["configuration_options"]["from_terraform"]:
        assert f'"{option}"' in mwaa, f"the mwaa module does not set {option}"
