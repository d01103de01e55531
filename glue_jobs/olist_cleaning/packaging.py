"""What the cleaning job ships: its entrypoint script and one zip for ``--extra-py-files``.

The zip holds this package and the two modules of the platform it needs, the lake's partition
protocol and the table registry (with their packages' ``__init__`` files), and nothing else.
The Glue bundle (``make package``) and the ``spark-submit`` runner both build it here. Entries
are sorted and dated 1980-01-01, so the same sources give the same bytes.
"""

from __future__ import annotations

import importlib.util
import shutil
import zipfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ENTRYPOINT = PACKAGE.parent / "clean_olist.py"
ARCHIVE_NAME = "olist_cleaning.zip"
# The platform's modules the job imports, relative to the folder holding olist_pipeline.
SHIPPED_PLATFORM_MODULES = (
    "olist_pipeline/__init__.py",
    "olist_pipeline/tables.py",
    "olist_pipeline/lake/__init__.py",
    "olist_pipeline/lake/partitions.py",
)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def archive_members() -> dict[str, Path]:
    """Each file of the zip by its name inside it."""
    spec = importlib.util.find_spec("olist_pipeline")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("olist_pipeline is not importable: run from the platform")
    platform_root = Path(spec.origin).resolve().parents[1]
    members = {
        f"olist_cleaning/{path.relative_to(PACKAGE).as_posix()}": path
        for path in PACKAGE.rglob("*.py")
    }
    members |= {name: platform_root / name for name in SHIPPED_PLATFORM_MODULES}
    return dict(sorted(members.items()))


def build_extra_py_files(folder: Path) -> Path:
    """Write the job's zip into ``folder``; its path."""
    archive = Path(folder) / ARCHIVE_NAME
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, path in archive_members().items():
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            bundle.writestr(entry, path.read_bytes())
    return archive


def write_job_files(folder: Path) -> tuple[Path, Path]:
    """The entrypoint script and the zip side by side in ``folder``, as Glue gets them (script
    location and ``--extra-py-files``); their paths.

    The script is submitted from a copy, never from ``glue_jobs/``: Python puts the script's
    folder first on ``sys.path``, and the package beside it there would stand in for a module
    missing from the zip."""
    script = Path(shutil.copyfile(ENTRYPOINT, Path(folder) / ENTRYPOINT.name))
    return script, build_extra_py_files(folder)
