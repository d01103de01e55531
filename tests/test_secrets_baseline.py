"""The secrets scan of ``make lint`` (``deploy/secrets_scan.py``) and its baseline.

The baseline holds only reviewed findings: a finding added without review would silence the scan
for a real secret. The scan reports a new secret in a tracked file and keeps quiet when a
reviewed finding merely moves to another line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from deploy.secrets_scan import BASELINE_NAME, unreviewed_findings

REPO_ROOT = Path(__file__).resolve().parents[1]
# pragma: allowlist nextline secret
LEAKED_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY9"
REVIEWED_FILE = "tests/pipeline/test_database_urls.py"


def test_every_finding_in_the_baseline_was_reviewed_as_not_a_secret():
    results = json.loads((REPO_ROOT / BASELINE_NAME).read_text())["results"]
    unreviewed = [
        f"{path}:{finding['line_number']} ({finding['type']})"
        for path, findings in results.items()
        for finding in findings
        if finding.get("is_secret") is not False
    ]
    assert results, "the baseline lists the reviewed examples; an empty one means a broken scan"
    assert not unreviewed, f"review these findings (detect-secrets audit): {unreviewed}"


def _repository_with(tmp_path: Path, files: dict[str, str]) -> Path:
    """A git repository holding the project's baseline and ``files``, all tracked."""
    repository = tmp_path / "repository"
    repository.mkdir()
    shutil.copyfile(REPO_ROOT / BASELINE_NAME, repository / BASELINE_NAME)
    for name, text in files.items():
        (repository / name).parent.mkdir(parents=True, exist_ok=True)
        (repository / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=repository, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repository, check=True)
    return repository


def test_a_reviewed_finding_on_another_line_passes(tmp_path):
    moved = "# three new lines\n\n\n" + (REPO_ROOT / REVIEWED_FILE).read_text()
    repository = _repository_with(tmp_path, {REVIEWED_FILE: moved})

    assert unreviewed_findings(repository) == []


def test_a_new_secret_in_a_tracked_file_is_reported_with_its_place(tmp_path):
    repository = _repository_with(
        tmp_path, {"settings_leak.py": f'aws_secret_access_key = "{LEAKED_KEY}"\n'}
    )

    assert unreviewed_findings(repository) == [
        "settings_leak.py:1: Base64 High Entropy String",
        "settings_leak.py:1: Secret Keyword",
    ]
