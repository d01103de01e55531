"""Names of the fixed resources a test uses, kept apart between pytest-xdist's workers.

``make test`` runs the suite on two workers (``pytest -n 2``), each a process with its own
session fixtures. A database, a folder or a data directory with a fixed name would be shared by
both, and one worker would drop what the other is using: ``per_worker`` adds the worker's id
(``gw0``, ``gw1``) to such a name. A serial run (no xdist) keeps the plain name.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def per_worker(name: str, separator: str = "_") -> str:
    """``name`` with this worker's id appended (``pipeline_test_shop_gw1``); ``name`` itself
    when the suite is not run by xdist."""
    return f"{name}{separator}{WORKER}" if WORKER else name


@contextmanager
def machine_lock(name: str) -> Iterator[None]:
    """Hold a lock of this machine named ``name`` (a file lock): for tests that change what is
    the server's, not a database's (its roles), so two workers take turns."""
    path = os.path.join(tempfile.gettempdir(), f"olist-tests-{name}.lock")
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
