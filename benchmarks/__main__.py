"""``make bench``: run every benchmark several times and print the medians as JSON.

Each module's ``run()`` measures once; this runner repeats, takes medians of every numeric
figure, and sets them beside the issue's targets. Progress goes to stderr, JSON to stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path


def median_of(runs: list[dict]) -> dict:
    """Medians of the numeric leaves of several result dicts of the same shape."""
    first = runs[0]
    merged: dict = {}
    for key, value in first.items():
        if isinstance(value, dict):
            merged[key] = median_of([run[key] for run in runs])
        elif isinstance(value, bool) or not isinstance(value, int | float):
            merged[key] = value
        else:
            merged[key] = round(statistics.median(run[key] for run in runs), 3)
    return merged


def repeat(name: str, times: int, measure: Callable[[], dict]) -> dict:
    runs = []
    for attempt in range(1, times + 1):
        print(f"[bench] {name} run {attempt}/{times}", file=sys.stderr, flush=True)
        runs.append(measure())
    return {"median": median_of(runs), "runs": runs}


def scales(text: str) -> list[float]:
    """``"0.1,1,10"`` -> ``[0.1, 1.0, 10.0]``."""
    return [float(part) for part in text.split(",") if part.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--data", type=Path, required=True, help="a SCALE=1 dataset folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--only", choices=["generate", "load", "api", "pipeline", "e2e"], action="append"
    )
    parser.add_argument(
        "--e2e-scales",
        type=scales,
        default="0.1,1,10",
        help="scales of the end-to-end DAG benchmark (default 0.1,1,10; --runs runs at 1)",
    )
    args = parser.parse_args()
    wanted = set(args.only or ["generate", "load", "api", "pipeline", "e2e"])

    from benchmarks import api_load, clean, extract, gate, generate, load, pipeline_setup

    started = time.perf_counter()
    results: dict = {"runs_per_benchmark": args.runs}
    if "generate" in wanted:
        results["generate_scale_1"] = repeat("generate", args.runs, lambda: generate.run(1.0))
        results["generate_scale_1"]["target"] = "seconds <= 30"
    if "load" in wanted:
        results["load_scale_1"] = repeat("load", args.runs, lambda: load.run(args.data))
        results["load_scale_1"]["target"] = "seconds <= 30; ratio to plain COPY reported"
    if "api" in wanted:
        results["api"] = repeat("api", args.runs, api_load.run)
        results["api"]["target"] = (
            "order detail GET >= 400 req/s, order placement POST >= 120 req/s, "
            "p99 < 100 ms, zero errors, 16 connections"
        )
    if "pipeline" in wanted:
        shop_url = pipeline_setup.shop_database(args.data)
        results["extract_scale_1"] = repeat("extract", args.runs, lambda: extract.run(shop_url))
        results["extract_scale_1"]["target"] = (
            "ratio (plain COPY seconds / extract seconds) >= 0.7; peak memory reported"
        )
        lake_uri = str(args.data.resolve().parent / "lake")
        ingest_date = pipeline_setup.raw_partition(shop_url, lake_uri)
        results["clean_scale_1"] = repeat(
            "clean", args.runs, lambda: clean.run(lake_uri, ingest_date)
        )
        results["clean_scale_1"]["target"] = "seconds <= 45, Spark start-up included"
        results["gate_scale_1"] = repeat("gate", args.runs, lambda: gate.run(lake_uri, ingest_date))
        results["gate_scale_1"]["target"] = "wall time reported"
    if "e2e" in wanted:
        from benchmarks import e2e

        results["e2e"] = e2e.run_all(args.data, args.e2e_scales, args.runs, repeat)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
