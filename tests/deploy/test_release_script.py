"""deploy/release.sh, the Deploy workflow's last step, run for real against stand-ins of the AWS
CLI and Terraform that answer as AWS documents and record every call: the order of a release
(bundles, MWAA, a new revision, migrations, then the service) and what a failed migration leaves.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHA = "0123456789abcdef0123456789abcdef01234567"
FAMILY_ARN = "arn:aws:ecs:sa-east-1:111111111111:task-definition/olist-dev-shop"

# Answers of `aws` by its first two words; the stand-in prints them and records the call.
FAKE_AWS = r"""
import json, os, sys
args = sys.argv[1:]
state = json.load(open(os.environ["FAKE_STATE"]))
with open(os.environ["FAKE_CALLS"], "a") as calls:
    calls.write(json.dumps(args) + "\n")
command = " ".join(args[:2])
def arg(name):
    return args[args.index(name) + 1]
if command == "ecr describe-images":
    print("{}")
elif command == "s3api head-object":
    print("none" if "Metadata.sha256" in args else "v-" + arg("--key"))
elif command in ("s3 cp", "s3 sync", "mwaa update-environment", "ecs update-service", "ecs wait"):
    pass
elif command == "mwaa get-environment":
    if "Environment.Status" in args:
        print("AVAILABLE")
    else:
        print(json.dumps({"plugins": "old", "requirements": "old"}))
elif command == "ecs describe-task-definition":
    definition = {"taskDefinitionArn": os.environ["FAMILY_ARN"] + ":7", "revision": 7,
                  "containerDefinitions": [{"name": "shop", "image": "repo:old"}]}
    print(json.dumps({"taskDefinition": definition, "tags": []}))
elif command == "ecs register-task-definition":
    print(os.environ["FAMILY_ARN"] + ":8")
elif command == "ecs run-task":
    task = {"taskArn": "arn:aws:ecs:sa-east-1:111111111111:task/olist-dev/abc"}
    print(json.dumps({"tasks": [task], "failures": []}))
elif command == "ecs describe-tasks":
    print(json.dumps({"tasks": [{"stopCode": "EssentialContainerExited",
        "containers": [{"name": "shop", "exitCode": state["migrate_exit_code"]}]}]}))
elif command == "ecs describe-services":
    deployment = {"taskDefinition": os.environ["FAMILY_ARN"] + ":8", "rolloutState": "COMPLETED"}
    print(json.dumps(deployment))
elif command == "logs get-log-events":
    print("django.db.utils.ProgrammingError: relation does not exist")
else:
    sys.exit(f"fake aws: unexpected {args}")
"""

OUTPUTS = {
    "mwaa_bucket": "olist-dev-mwaa",
    "artefacts_bucket": "olist-dev-artefacts",
    "mwaa_environment_name": "olist-dev",
    "ecr_repository_url": "111111111111.dkr.ecr.sa-east-1.amazonaws.com/olist-dev-shop",
    "shop_service_name": "olist-dev-shop",
    "shop_task_definition_family": "olist-dev-shop",
    "shop_migrate_task": {
        "cluster": "olist-dev",
        "container_name": "shop",
        "command": ["python", "manage.py", "migrate", "--no-input"],
        "subnet_ids": ["subnet-1"],
        "security_group_ids": ["sg-1"],
        "assign_public_ip": "DISABLED",
    },
}


@pytest.fixture
def release(tmp_path):
    """A checkout with dist/ of SHA, and `aws` and `terraform` stand-ins first on PATH."""
    checkout = tmp_path / "checkout"
    (checkout / "deploy").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "deploy" / "release.sh", checkout / "deploy" / "release.sh")
    dist = checkout / "dist"
    (dist / "mwaa" / "dags").mkdir(parents=True)
    (dist / "glue").mkdir()
    (dist / "mwaa" / "plugins.zip").write_bytes(b"zip")
    (dist / "mwaa" / "requirements.txt").write_text("dbt-core==1.11.16\n")
    (dist / "manifest.json").write_text(json.dumps({"commit": SHA, "uncommitted_changes": False}))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "fake_aws.py").write_text(FAKE_AWS)
    (bin_dir / "aws").write_text(
        f'#!/bin/sh\nexec {sys.executable} "$(dirname "$0")/fake_aws.py" "$@"\n'
    )
    outputs = {name: {"value": value} for name, value in OUTPUTS.items()}
    (bin_dir / "outputs.json").write_text(json.dumps(outputs))
    (bin_dir / "terraform").write_text('#!/bin/sh\ncat "$(dirname "$0")/outputs.json"\n')
    for tool in ("aws", "terraform"):
        (bin_dir / tool).chmod(0o755)
    state, calls = tmp_path / "state.json", tmp_path / "calls.jsonl"

    def run(*args: str, migrate_exit_code: int = 0) -> tuple[subprocess.CompletedProcess, list]:
        state.write_text(json.dumps({"migrate_exit_code": migrate_exit_code}))
        calls.write_text("")
        env = {
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_STATE": str(state),
            "FAKE_CALLS": str(calls),
            "FAMILY_ARN": FAMILY_ARN,
        }
        done = subprocess.run(
            ["bash", str(checkout / "deploy" / "release.sh"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        made = [json.loads(line) for line in calls.read_text().splitlines()]
        return done, [" ".join(call[:2]) for call in made]

    return run


def test_a_release_migrates_on_the_new_revision_before_the_service_rolls_to_it(release):
    done, calls = release("dev", SHA)
    assert done.returncode == 0, done.stderr
    assert f"Released {SHA[:12]} to dev" in done.stdout
    order = [
        "s3 sync",  # the DAGs
        "mwaa update-environment",  # new plugins.zip and requirements.txt versions
        "ecs register-task-definition",
        "ecs run-task",  # the migrations, on the new revision
        "ecs update-service",
    ]
    positions = [calls.index(call) for call in order]
    assert positions == sorted(positions)


def test_a_failed_migration_stops_the_release_and_leaves_the_service_alone(release):
    done, calls = release("dev", SHA, migrate_exit_code=1)
    assert done.returncode == 1
    assert "the migrations exited with 1" in done.stderr
    assert "the service stays on its current revision, still serving" in done.stderr
    assert "ecs run-task" in calls
    assert "ecs update-service" not in calls


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("staging", SHA), "unknown environment 'staging'"),
        (("dev", "main"), "is not a full commit SHA"),
        (("dev",), "usage: bash deploy/release.sh dev|prod"),
        (("dev", "f" * 40), "dist/ was built from '0123456789abcdef"),
    ],
)
def test_the_script_refuses_what_it_cannot_release(release, args, message):
    done, calls = release(*args)
    assert done.returncode in (1, 2)
    assert message in done.stderr
    assert "ecs update-service" not in calls and "s3 sync" not in calls
