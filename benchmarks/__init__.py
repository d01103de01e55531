"""Benchmarks behind ``make bench``: each module's ``run()`` measures once and returns figures;
``python -m benchmarks`` repeats them and prints medians as JSON."""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DJANGO_PROJECT = REPO_ROOT / "django_project"
PLUGINS = REPO_ROOT / "plugins"


def django_project_on_path() -> None:
    """The shop's packages (config, dataset, ...) live in django_project/, not installed."""
    if str(DJANGO_PROJECT) not in sys.path:
        sys.path.insert(0, str(DJANGO_PROJECT))


def plugins_on_path() -> None:
    """The pipeline package lives in plugins/ (MWAA's layout), not installed."""
    if str(PLUGINS) not in sys.path:
        sys.path.insert(0, str(PLUGINS))
