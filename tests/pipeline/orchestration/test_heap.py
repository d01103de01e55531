"""The heap freeze the DAG's tasks run before they execute (``orchestration/heap.py``)."""

from __future__ import annotations

import gc
import weakref

import pytest

from olist_pipeline.orchestration.heap import freeze_long_lived_objects


class Node:
    """An object the cyclic collector tracks, in a reference cycle with itself."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen_afterwards():
    yield
    gc.unfreeze()  # the worker's objects are collected as usual again


def in_collected_generations(obj) -> bool:
    return any(o is obj for generation in range(3) for o in gc.get_objects(generation))


def test_what_exists_is_frozen_and_what_comes_after_is_collected(unfrozen_afterwards):
    before = Node()

    freeze_long_lived_objects({"task": "an Airflow context, ignored"})
    after = Node()
    after_ref = weakref.ref(after)

    assert not in_collected_generations(before)
    assert in_collected_generations(after)
    del after
    gc.collect()
    assert after_ref() is None  # a cycle made after the freeze is garbage, found as usual


def test_a_frozen_cycle_that_becomes_garbage_stays_until_the_heap_is_unfrozen(
    unfrozen_afterwards,
):
    cycle = Node()
    cycle_ref = weakref.ref(cycle)

    freeze_long_lived_objects()
    del cycle
    gc.collect()

    assert cycle_ref() is not None  # the documented cost of a freeze
    gc.unfreeze()
    gc.collect()
    assert cycle_ref() is None
