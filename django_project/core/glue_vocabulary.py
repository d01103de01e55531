"""Write the shop's vocabularies (``core.domain``) into the Glue job's package.

The cleaning job checks states, statuses, payment types and id patterns against the shop's
own lists, but runs on AWS Glue, where neither Django nor this project's shop exists. So the
lists are defined once, here in the shop, and this command writes them into
``glue_jobs/olist_cleaning/shop_vocabulary.py`` (``make glue-vocabulary``); a test fails when
the written module is not current. Plain Python: no Django setup.

``python -m core.glue_vocabulary [PATH]`` writes PATH (default: the job's module).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).with_name("domain.py")
GLUE_MODULE = Path(__file__).resolve().parents[2] / "glue_jobs/olist_cleaning/shop_vocabulary.py"
HEADER = '''"""The shop's vocabularies, for the cleaning job.

Generated from django_project/core/domain.py by `make glue-vocabulary`; do not edit by hand.
"""
'''


def render(domain_source: str | None = None) -> str:
    """The job's module: the header, then ``core.domain`` without its docstring."""
    source = DOMAIN.read_text() if domain_source is None else domain_source
    module = ast.parse(source)
    body = source
    if ast.get_docstring(module) is not None:
        docstring = module.body[0]
        lines = source.splitlines(keepends=True)
        body = "".join(lines[docstring.end_lineno :])
    return HEADER + "\n" + body.lstrip("\n")


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else GLUE_MODULE
    target.write_text(render())
    print(f"Wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
