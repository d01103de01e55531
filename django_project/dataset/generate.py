"""Command line: write a synthetic Olist dataset.

    python -m dataset.generate --scale 1 --seed 42 --out data/olist

Prints the rows written per file and the time taken. A progress bar goes to stderr when it is
a terminal (never with --quiet), so logs of unattended runs stay clean.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dataset import olist_format as fmt
from dataset.generator import generate


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dataset.generate",
        description="Write the nine CSV files of a synthetic Olist e-commerce dataset.",
    )
    parser.add_argument(
        "--scale", type=_positive_float, default=1.0, help="1 = Olist's size (default 1)"
    )
    parser.add_argument(
        "--seed", type=_non_negative_int, default=42, help="same seed, same bytes (default 42)"
    )
    parser.add_argument("--out", type=Path, default=Path("data/olist"), help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    rows = generate(
        args.out,
        scale=args.scale,
        seed=args.seed,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    seconds = time.perf_counter() - started

    print(f"Wrote {args.out} (scale={args.scale:g}, seed={args.seed}):")
    for spec in fmt.ALL_FILES:
        print(f"  {spec.file_name:<42} {rows[spec.table]:>10,} rows")
    print(f"  {'total':<42} {sum(rows.values()):>10,} rows in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
