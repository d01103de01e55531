"""Benchmarks behind ``make bench``: each module's ``run()`` measures once and returns figures;
``python -m benchmarks`` repeats them and prints medians as JSON.

They import the shop's packages and the pipeline from the repository: ``make bench`` runs them
with ``PYTHONPATH=django_project:plugins``, as Django and Airflow find them."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DJANGO_PROJECT = REPO_ROOT / "django_project"
