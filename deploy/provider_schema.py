"""The AWS provider schema that terraform/'s tests check against, derived offline from a package.

The Terraform CLI cannot download providers on the machines this project is tested on, so
``terraform validate`` cannot run there. The provider's schema is also published inside the
prebuilt AWS bindings of CDK for Terraform (an npm package per provider release): its jsii
assembly describes every resource and data source, every argument and nested block (each with a
link to the registry page of ``<type>#<argument>``, which gives the exact Terraform name) and every
attribute a resource exports. ``make terraform-schema`` downloads the pinned package, checks its
SHA-256, and writes ``terraform/aws_provider_schema.json``:

- the names of all resources and data sources of the provider release;
- for each type terraform/ uses, its arguments (nested blocks as sub-trees; "any" where the
  bindings leave a deep block untyped) and its attributes.

Only the used types are kept in full so the committed file stays small; a new type in terraform/
makes the test ask for ``make terraform-schema`` again, which refuses a name the provider lacks.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import hcl2

REPO_ROOT = Path(__file__).resolve().parents[1]
TERRAFORM_DIR = REPO_ROOT / "terraform"
SCHEMA_FILE = TERRAFORM_DIR / "aws_provider_schema.json"

# CDK for Terraform's prebuilt bindings of hashicorp/aws 6.25.0 (the provider pinned in
# terraform/envs/*/versions.tf); the package's own package.json names the provider release.
PACKAGE = "@cdktf/provider-aws"
PACKAGE_VERSION = "21.22.1"
PACKAGE_SHA256 = "d1446ab6ac6526c6fab4b28a5ebefdd90c0ce56203949925d35a4d286c05cbbf"
PROVIDER_VERSION = "6.25.0"

_DOC_LINK = re.compile(
    r"registry\.terraform\.io/providers/hashicorp/aws/[^/]+/docs/(resources|data-sources)/(\w+)#(\w+)"
)
_CLASS_LINK = re.compile(r"/docs/(?:resources|data-sources)/\w+ (aws_\w+)\}")
_PREFIX = "@cdktf/provider-aws."


def _struct_fqns(type_ref: dict) -> list[str]:
    """The provider's struct types a jsii type reference points at (through unions and lists)."""
    if "fqn" in type_ref:
        return [type_ref["fqn"]] if type_ref["fqn"].startswith(_PREFIX) else []
    if "union" in type_ref:
        return [fqn for member in type_ref["union"]["types"] for fqn in _struct_fqns(member)]
    if "collection" in type_ref:
        return _struct_fqns(type_ref["collection"]["elementtype"])
    return []


def _is_any(type_ref: dict) -> bool:
    if type_ref.get("primitive") == "any":
        return True
    members = type_ref.get("union", {}).get("types", [])
    return any(_is_any(member) for member in members)


def _arguments(types: dict, struct_fqn: str, seen: frozenset[str] = frozenset()) -> dict:
    """{argument: None | nested tree} for a config struct, named as Terraform names them."""
    tree: dict = {}
    for prop in types[struct_fqn].get("properties", []):
        docs = prop.get("docs", {})
        link = _DOC_LINK.search(docs.get("summary", "") + " " + docs.get("remarks", ""))
        if not link:
            continue
        name = link.group(3)
        nested = [
            fqn
            for fqn in _struct_fqns(prop["type"])
            if types[fqn].get("datatype") and fqn not in seen
        ]
        if nested:
            tree[name] = _arguments(types, nested[0], seen | {nested[0]})
        else:
            # Deep blocks the bindings leave untyped (a WAF rule's statement) are "any".
            tree[name] = "any" if _is_any(prop["type"]) else None
    return tree


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def derive(assembly: dict) -> dict:
    """{"resource"|"data": {type: {"arguments": tree, "attributes": [names]}}} for every type."""
    types = assembly["types"]
    kinds = {"cdktf.TerraformResource": "resource", "cdktf.TerraformDataSource": "data"}
    schema: dict[str, dict] = {"resource": {}, "data": {}}
    for jsii_class in types.values():
        kind = kinds.get(jsii_class.get("base"))
        if kind is None:
            continue
        # "Represents a {@link https://registry.terraform.io/.../docs/resources/<name> aws_<name>}."
        type_name = _CLASS_LINK.search(jsii_class["docs"]["summary"]).group(1)
        parameters = jsii_class["initializer"]["parameters"]
        config_fqn = next(p["type"]["fqn"] for p in parameters if p["name"] == "config")
        attributes = sorted(
            _snake(prop["name"])
            for prop in jsii_class.get("properties", [])
            if not prop.get("static") and not prop["name"].endswith("Input")
        )
        arguments = _arguments(types, config_fqn)
        schema[kind][type_name] = {"arguments": arguments, "attributes": attributes}
    return schema


def used_types(terraform_dir: Path = TERRAFORM_DIR) -> dict[str, set[str]]:
    """The resource and data source types the .tf files under ``terraform_dir`` declare."""
    used: dict[str, set[str]] = {"resource": set(), "data": set()}
    for path in sorted(terraform_dir.rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        with path.open() as handle:
            document = hcl2.load(handle)
        for kind in used:
            for block in document.get(kind, []):
                used[kind].update(label.strip('"') for label in block if label != "__is_block__")
    return used


def _download(workdir: Path) -> dict:
    subprocess.run(
        ["npm", "pack", "--silent", f"{PACKAGE}@{PACKAGE_VERSION}"],
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (tarball,) = workdir.glob("*.tgz")
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != PACKAGE_SHA256:
        raise SystemExit(f"{tarball.name}: SHA-256 {digest}, expected {PACKAGE_SHA256}")
    with tarfile.open(tarball) as archive:
        package = json.load(archive.extractfile("package/package.json"))
        provider = package["cdktf"]["provider"]
        if provider["version"] != PROVIDER_VERSION:
            raise SystemExit(
                f"{tarball.name} binds aws {provider['version']}, not {PROVIDER_VERSION}"
            )
        return json.load(archive.extractfile("package/.jsii"))


def write(schema: dict, used: dict[str, set[str]], out: Path = SCHEMA_FILE) -> None:
    missing = {kind: sorted(used[kind] - schema[kind].keys()) for kind in used}
    if any(missing.values()):
        raise SystemExit(f"Not in hashicorp/aws {PROVIDER_VERSION}: {missing}")
    document = {
        "about": (
            f"hashicorp/aws {PROVIDER_VERSION}'s schema, derived by deploy/provider_schema.py "
            f"(make terraform-schema) from {PACKAGE} {PACKAGE_VERSION}: every type name, and the "
            "arguments and attributes of the types terraform/ uses"
        ),
        "provider_version": PROVIDER_VERSION,
        "source": {"package": PACKAGE, "version": PACKAGE_VERSION, "sha256": PACKAGE_SHA256},
        "type_names": {kind: sorted(schema[kind]) for kind in ("resource", "data")},
        "types": {
            kind: {name: schema[kind][name] for name in sorted(used[kind])}
            for kind in ("resource", "data")
        },
    }
    out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


def main() -> int:
    with tempfile.TemporaryDirectory() as workdir:
        assembly = _download(Path(workdir))
    used = used_types()
    write(derive(assembly), used)
    counts = {kind: len(names) for kind, names in used.items()}
    print(
        f"Wrote {SCHEMA_FILE.relative_to(REPO_ROOT)} ({counts['resource']} resource types, "
        f"{counts['data']} data source types used)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
