"""Fixtures of the loader tests: small folders in the exact Kaggle format, copied to tmp_path
(the loader writes its rejects beside the input, and some tests edit the files).

The fixture files are the project's own, named after the table they fill (``payments.csv``);
the copy gives them the release's file names (``olist_order_payments_dataset.csv``), which is
what the loader looks for. They hold no row of the real release."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dataset.olist_format import ALL_FILES

RELEASE_FILE_NAME = {spec.table: spec.file_name for spec in ALL_FILES}

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def olist_folder(tmp_path) -> Callable[..., Path]:
    """``olist_folder("complete")`` -> a fresh copy of tests/dataset/fixtures/complete.

    ``only=[...]`` keeps just the named files; ``name=`` names the copy (default: the source).
    """

    def copy(source: str, *, only: list[str] | None = None, name: str | None = None) -> Path:
        target = tmp_path / (name or source)
        shutil.copytree(FIXTURES / source, target)
        for path in target.glob("*.csv"):
            path.rename(target / RELEASE_FILE_NAME[path.stem])
        if only is not None:
            for path in target.iterdir():
                if path.name not in only:
                    path.unlink()
        return target

    return copy
