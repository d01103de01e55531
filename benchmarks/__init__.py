"""Benchmarks behind ``make bench``: each module's ``run()`` measures once and returns figures;
``python -m benchmarks`` repeats them and prints medians as JSON."""

import sys
from pathlib import Path

DJANGO_PROJECT = Path(__file__).resolve().parents[1] / "django_project"


def django_project_on_path() -> None:
    """The shop's packages (config, dataset, ...) live in django_project/, not installed."""
    if str(DJANGO_PROJECT) not in sys.path:
        sys.path.insert(0, str(DJANGO_PROJECT))
