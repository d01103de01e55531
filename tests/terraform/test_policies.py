"""The platform's security rules for terraform/, read from the parsed HCL (docs/terraform.md):
least-privilege IAM with one allowlist of the exceptions AWS forces, no world-open ingress but
the load balancer's HTTPS, no public database, no secret in the code, every bucket encrypted,
versioned and private."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.terraform import (
    TERRAFORM_DIR,
    as_list,
    blocks,
    declarations,
    of_type,
    tf_files,
)

EXCEPTIONS_FILE = TERRAFORM_DIR / "iam_exceptions.json"
POLICY_DOCUMENT = re.compile(r"^\$\{data\.aws_iam_policy_document\.([a-z0-9_]+)\.json\}$")
POLICY_ARGUMENTS = {"policy", "assume_role_policy", "policy_document"}
# A `policy` argument that is not an IAM policy (ECR's lifecycle rules).
NOT_IAM_POLICIES = {"aws_ecr_lifecycle_policy"}
# An ARN whose account field is "*": another account's resources (AWS-owned queues, say).
ANY_ACCOUNT_ARN = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:\*:")
WORLD = {"0.0.0.0/0", "::/0"}


@pytest.fixture(scope="module")
def exceptions() -> dict:
    return json.loads(EXCEPTIONS_FILE.read_text())


def _documents(root: Path = TERRAFORM_DIR) -> dict[tuple[str, str], object]:
    return {(d.folder, d.name): d for d in of_type("aws_iam_policy_document", "data", root)}


def _key_policy_documents(root: Path) -> set[tuple[str, str]]:
    """The policy documents used as KMS key policies: there, Resource "*" means this key."""
    found = set()
    for d in of_type("aws_kms_key", root=root) + of_type("aws_kms_key_policy", root=root):
        if match := POLICY_DOCUMENT.match(str(d.body.get("policy", ""))):
            found.add((d.folder, match.group(1)))
    return found


def _allowed_statements(root: Path) -> list[tuple[str, str, dict]]:
    """(folder, document, statement) for every Allow statement of every policy document."""
    found = []
    for (folder, name), d in _documents(root).items():
        for statement in blocks(d.body, "statement"):
            if statement.get("effect", "Allow") == "Allow":
                found.append((folder, name, statement))
    return found


def test_every_policy_is_a_policy_document():
    """Policies are written as aws_iam_policy_document so that these rules can read them."""
    problems = [
        f"{d.address}.{key}"
        for d in declarations()
        if d.kind == "resource" and d.type not in NOT_IAM_POLICIES
        for key in POLICY_ARGUMENTS & d.body.keys()
        if not POLICY_DOCUMENT.match(str(d.body[key]))
    ]
    assert not problems, f"write these as data.aws_iam_policy_document: {problems}"


def test_every_statement_has_a_sid():
    missing = [
        f"{d.address}"
        for d in _documents().values()
        for statement in blocks(d.body, "statement")
        if not statement.get("sid")
    ]
    assert not missing


def _wildcard_problems(root: Path, exceptions: dict) -> tuple[list[str], set]:
    """Statements granting a wildcard that the allowlist does not name; the entries used."""
    allowed = {(e["module"], e["policy"], e["sid"]): e for e in exceptions["statements"]}
    key_policies = _key_policy_documents(root)
    problems, used = [], set()
    for folder, name, statement in _allowed_statements(root):
        module = folder.removeprefix("modules/")
        sid = statement.get("sid", "")
        actions = as_list(statement.get("actions", []))
        resources = as_list(statement.get("resources", []))
        wildcard_actions = [a for a in actions if "*" in a]
        if statement.get("not_actions") or statement.get("not_resources"):
            problems.append(f"{module} {name} {sid}: NotAction/NotResource in an Allow")
        if (folder, name) in key_policies:
            # Resource "*" is the key itself; only the account root's statement may say kms:*.
            if wildcard_actions and sid != exceptions["key_policies"]["root_statement_sid"]:
                problems.append(f"{module} {name} {sid}: {wildcard_actions}")
            continue
        star_resource = "*" in resources or any(ANY_ACCOUNT_ARN.match(r) for r in resources)
        if not (wildcard_actions or star_resource):
            continue
        entry = allowed.get((module, name, sid))
        if entry is None:
            problems.append(f"{module} {name} {sid}: actions {actions} on {resources}")
            continue
        used.add((module, name, sid))
        if (sorted(actions), sorted(resources)) != (
            sorted(entry["actions"]),
            sorted(entry["resources"]),
        ):
            problems.append(f"{module} {name} {sid}: differs from its allowlist entry")
    return problems, used


def test_no_wildcard_resource_account_or_action_outside_the_allowlist(exceptions):
    problems, used = _wildcard_problems(TERRAFORM_DIR, exceptions)
    assert not problems, "wildcards outside terraform/iam_exceptions.json:\n" + "\n".join(problems)
    allowed = {(e["module"], e["policy"], e["sid"]) for e in exceptions["statements"]}
    assert used == allowed, f"stale allowlist entries: {allowed - used}"


def test_aws_managed_policies_only_from_the_allowlist(exceptions):
    """An attachment names either a policy of this code or, allowlisted, an AWS managed one."""
    allowed = {(e["module"], e["attachment"], e["policy"]) for e in exceptions["managed_policies"]}
    attached, unclear = set(), []
    for d in declarations():
        for arn in as_list(d.body.get("policy_arn", [])) + as_list(
            d.body.get("managed_policy_arns", [])
        ):
            if match := re.fullmatch(r"arn:\$\{[^}]+\}:iam::aws:policy/(\w+)", str(arn)):
                attached.add((d.folder.removeprefix("modules/"), d.name, match.group(1)))
            elif not re.fullmatch(r"\$\{aws_iam_policy\.\w+\.arn\}", str(arn)):
                unclear.append(f"{d.address}: {arn}")
    assert not unclear, "write a policy here or an AWS managed policy's ARN in full"
    assert attached == allowed


def test_every_exception_says_why(exceptions):
    for entry in exceptions["statements"] + exceptions["managed_policies"]:
        assert len(entry["reason"]) > 30, entry
    assert len(exceptions["key_policies"]["reason"]) > 30


def test_key_policies_let_the_account_root_administer_the_key(exceptions):
    root_sid = exceptions["key_policies"]["root_statement_sid"]
    documents = _documents()
    for folder, name in _key_policy_documents(TERRAFORM_DIR):
        sids = [s.get("sid") for s in blocks(documents[(folder, name)].body, "statement")]
        assert root_sid in sids, f"{folder} {name}"


def _world_ingress(root: Path) -> list[str]:
    """Ingress rules open to the internet other than the load balancer's HTTPS, and inline rules."""
    problems = []
    for d in of_type("aws_vpc_security_group_ingress_rule", root=root):
        if d.body.get("cidr_ipv4") not in WORLD and d.body.get("cidr_ipv6") not in WORLD:
            continue
        ports = (d.body.get("from_port"), d.body.get("to_port"), d.body.get("ip_protocol"))
        on_the_balancer = "aws_security_group.alb." in str(d.body.get("security_group_id"))
        if d.folder != "modules/shop_service" or not on_the_balancer or ports != (443, 443, "tcp"):
            problems.append(f"{d.address}: {ports} from the internet")
    # Rules live in their own resources, where this check sees them, never inline.
    for d in of_type("aws_security_group", root=root):
        if {"ingress", "egress"} & d.body.keys():
            problems.append(f"{d.address}: inline rules")
    problems += [
        f"{d.address}: use aws_vpc_security_group_*_rule"
        for d in of_type("aws_security_group_rule", root=root)
    ]
    return problems


