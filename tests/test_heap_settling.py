"""``settle_heap``: what start-up built is frozen out of the collector's passes, and young
collections run less often (the p99 outliers under load were collector passes)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from callboard.app import GC_YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restore_gc")
def test_settle_heap_freezes_start_up_objects_and_raises_the_young_threshold() -> None:
    older = gc.get_threshold()[1:]
    settle_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *older)
