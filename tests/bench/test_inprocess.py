"""``python -m bench.inprocess`` drives the app in process: each part does the work it names
(the runner's part delivers both notifications of every call). No timing assertions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.inprocess import PARTS, Harness, measure, sqlite_url


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(sqlite_url(tmp_path))
    yield h
    h.loop.close()
    h.rt.engine.dispose()


def test_every_part_runs_and_the_runner_delivers_two_notifications_per_call(
    harness: Harness,
) -> None:
    for part in PARTS:
        assert measure(harness, part, 3, None) >= 0.0
    # create: 3 calls; get: 1; runner: 3; each rung, answered and notified twice.
    assert harness.sender.posts == 2 * 7
