"""``make lint``'s secrets scan: every tracked file, against the reviewed ``.secrets.baseline``.

detect-secrets' own pre-commit hook fails whenever a reviewed finding merely moves to another
line (it rewrites the baseline's line numbers and asks for them to be committed), so the lint
rescans a copy of the baseline instead: the rescan keeps each known finding's review (its
``is_secret`` mark, matched by the secret's hash) and adds new findings without one. A finding
without a review fails the lint. ``python -m deploy.secrets_scan [REPOSITORY]``; how to review a
new false positive is in docs/testing.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BASELINE_NAME = ".secrets.baseline"
DETECT_SECRETS = Path(sys.executable).with_name("detect-secrets")


def unreviewed_findings(repository: Path) -> list[str]:
    """``path:line: type`` of every finding in the repository's tracked files that the baseline
    does not hold as reviewed."""
    with tempfile.TemporaryDirectory() as scratch:
        baseline = Path(scratch) / BASELINE_NAME
        shutil.copyfile(repository / BASELINE_NAME, baseline)
        subprocess.run(
            [str(DETECT_SECRETS), "scan", "--baseline", str(baseline)],
            cwd=repository,
            check=True,
        )
        results = json.loads(baseline.read_text())["results"]
    return [
        f"{path}:{finding['line_number']}: {finding['type']}"
        for path, findings in results.items()
        for finding in findings
        if "is_secret" not in finding
    ]


def main(argv: list[str]) -> int:
    repository = Path(argv[0]) if argv else Path.cwd()
    found = unreviewed_findings(repository)
    for finding in found:
        print(f"{finding}: possible secret, not reviewed in {BASELINE_NAME}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
