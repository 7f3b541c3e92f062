"""A bot that hangs delays nobody else: not another bot's notifications, not the simulated
parties' timers, and it holds at most its endpoint's share of the runner's POSTs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock
from callboard.jobs.runner import Runner
from callboard.services.runtime import Runtime
from tests.jobs.support import FakeBot
from tests.support import Receiver, seed

SLOW_CALLS = 3


@pytest.fixture
def slow() -> Iterator[FakeBot]:
    """A bot that holds every POST until released."""
    bot = FakeBot(hold=True)
    yield bot
    bot.close()


@pytest.fixture
def settings_overrides(receiver: Receiver, slow: FakeBot) -> dict[str, Any]:
    return {
        "callback_rewrites": {
            "https://bot.contoso.com": receiver.url,
            "https://slow.contoso.com": slow.url,
        },
        # Four POSTs at once, one per endpoint: the slow bot's calls could take them all.
        "runner_concurrency": 4,
        "webhook_endpoint_concurrency": 1,
        "webhook_timeout_seconds": 30.0,
    }


def _call(client: TestClient, headers: dict[str, str], callback: str | None = None) -> str:
    body = seed("create-call-1")["body"]
    if callback:
        body["callbackUri"] = callback
    response = client.post("/v1.0/communications/calls", json=body, headers=headers)
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def _state(rt: Runtime, call_id: str) -> str:
    with rt.uow() as uow:
        call = uow.calls.get(call_id)
    assert call is not None
    return str(call.state)


def _webhook_jobs(rt: Runtime, call_ids: list[str]) -> set[int]:
    with rt.uow() as uow:
        rows = uow.jobs.list_page(status=None, kind="webhook.deliver", skip=0, top=1000)
    return {r["id"] for r in rows if r["payload"]["callId"] in call_ids}


def test_a_hanging_bot_delays_neither_other_bots_nor_timers(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    slow: FakeBot,
    rt: Runtime,
    runner: Runner,
    clock: FrozenClock,
) -> None:
    slow_calls = [
        _call(app_client, auth(), "https://slow.contoso.com/api/calls") for _ in range(SLOW_CALLS)
    ]
    fast = _call(app_client, auth())
    s = rt.settings

    async def due() -> None:
        """Run every batch due now without waiting for any POST."""
        while await runner.run_due():
            pass

    async def fast_ones() -> None:
        """Wait for every POST in flight except the slow bot's."""
        slow_jobs = _webhook_jobs(rt, slow_calls)
        await runner.deliveries.wait(runner.deliveries.in_flight - slow_jobs)

    async def scenario() -> None:
        try:
            await due()
            await fast_ones()
            assert receiver.states(fast) == ["establishing"]
            clock.advance(s.connect_delay_seconds)
            await due()
            clock.advance(s.answer_delay_seconds)
            await due()
            await fast_ones()
            # The slow bot still holds its first notification...
            assert slow.answered == []
            assert slow.waiting <= 1  # its endpoint's share: one POST of the runner's four
            # ...while the other bot heard everything and every callee answered on time.
            assert receiver.states(fast) == ["establishing", "established"]
            assert [_state(rt, c) for c in slow_calls] == ["established"] * SLOW_CALLS
            slow.release.set()
            await runner.run_until_idle()
        finally:
            slow.release.set()
            await runner.settle()
            await runner.sender.close()

    asyncio.run(scenario())
    # Released, the slow bot gets everything, in order for each call, never more than one at
    # a time.
    assert len(slow.answered) == 2 * SLOW_CALLS
    assert slow.most_waiting == 1
    with rt.uow() as uow:
        rows = uow.deliveries.list_page(call_id=None, outcome=None, skip=0, top=1000)
    assert {r["outcome"] for r in rows} == {"delivered"}
    for call_id in slow_calls:
        # establishing, then established: one attempt each, in the order they were queued.
        jobs = [(r["job_id"], r["attempt"]) for r in rows if r["call_id"] == call_id]
        assert len(jobs) == 2
        assert jobs == sorted(jobs)
        assert [attempt for _, attempt in jobs] == [1, 1]
