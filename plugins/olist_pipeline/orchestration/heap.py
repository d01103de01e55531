"""Keep what a task's process has built up out of Python's cyclic garbage collector's scans.

A task runs in a process that has imported Airflow, its providers and this package, and under
``airflow dags test`` (``make demo``, ``make pipeline``, the benchmarks) every task of a run
shares one process, which also holds what the earlier tasks imported: Spark's client, Great
Expectations, dbt. Those objects live as long as the process, yet every full collection scans
them all again, and while a task imports and works, the heap's growth alone keeps triggering full
collections: a quiet run spent about 1.5 of its 5.7 s in them, and the process of a full run
4.0 s in all (docs/benchmarks.md, the fourteenth round).

``gc.freeze()`` moves every object the collector tracks to a permanent generation that
collections skip. Objects made afterwards are collected as usual, and reference counting still
frees a frozen object nothing refers to any more; only a reference cycle that was already
garbage, or becomes garbage later, among the frozen objects stays until the process ends. The
call costs microseconds (it relinks two lists). Airflow's own DAG processor and LocalExecutor
call it too, before they fork (there so that the children do not copy the pages a collection
would touch).
"""

from __future__ import annotations

import gc
from typing import Any


def freeze_long_lived_objects(context: Any = None) -> None:
    """Freeze every object the process holds now (the DAG file calls it once parsed, and every
    task before it executes: ``context`` is what Airflow passes a ``pre_execute`` hook)."""
    gc.freeze()
