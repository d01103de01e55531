"""deploy/release.sh, the Deploy workflow's last step, run for real against stand-ins of the AWS
CLI and Terraform that answer as AWS documents and record every call: the order of a release
(bundles, MWAA, new revisions of the service's and the migrate task's definitions, migrations as
the owner of the tables, then the service), what a failed migration leaves, what is refused."""

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
TASK_DEFINITIONS = "arn:aws:ecs:sa-east-1:111111111111:task-definition/"
# ARN prefixes, no secret value:
# pragma: allowlist nextline secret
SECRETS = "arn:aws:secretsmanager:sa-east-1:111111111111:secret:olist/shop/"
# The master user secret RDS manages (its name, then Secrets Manager's 6-character suffix):
# pragma: allowlist nextline secret
MASTER_NAME = "rds!db-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
# pragma: allowlist nextline secret
MASTER_SECRET = f"arn:aws:secretsmanager:sa-east-1:111111111111:secret:{MASTER_NAME}-Ab12Cd"
IMAGE = f"111111111111.dkr.ecr.sa-east-1.amazonaws.com/olist-dev-shop:{SHA}"
# The latest revision of each family, as Terraform registers them (terraform/modules/shop_service):
# the service's DATABASE_URL from its secret (olist_shop_app); the migrate task's without a
# password, libpq reading PGPASSWORD, the master user secret's JSON key "password".
APP_URL, OWNER_PASSWORD = SECRETS + "database_url-a1", MASTER_SECRET + ":password::"
FAMILIES = {
    "olist-dev-shop": {
        "command": ["sh", "-c", "exec gunicorn config.wsgi"],
        "logConfiguration": {
            "options": {"awslogs-group": "/ecs/olist-dev/shop", "awslogs-stream-prefix": "shop"}
        },
        "secrets": [
            {"name": "DJANGO_SECRET_KEY", "valueFrom": SECRETS + "django_secret_key-c3"},
            {"name": "DATABASE_URL", "valueFrom": APP_URL},
        ],
    },
    "olist-dev-shop-migrate": {
        "command": ["python", "manage.py", "migrate", "--no-input"],
        "logConfiguration": {
            "options": {"awslogs-group": "/ecs/olist-dev/shop", "awslogs-stream-prefix": "migrate"}
        },
        "environment": [
            {"name": "DJANGO_ENV", "value": "production"},
            {"name": "DATABASE_URL", "value": "postgresql://olist@db:5432/olist?sslmode=require"},
        ],
        "secrets": [
            {"name": "DJANGO_SECRET_KEY", "valueFrom": SECRETS + "django_secret_key-c3"},
            {"name": "PGPASSWORD", "valueFrom": OWNER_PASSWORD},
        ],
    },
}