def test_only_the_load_balancer_accepts_the_internet_and_only_on_443():
    assert not _world_ingress(TERRAFORM_DIR)
    open_rules = [
        d
        for d in of_type("aws_vpc_security_group_ingress_rule")
        if d.body.get("cidr_ipv4") == "0.0.0.0/0"
    ]
    assert [d.folder for d in open_rules] == ["modules/shop_service"]


def test_no_database_is_publicly_accessible():
    databases = (
        of_type("aws_db_instance")
        + of_type("aws_rds_cluster_instance")
        + of_type("aws_redshift_cluster")
        + of_type("aws_redshiftserverless_workgroup")
    )
    assert len(databases) >= 2
    for d in databases:
        assert d.body.get("publicly_accessible") is False, d.address


SECRET_PATTERNS = [
    re.compile(r"^\s*(master_password|password|admin_user_password|secret_string)\s*=", re.M),
    re.compile(r"\baws_secretsmanager_secret_version\b"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
]


def test_no_secret_value_in_terraform_files():
    files = tf_files() + sorted(TERRAFORM_DIR.rglob("*.tfvars*"))
    assert files
    for path in files:
        text = path.read_text()
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), f"{path.relative_to(TERRAFORM_DIR)}: {pattern.pattern}"


def _configures(type_name: str, bucket: str) -> list:
    return [d for d in of_type(type_name) if f"aws_s3_bucket.{bucket}." in str(d.body)]


