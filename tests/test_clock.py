"""The development clock's offset is stored: workers and restarted servers see advances."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from callboard.app import build_services
from callboard.clock import VirtualClock
from callboard.config import Settings
from callboard.errors import BadRequest
from callboard.services import clock_sync, control_plane
from callboard.services.runtime import Runtime


@pytest.fixture
def start() -> Iterator[Callable[[Settings], Runtime]]:
    """Start "processes" (runtimes with engines of their own); dispose them afterwards."""
    started: list[Runtime] = []

    def run(settings: Settings) -> Runtime:
        started.append(build_services(settings).runtime)
        return started[-1]

    yield run
    for rt in started:
        rt.engine.dispose()


def test_advance_reaches_another_process_and_survives_a_restart(
    database_url: str, start: Callable[[Settings], Runtime]
) -> None:
    settings = Settings(database_url=database_url)
    serve = start(settings)
    worker = start(settings)
    assert isinstance(serve.clock, VirtualClock) and isinstance(worker.clock, VirtualClock)

    control_plane.advance_clock(serve, 3600)
    assert worker.clock.offset == 0
    clock_sync.load(worker)  # what the worker's runner does every poll
    assert worker.clock.offset == pytest.approx(3600)

    restarted = start(settings)
    assert isinstance(restarted.clock, VirtualClock)
    assert restarted.clock.offset == pytest.approx(3600)

    # A process that is ahead never moves back, and never moves others back.
    control_plane.advance_clock(worker, 60)
    clock_sync.load(worker)
    assert worker.clock.offset == pytest.approx(3660)
    clock_sync.load(serve)
    assert serve.clock.offset == pytest.approx(3660)


def test_production_clock_cannot_move(
    database_url: str, start: Callable[[Settings], Runtime]
) -> None:
    rt = start(Settings(database_url=database_url, mode="production"))
    with pytest.raises(BadRequest):
        control_plane.advance_clock(rt, 1)
