"""Every resource and data source type, argument, nested block and referenced attribute in
terraform/ exists in the pinned AWS provider's schema (``terraform/aws_provider_schema.json``,
derived offline by ``make terraform-schema``): what ``terraform validate`` would catch first,
checked without the provider binary this machine cannot download."""

from __future__ import annotations

import json
import re

import pytest
from support.terraform import (
    ENVS_DIR,
    TERRAFORM_DIR,
    Block,
    declarations,
    load,
    references,
    tf_files,
)

from deploy.provider_schema import PROVIDER_VERSION, SCHEMA_FILE

# Terraform's own meta-arguments, valid on every resource and data source.
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())


def _unknown_arguments(body: dict, tree: dict, where: str) -> list[str]:
    problems = []
    for key, value in body.items():
        if key in META_ARGUMENTS:
            continue
        if key == "dynamic":
            for dynamic in value:
                for label, dynamic_body in dynamic.items():
                    if not isinstance(tree.get(label), dict):
                        problems.append(f"{where}: no block {label!r}")
                        continue
                    for content in dynamic_body.get("content", []):
                        problems += _unknown_arguments(content, tree[label], f"{where}.{label}")
            continue
        if key not in tree:
            problems.append(f"{where}: no argument {key!r}")
            continue
        nested = tree[key]
        if nested == "any":
            continue  # left untyped by the provider's published bindings: not checkable here
        if isinstance(nested, dict):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    problems += _unknown_arguments(item, nested, f"{where}.{key}")
        elif isinstance(value, list) and value and all(isinstance(v, Block) for v in value):
            problems.append(f"{where}: {key!r} is an argument, not a block")
    return problems


def test_the_schema_is_the_pinned_providers(schema):
    assert schema["provider_version"] == PROVIDER_VERSION
    for env in ENVS_DIR.iterdir():
        providers = load(env / "versions.tf")["terraform"][0]["required_providers"][0]
        assert providers["aws"]["version"] == PROVIDER_VERSION, env.name


def test_every_type_exists_in_the_provider(schema):
    unknown = [
        d.address
        for d in declarations()
        if d.kind != "module" and d.type not in schema["type_names"][d.kind]
    ]
    assert not unknown, f"not types of hashicorp/aws {PROVIDER_VERSION}: {unknown}"
    not_derived = [
        d.address
        for d in declarations()
        if d.kind != "module" and d.type not in schema["types"][d.kind]
    ]
    assert not not_derived, f"run make terraform-schema to derive these types too: {not_derived}"


def test_every_argument_and_block_exists(schema):
    problems = []
    for d in declarations():
        if d.kind == "module":
            continue
        problems += _unknown_arguments(
            d.body, schema["types"][d.kind][d.type]["arguments"], d.address
        )
    assert not problems, "\n".join(problems)


def test_every_referenced_attribute_exists(schema):
    problems = []
    for path in tf_files():
        for kind, type_name, name, attribute in references(load(path)):
            known = schema["types"][kind].get(type_name)
            if known is None:
                continue  # reported by test_every_type_exists_in_the_provider
            if attribute not in known["attributes"] and attribute not in known["arguments"]:
                where = path.relative_to(TERRAFORM_DIR)
                problems.append(f"{where}: {type_name}.{name}.{attribute}")
    assert not problems, "unknown attributes:\n" + "\n".join(sorted(set(problems)))


def test_the_checker_catches_a_misspelt_argument_and_block(schema):
    tree = schema["types"]["resource"]["aws_s3_bucket_lifecycle_configuration"]["arguments"]
    body = {
        "bucket": "${aws_s3_bucket.lake.id}",
        "rule": [Block(id="x", status="Enabled", expiraton=[Block(days=30)])],
    }
    assert _unknown_arguments(body, tree, "t") == ["t.rule: no argument 'expiraton'"]
    body["rule"][0] = Block(id="x", status=[Block()])
    assert _unknown_arguments(body, tree, "t") == ["t.rule: 'status' is an argument, not a block"]
    assert re.search(
        r"no block 'rules'", str(_unknown_arguments({"dynamic": [{"rules": {}}]}, tree, "t"))
    )