# Answers of `aws` by its first two words; the stand-in prints them and records the call (with
# the registered definition, read from its file:// before the script deletes it).
FAKE_AWS = r"""
import json, os, sys
args = sys.argv[1:]
state = json.load(open(os.environ["FAKE_STATE"]))
command = " ".join(args[:2])
def arg(name):
    return args[args.index(name) + 1]
registered = None
if command == "ecs register-task-definition":
    registered = json.load(open(arg("--cli-input-json").removeprefix("file://")))
with open(os.environ["FAKE_CALLS"], "a") as calls:
    calls.write(json.dumps({"args": args, "registered": registered}) + "\n")
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
    family = arg("--task-definition")
    container = {"name": "shop", "image": "repo:old", **state["families"][family]}
    definition = {"taskDefinitionArn": state["arns"] + family + ":7", "family": family,
                  "revision": 7, "containerDefinitions": [container]}
    print(json.dumps({"taskDefinition": definition, "tags": []}))
elif command == "ecs register-task-definition":
    print(state["arns"] + registered["family"] + ":8")
elif command == "ecs run-task":
    task = {"taskArn": "arn:aws:ecs:sa-east-1:111111111111:task/olist-dev/abc"}
    print(json.dumps({"tasks": [task], "failures": []}))
elif command == "ecs describe-tasks":
    print(json.dumps({"tasks": [{"stopCode": "EssentialContainerExited",
        "containers": [{"name": "shop", "exitCode": state["migrate_exit_code"]}]}]}))
elif command == "ecs describe-services":
    deployment = {"taskDefinition": state["arns"] + "olist-dev-shop:8", "rolloutState": "COMPLETED"}
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
        "family": "olist-dev-shop-migrate",
        "task_definition": TASK_DEFINITIONS + "olist-dev-shop-migrate:1",
        "container_name": "shop",
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

    def run(
        *args: str, migrate_exit_code: int = 0, families: dict = FAMILIES
    ) -> tuple[subprocess.CompletedProcess, list]:
        state.write_text(
            json.dumps(
                {
                    "migrate_exit_code": migrate_exit_code,
                    "families": families,
                    "arns": TASK_DEFINITIONS,
                }
            )
        )
        calls.write_text("")
        env = {
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_STATE": str(state),
            "FAKE_CALLS": str(calls),
        }
        done = subprocess.run(
            ["bash", str(checkout / "deploy" / "release.sh"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return done, [Call(**json.loads(line)) for line in calls.read_text().splitlines()]

    return run


class Call:
    """One `aws` call: its arguments and, for register-task-definition, the definition sent."""

    def __init__(self, args: list[str], registered: dict | None):
        self.args, self.registered = args, registered
        self.command = " ".join(args[:2])

    def __eq__(self, other: object) -> bool:  # `"ecs run-task" in calls`
        return self.command == other if isinstance(other, str) else NotImplemented

    __hash__ = None

    def arg(self, name: str) -> str:
        return self.args[self.args.index(name) + 1]


def _registered(calls: list[Call]) -> dict[str, dict]:
    """The definitions the release registered, by family."""
    return {c.registered["family"]: c.registered for c in calls if c.registered is not None}


def _secrets(definition: dict) -> set[str]:
    return {
        s["valueFrom"] for c in definition["containerDefinitions"] for s in c.get("secrets", [])
    }


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
    registered = _registered(calls)
    assert set(registered) == {"olist-dev-shop", "olist-dev-shop-migrate"}
    for definition in registered.values():
        assert [c["image"] for c in definition["containerDefinitions"]] == [IMAGE]


def test_the_migrations_run_the_migrate_familys_new_revision_as_the_owner(release):
    done, calls = release("dev", SHA)
    assert done.returncode == 0, done.stderr
    (run,) = [c for c in calls if c.command == "ecs run-task"]
    assert run.arg("--task-definition") == TASK_DEFINITIONS + "olist-dev-shop-migrate:8"
    assert "--overrides" not in run.args  # the migrate definition's own command runs
    (roll,) = [c for c in calls if c.command == "ecs update-service"]
    assert roll.arg("--task-definition") == TASK_DEFINITIONS + "olist-dev-shop:8"
    registered = _registered(calls)
    assert OWNER_PASSWORD in _secrets(registered["olist-dev-shop-migrate"])
    assert not any(MASTER_NAME in secret for secret in _secrets(registered["olist-dev-shop"]))
    assert APP_URL in _secrets(registered["olist-dev-shop"])
    # Both revisions are registered before the migrations; the service rolls after them.
    registrations = [i for i, c in enumerate(calls) if c == "ecs register-task-definition"]
    assert max(registrations) < calls.index("ecs run-task") < calls.index("ecs update-service")


@pytest.mark.parametrize(
    "secret",
    [
        {"name": "PGPASSWORD", "valueFrom": OWNER_PASSWORD},
        {"name": "DATABASE_PASSWORD", "valueFrom": OWNER_PASSWORD},
        {"name": "DB_USER", "valueFrom": MASTER_SECRET + ":username::"},
        {"name": "DB", "valueFrom": MASTER_SECRET},
        {"name": "DB", "valueFrom": MASTER_SECRET.removesuffix("-Ab12Cd")},
        {"name": "DB", "valueFrom": MASTER_NAME},
    ],
    ids=["its-valueFrom", "another-name", "another-key", "whole", "partial-arn", "name"],
)
def test_a_service_revision_reading_the_owners_password_is_never_registered(release, secret):
    shop = FAMILIES["olist-dev-shop"]
    leaky = {**FAMILIES, "olist-dev-shop": {**shop, "secrets": [*shop["secrets"], secret]}}
    done, calls = release("dev", SHA, families=leaky)
    assert done.returncode == 1
    assert "the service must sign in as olist_shop_app" in done.stderr
    assert secret["valueFrom"] in done.stderr
    assert "ecs register-task-definition" not in calls
    assert "ecs run-task" not in calls and "ecs update-service" not in calls


def test_a_service_secret_merely_named_like_the_owners_is_not_refused(release):
    shop = FAMILIES["olist-dev-shop"]
    # Another secret, whose name only begins the master's: not the master's name without its suffix.
    other = {"name": "X", "valueFrom": SECRETS.replace("olist/shop/", "rds!db-0f1e2d3c")}
    lookalike = {**FAMILIES, "olist-dev-shop": {**shop, "secrets": [*shop["secrets"], other]}}
    done, calls = release("dev", SHA, families=lookalike)
    assert done.returncode == 0, done.stderr
    assert "ecs update-service" in calls


def test_a_migrate_revision_without_the_owners_password_is_refused(release):
    migrate = FAMILIES["olist-dev-shop-migrate"]
    passwordless = {
        **FAMILIES,
        "olist-dev-shop-migrate": {**migrate, "secrets": migrate["secrets"][:1]},
    }
    done, calls = release("dev", SHA, families=passwordless)
    assert done.returncode == 1
    assert "reads no PGPASSWORD from Secrets Manager" in done.stderr
    assert "ecs register-task-definition" not in calls and "ecs run-task" not in calls


def test_a_failed_migration_stops_the_release_and_leaves_the_service_alone(release):
    done, calls = release("dev", SHA, migrate_exit_code=1)
    assert done.returncode == 1
    assert "the migrations exited with 1" in done.stderr
    assert "the service stays on its current revision, still serving" in done.stderr
    assert "ecs run-task" in calls
    assert "ecs update-service" not in calls
    (logs,) = [c for c in calls if c.command == "logs get-log-events"]
    assert logs.arg("--log-stream-name") == "migrate/shop/abc"  # the migrate task's own stream


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
