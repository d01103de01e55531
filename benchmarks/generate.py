"""Benchmark: generating the synthetic Olist dataset at a given scale."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from dataset.generator import generate


def run(scale: float = 1.0, seed: int = 42) -> dict:
    with tempfile.TemporaryDirectory(prefix="olist-bench-") as out:
        started = time.perf_counter()
        rows = generate(Path(out), scale=scale, seed=seed)
        seconds = time.perf_counter() - started
    total = sum(rows.values())
    return {
        "scale": scale,
        "rows": total,
        "seconds": round(seconds, 2),
        "rows_per_s": round(total / seconds),
    }


if __name__ == "__main__":
    print(json.dumps(run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0), indent=2))
