"""The secrets scan's baseline (`.secrets.baseline`, checked by `make lint`) holds only reviewed
findings: a finding added without review would silence the scan for a real secret."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BASELINE = REPO_ROOT / ".secrets.baseline"
HOOK = Path(sys.executable).with_name("detect-secrets-hook")


def test_every_finding_in_the_baseline_was_reviewed_as_not_a_secret():
    results = json.loads(BASELINE.read_text())["results"]
    unreviewed = [
        f"{path}:{finding['line_number']} ({finding['type']})"
        for path, findings in results.items()
        for finding in findings
        if finding.get("is_secret") is not False
    ]
    assert results, "the baseline lists the reviewed examples; an empty one means a broken scan"
    assert not unreviewed, f"review these findings (detect-secrets audit): {unreviewed}"


def test_the_scan_reports_a_credential_that_the_baseline_does_not_hold(tmp_path):
    leaked = tmp_path / "settings_leak.py"
    key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY9"  # pragma: allowlist secret
    leaked.write_text(f'aws_secret_access_key = "{key}"\n')
    baseline = tmp_path / "baseline.json"
    baseline.write_bytes(BASELINE.read_bytes())
    result = subprocess.run(
        [str(HOOK), "--baseline", str(baseline), str(leaked)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"{leaked}:1" in result.stdout
