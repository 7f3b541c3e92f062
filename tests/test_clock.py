"""The development clock's offset is stored: workers and restarted servers see advances."""

from __future__ import annotations

import pytest

from callboard.app import build_services
from callboard.clock import VirtualClock
from callboard.config import Settings
from callboard.errors import BadRequest
from callboard.services import admin
from callboard.services import clock as clock_service


def test_advance_reaches_another_process_and_survives_a_restart(database_url: str) -> None:
    settings = Settings(database_url=database_url)
    serve = build_services(settings).runtime
    worker = build_services(settings).runtime
    assert isinstance(serve.clock, VirtualClock) and isinstance(worker.clock, VirtualClock)

    admin.advance_clock(serve, 3600)
    assert worker.clock.offset == 0
    clock_service.load(worker)  # what the worker's runner does every poll
    assert worker.clock.offset == pytest.approx(3600)

    restarted = build_services(settings).runtime
    assert isinstance(restarted.clock, VirtualClock)
    assert restarted.clock.offset == pytest.approx(3600)

    # A process that is ahead never moves back, and never moves others back.
    admin.advance_clock(worker, 60)
    clock_service.load(worker)
    assert worker.clock.offset == pytest.approx(3660)
    clock_service.load(serve)
    assert serve.clock.offset == pytest.approx(3660)
    for rt in (serve, worker, restarted):
        rt.engine.dispose()


def test_production_clock_cannot_move(database_url: str) -> None:
    rt = build_services(Settings(database_url=database_url, mode="production")).runtime
    with pytest.raises(BadRequest):
        admin.advance_clock(rt, 1)
    rt.engine.dispose()
