"""``make bench``: the platform's speed figures for this checkout and for a baseline commit,
measured in the same session, side by side, as JSON.

This machine's speed varies two to three times from one day to the next, so a figure means
something only next to the same figure of a known commit measured minutes apart. The baseline
(``--baseline``, a commit) is checked out in a git worktree under ``data/bench/`` with its own
``.venv`` from its own ``uv.lock`` (``make install`` there), and each benchmark group runs with
``python -m benchmarks`` on the baseline first, then on this checkout, each with its own code
and its own benchmark harness (the harness's figures keep their names across commits).

Groups (``--only``, repeatable; default all but ``test``):

* ``e2e``: the ``olist_elt`` DAG by Airflow itself (``benchmarks/e2e.py``) at ``--e2e-scales``
  (``--runs`` runs at SCALE=1, one at the others): a full run into an empty warehouse, then a
  quiet run (nothing changed in the shop);
* ``load``: ``make load``'s loader against a plain ``COPY`` of the same files
  (``benchmarks/load.py``);
* ``api``: the shop's API under 16 connections (``benchmarks/api_load.py``);
* ``test``: ``make test``'s wall time in each checkout (about half an hour each; opt-in).

The output names each figure with its baseline value, this checkout's value, the ratio
(this / baseline) and the target it is held to; the raw JSON of both harnesses follows under
``raw``. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DATA = REPO_ROOT / "data" / "bench"
DEFAULT_BASELINE = "4e76179"
GROUPS = ("e2e", "load", "api", "test")


def _progress(message: str) -> None:
    print(f"[compare] {message}", file=sys.stderr, flush=True)


def baseline_checkout(revision: str) -> Path:
    """A worktree of ``revision`` under ``data/bench/``, with its ``.venv`` installed."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    folder = BENCH_DATA / f"baseline-{sha[:12]}"
    if not (folder / ".git").exists():
        _progress(f"checking out {revision} ({sha[:12]}) into {folder}")
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(folder), sha],
            cwd=REPO_ROOT,
            check=True,
            stdout=sys.stderr,
        )
    _progress(f"installing the baseline's .venv from its uv.lock ({folder})")
    # Its output goes to stderr with the progress: stdout carries the JSON alone.
    subprocess.run(
        ["make", "--no-print-directory", "install"], cwd=folder, check=True, stdout=sys.stderr
    )
    return folder


def harness(checkout: Path, data: Path, group: str, runs: int, e2e_scales: str) -> dict:
    """``python -m benchmarks --only group`` of ``checkout``, run there; its JSON."""
    command = [
        str(checkout / ".venv" / "bin" / "python"),
        "-m",
        "benchmarks",
        "--data",
        str(data),
        "--runs",
        str(runs),
        "--only",
        group,
    ]
    if group == "e2e":
        command += ["--e2e-scales", e2e_scales]
    env = {
        **os.environ,
        "PYTHONPATH": f"{checkout / 'django_project'}:{checkout / 'plugins'}",
    }
    _progress(f"{group} on {checkout.name}: {' '.join(command[1:])}")
    result = subprocess.run(command, cwd=checkout, env=env, stdout=subprocess.PIPE, check=True)
    return json.loads(result.stdout)


def make_test_seconds(checkout: Path) -> dict:
    """``make test``'s wall time in ``checkout`` and its exit status."""
    _progress(f"make test in {checkout}")
    log = BENCH_DATA / f"make-test-{checkout.name}.log"
    started = time.perf_counter()
    with log.open("w") as out:
        status = subprocess.run(
            ["make", "--no-print-directory", "test"], cwd=checkout, stdout=out, stderr=out
        ).returncode
    return {"seconds": round(time.perf_counter() - started, 1), "exit": status, "log": str(log)}


def dig(tree: dict, *path: str) -> Any:
    """``tree[p0][p1]...``; None when any key is missing."""
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _e2e(run: str, figure: str, scale: str = "1") -> Callable[[dict], Any]:
    return lambda raw: dig(raw, "e2e", "e2e", "scales", scale, run, figure)


def _clean_seconds(scale: str) -> Callable[[dict], Any]:
    stage = ("full_refresh", "stages", "lake.clean")
    return lambda raw: dig(raw, "e2e", "e2e", "scales", scale, *stage)


def _load(*path: str) -> Callable[[dict], Any]:
    return lambda raw: dig(raw, "load", "load_scale_1", "median", *path)


def _api(*path: str) -> Callable[[dict], Any]:
    return lambda raw: dig(raw, "api", "api", "median", *path)


def _clean_seconds_on_a_new_spark_server(raw: dict) -> float | None:
    """The cleaning at SCALE=0.01 on a Spark that starts for it: the first run on a new Spark
    Connect server, or any run of a checkout whose every run starts its own Spark."""
    first = dig(raw, "e2e", "e2e", "scales", "0.01", "first_run_on_a_new_spark_server")
    if first is None:
        return _clean_seconds("0.01")(raw)
    return dig(first, "full_refresh", "stages", "lake.clean")


def _quiet_run_extracted_rows(raw: dict) -> int:
    """Rows the "quiet" runs at SCALE=1 extracted (the median's, or any measured run's)."""
    scale = dig(raw, "e2e", "e2e", "scales", "1") or {}
    runs = [scale, *(scale.get("each_run") or [])]
    return max((dig(run, "rerun_no_change", "extracted_rows") or 0 for run in runs), default=0)