def test_every_bucket_is_encrypted_versioned_private_and_tls_only():
    """Buckets are made in one place, the s3_bucket building block, which gives each one all of
    it; every other bucket is a call of that block."""
    buckets = of_type("aws_s3_bucket")
    assert [b.folder for b in buckets] == ["modules/s3_bucket"]
    calls = [
        d for d in declarations() if d.kind == "module" and d.body["source"].endswith("/s3_bucket")
    ]
    assert len(calls) >= 6  # the lake's five buckets and the state bucket
    for bucket in buckets:
        ref = bucket.name
        encryption = _configures("aws_s3_bucket_server_side_encryption_configuration", ref)
        assert encryption, f"{bucket.address}: no encryption"
        versioning = _configures("aws_s3_bucket_versioning", ref)
        assert versioning and all(
            c["status"] == "Enabled"
            for v in versioning
            for c in blocks(v.body, "versioning_configuration")
        ), f"{bucket.address}: not versioned"
        blocks_public = _configures("aws_s3_bucket_public_access_block", ref)
        flags = (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
        assert blocks_public and all(p.body[f] is True for p in blocks_public for f in flags), (
            f"{bucket.address}: public access not blocked"
        )
        assert _configures("aws_s3_bucket_policy", ref), f"{bucket.address}: no TLS-only policy"
        for companion in encryption + versioning + blocks_public:
            assert "count" not in companion.body, f"{companion.address}: every bucket, always"
    secure_transport_denials = [
        s
        for d in _documents().values()
        for s in blocks(d.body, "statement")
        if s.get("effect") == "Deny"
        and any(c.get("variable") == "aws:SecureTransport" for c in blocks(s, "condition"))
    ]
    assert secure_transport_denials


def test_every_checkov_skip_gives_its_reason():
    skip = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")
    found = 0
    for path in tf_files():
        for match in skip.finditer(path.read_text()):
            found += 1
            assert match.group(2) and len(match.group(2).strip()) > 15, (
                f"{path.relative_to(TERRAFORM_DIR)}: {match.group(1)} without its reason"
            )
    assert not list(TERRAFORM_DIR.rglob(".checkov.y*ml")), "skips belong next to the resource"
    assert found


VIOLATIONS = """
data "aws_iam_policy_document" "role" {
  statement {
    sid       = "Everything"
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::bucket/*"]
  }
  statement {
    sid       = "AnyResource"
    actions   = ["glue:StartJobRun"]
    resources = ["*"]
  }
  statement {
    sid       = "OtherAccounts"
    actions   = ["sqs:SendMessage"]
    resources = ["arn:aws:sqs:sa-east-1:*:queue"]
  }
  statement {
    sid       = "Fine"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::bucket/key"]
  }
  statement {
    sid       = "DenyIsFine"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["*"]
  }
}

resource "aws_security_group" "db" {
  name = "db"
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  security_group_id = aws_security_group.db.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
}
"""


def test_the_rules_catch_what_they_forbid(tmp_path, exceptions):
    """The checks above, run on a module that breaks each rule once, report each break."""
    module = tmp_path / "modules" / "careless"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(VIOLATIONS)
    problems, used = _wildcard_problems(tmp_path, exceptions)
    assert [p.split(":")[0] for p in problems] == [
        "careless role Everything",
        "careless role AnyResource",
        "careless role OtherAccounts",
    ]
    assert not used
    assert sorted(p.split(": ")[1] for p in _world_ingress(tmp_path)) == [
        "aws_security_group.db",
        "aws_vpc_security_group_ingress_rule.ssh",
    ]
