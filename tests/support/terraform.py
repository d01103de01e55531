"""terraform/ parsed with python-hcl2, in a shape the policy and schema tests can walk.

python-hcl2 keeps HCL's quotes (``'"aws_s3_bucket"'``) and marks blocks with ``__is_block__``;
``load`` strips the quotes from labels and literal strings and turns every block into a ``Block``
(a dict subclass), so a test can tell ``tags = {...}`` (an attribute holding a map) from
``lifecycle {...}`` (a block). Interpolations keep their ``${...}`` form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import hcl2

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "terraform"
MODULES_DIR = TERRAFORM_DIR / "modules"
ENVS_DIR = TERRAFORM_DIR / "envs"
ENVIRONMENTS = ("dev", "prod")
MODULES = (
    "network",
    "lake",
    "shop_database",
    "warehouse",
    "glue",
    "mwaa",
    "shop_service",
    "secrets",
    "github_oidc",
)
# Modules the modules above use, not composed by the environments themselves.
BUILDING_BLOCKS = ("kms_key", "s3_bucket")


class Block(dict):
    """A block's body: arguments and nested blocks (lists of Block)."""


def _plain(value):
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == value[-1] == '"':
            return value[1:-1]
        return value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        body = Block() if value.get("__is_block__") else {}
        for key, item in value.items():
            if key in ("__is_block__", "__comments__", "__inline_comments__"):
                continue
            body[key.strip('"')] = _plain(item)
        return body
    return value


@dataclass(frozen=True)
class Declaration:
    """One ``resource``, ``data`` or ``module`` block of a file."""

    path: Path
    kind: str  # "resource", "data" or "module"
    type: str  # "aws_s3_bucket"; "" for a module
    name: str
    body: Block

    root: Path = TERRAFORM_DIR

    @property
    def folder(self) -> str:
        """The module or environment folder, e.g. ``modules/lake`` or ``envs/dev``."""
        return self.path.parent.relative_to(self.root).as_posix()

    @property
    def address(self) -> str:
        prefix = "data." if self.kind == "data" else "module." if self.kind == "module" else ""
        middle = f"{self.type}." if self.type else ""
        return f"{self.folder}: {prefix}{middle}{self.name}"


def tf_files(root: Path = TERRAFORM_DIR) -> list[Path]:
    return sorted(p for p in root.rglob("*.tf") if ".terraform" not in p.parts)


@cache
def load(path: Path) -> dict:
    with path.open() as handle:
        return _plain(hcl2.load(handle))


def declarations(root: Path = TERRAFORM_DIR) -> Iterator[Declaration]:
    for path in tf_files(root):
        document = load(path)
        for kind in ("resource", "data"):
            for typed in document.get(kind, []):
                for type_name, named in typed.items():
                    for name, body in named.items():
                        yield Declaration(path, kind, type_name, name, body, root)
        for named in document.get("module", []):
            for name, body in named.items():
                yield Declaration(path, "module", "", name, body, root)


def of_type(
    type_name: str, kind: str = "resource", root: Path = TERRAFORM_DIR
) -> list[Declaration]:
    return [d for d in declarations(root) if d.kind == kind and d.type == type_name]


def blocks(body: Block, name: str) -> list[Block]:
    """The nested blocks called ``name``, static and ``dynamic "name" { content {...} }`` alike."""
    found = [item for item in body.get(name, []) if isinstance(item, Block)]
    for dynamic in body.get("dynamic", []):
        for label, dynamic_body in dynamic.items():
            if label == name:
                found.extend(dynamic_body.get("content", []))
    return found


def top_level(folder: Path, kind: str) -> dict[str, Block]:
    """``variable`` or ``output`` blocks of one module folder, by name."""
    found: dict[str, Block] = {}
    for path in tf_files(folder):
        for named in load(path).get(kind, []):
            found.update(named)
    return found


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


REFERENCE = re.compile(r"\b(data\.)?(aws_[a-z0-9_]+)\.([a-z0-9_-]+)(?:\[[^\]]*\])?\.([a-z0-9_]+)")


def references(value) -> Iterator[tuple[str, str, str, str]]:
    """(kind, type, name, attribute) of each ``aws_x.name.attr`` / ``data.aws_x.name.attr``."""
    text = json.dumps(value)
    for match in REFERENCE.finditer(text):
        kind = "data" if match.group(1) else "resource"
        yield kind, match.group(2), match.group(3), match.group(4)