def _not_a_quiet_run(raw: dict) -> str | None:
    """Why a harness's quiet run was not one. The harness reruns the DAG on the latest data
    interval (the day up to the last 03:00 UTC), expecting the shop to have been loaded after it
    ended: a shop loaded before 03:00 UTC and benchmarked after it changed inside that interval,
    so the rerun extracts it all again and its seconds are a second full run's."""
    rows = _quiet_run_extracted_rows(raw)
    if rows:
        return (
            f"its quiet run extracted {rows:,} rows (the shop changed inside the run's data"
            " interval): not a quiet run"
        )
    return None


def _cleaning_share(raw: dict) -> float | None:
    clean, full = _clean_seconds("1")(raw), _e2e("full_refresh", "dag_seconds")(raw)
    return round(clean / full, 3) if clean is not None and full else None


# (figure, how to read it from the raw JSON, the target, how the target is judged:
#  "ratio<=X" this / baseline at most X; "ratio>=X"; "<=X" / ">=X" / "<X" on this value alone.)
FIGURES: list[tuple[str, Callable[[dict], Any], str]] = [
    ("full_run_seconds", _e2e("full_refresh", "dag_seconds"), "ratio<=0.5"),
    ("quiet_run_seconds", _e2e("rerun_no_change", "dag_seconds"), "ratio<=0.15"),
    ("cleaning_stage_seconds", _clean_seconds("1"), "info"),
    ("cleaning_share_of_full_run", _cleaning_share, "<=0.2"),
    ("spark_fixed_cost_seconds_scale_0.01", _clean_seconds("0.01"), "ratio<=0.334"),
    ("spark_start_and_fixed_cost_seconds_scale_0.01", _clean_seconds_on_a_new_spark_server, "info"),
    (
        "scale_10_over_scale_1",
        lambda raw: dig(raw, "e2e", "e2e", "scale_10_over_scale_1", "dag_seconds"),
        "<=6",
    ),
    ("loader_seconds", _load("load", "seconds"), "info"),
    ("loader_over_plain_copy", _load("ratio"), "<=6"),
    ("loader_non_empty_over_empty", _load("non_empty_ratio"), "<=1.5"),
    ("api_placement_p99_ms", _api("order_placement_post", "p99_ms"), "<100"),
    ("api_placements_per_s", _api("order_placement_post", "requests_per_s"), ">=300"),
    ("api_placement_errors", _api("order_placement_post", "errors"), "<=0"),
    ("api_detail_get_per_s", _api("order_detail_get", "requests_per_s"), "ratio>=0.95"),
    ("make_test_seconds", lambda raw: dig(raw, "test", "seconds"), "ratio<=1"),
]


def judge(rule: str, before: float | None, after: float | None) -> bool | None:
    """Whether ``after`` meets ``rule`` (None: not measured, or nothing to judge)."""
    if after is None or rule == "info":
        return None
    if rule.startswith("ratio"):
        if not before:
            return None
        ratio, bound = after / before, float(rule[7:])
        return ratio <= bound if rule[5:7] == "<=" else ratio >= bound
    for operator, test in (("<=", float.__le__), (">=", float.__ge__), ("<", float.__lt__)):
        if rule.startswith(operator):
            return test(float(after), float(rule[len(operator) :]))
    raise ValueError(f"unknown rule {rule!r}")


# Figures that mean something only when each side's runs were what the figure says: the check
# returns why a side's were not (then the figure is shown, but not judged).
VALIDITY: dict[str, Callable[[dict], str | None]] = {"quiet_run_seconds": _not_a_quiet_run}


def figures(baseline: dict, current: dict) -> dict:
    table = {}
    for name, read, rule in FIGURES:
        before, after = read(baseline), read(current)
        if before is None and after is None:
            continue
        table[name] = {
            "baseline": before,
            "this": after,
            "ratio": round(after / before, 3) if before and after is not None else None,
            "target": rule,
            "met": judge(rule, before, after),
        }
        if (check := VALIDITY.get(name)) is None:
            continue
        reasons = [
            f"{side}: {reason}"
            for side, raw in (("baseline", baseline), ("this", current))
            if (reason := check(raw))
        ]
        if reasons:
            table[name] |= {"met": None, "not_comparable": "; ".join(reasons)}
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare")
    parser.add_argument("--data", type=Path, required=True, help="a SCALE=1 dataset folder")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="a commit to compare with")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=GROUPS, action="append")
    parser.add_argument("--e2e-scales", default="0.01,1,10")
    args = parser.parse_args(argv)
    groups = args.only or [group for group in GROUPS if group != "test"]
    data = args.data.resolve()

    started = time.perf_counter()
    base = baseline_checkout(args.baseline)
    raw: dict[str, dict] = {"baseline": {}, "this": {}}
    for group in groups:
        for side, checkout in (("baseline", base), ("this", REPO_ROOT)):
            if group == "test":
                raw[side][group] = make_test_seconds(checkout)
            else:
                raw[side][group] = harness(checkout, data, group, args.runs, args.e2e_scales)
    head = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "baseline": args.baseline,
        "this": head,
        "runs": args.runs,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "figures": figures(raw["baseline"], raw["this"]),
        "seconds": round(time.perf_counter() - started, 1),
        "raw": raw,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
