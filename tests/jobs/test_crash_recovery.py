"""A process that dies (kill -9) gives its jobs back within seconds, not after the job lock
(60 s): the registry of processes and their heartbeats, at the store and runner level with
injected clocks. A live process keeps its locks, however long its POSTs take."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi.testclient import TestClient

from callboard.clock import FrozenClock
from callboard.jobs.runner import Runner
from callboard.services.runtime import Runtime
from tests.support import Receiver, seed

WEBHOOK = "webhook.deliver"


def _call(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post(
        "/v1.0/communications/calls", json=seed("create-call-1")["body"], headers=headers
    )
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def _crashed_holder(rt: Runtime, wall: FrozenClock) -> list[int]:
    """Process "dead" registers, claims every due job and is killed (no more heartbeats)."""
    with rt.uow() as uow:
        uow.processes.beat("dead", "host", 4242, wall.now())
        jobs = uow.jobs.claim_due(uow.now, 256, rt.settings.job_lock_seconds, owner="dead")
        uow.commit()
    assert jobs
    return [j.id for j in jobs]


def _status(rt: Runtime, job_ids: list[int]) -> set[str]:
    with rt.uow() as uow:
        rows = uow.jobs.list_page(status=None, kind=None, skip=0, top=1000)
    return {r["status"] for r in rows if r["id"] in job_ids}


def _run(runner: Runner) -> int:
    async def drain() -> int:
        try:
            return await runner.run_until_idle()
        finally:
            await runner.sender.close()

    return asyncio.run(drain())


def test_a_dead_process_s_jobs_are_released_within_seconds(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    rt: Runtime,
    runner: Runner,
    receiver: Receiver,
    clock: FrozenClock,
) -> None:
    wall = FrozenClock()
    survivor = Runner(rt, runner.sender, wall_clock=wall.now)
    call_id = _call(app_client, auth())
    held = _crashed_holder(rt, wall)

    # Two seconds later the dead process is not yet known to be dead: nothing moves.
    wall.advance(2)
    assert survivor.heartbeat() == []
    assert _run(survivor) == 0
    assert _status(rt, held) == {"running"}
    assert receiver.states(call_id) == []

    # Past three seconds of silence it is dead: its jobs go to the survivor at once.
    wall.advance(1.5)
    assert survivor.heartbeat() == ["dead"]
    assert _status(rt, held) == {"pending"}
    _run(survivor)
    assert receiver.states(call_id) == ["establishing"]
    assert _status(rt, held) == {"done"}
    with rt.uow() as uow:
        assert [p.id for p in uow.processes.list_all()] == [survivor.process_id]
    clock.advance(0)  # the virtual clock played no part


def test_a_live_process_keeps_its_locks_past_the_job_lock(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    rt: Runtime,
    runner: Runner,
    receiver: Receiver,
    clock: FrozenClock,
) -> None:
    wall = FrozenClock()
    other = Runner(rt, runner.sender, wall_clock=wall.now)
    _call(app_client, auth())
    held = _crashed_holder(rt, wall)
    # The holder keeps beating while its (slow) POSTs run past job_lock_seconds.
    for _ in range(5):
        wall.advance(1)
        with rt.uow() as uow:
            uow.processes.beat("dead", "host", 4242, wall.now())
            uow.commit()
        assert other.heartbeat() == []
    clock.advance(rt.settings.job_lock_seconds + 1)
    _run(other)  # the simulated callee's timers run; the held notification waits for them
    assert _status(rt, held) == {"running"}
    assert receiver.received == []


def test_a_lock_without_an_owner_still_expires(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    rt: Runtime,
    runner: Runner,
    receiver: Receiver,
    clock: FrozenClock,
) -> None:
    """Jobs locked by a release without the registry (no owner) time out as before."""
    call_id = _call(app_client, auth())
    with rt.uow() as uow:
        held = [j.id for j in uow.jobs.claim_due(uow.now, 256, rt.settings.job_lock_seconds)]
        uow.commit()
    assert _run(runner) == 0
    clock.advance(rt.settings.job_lock_seconds + 1)
    assert _run(runner) >= 1
    assert _status(rt, held) == {"done"}
    assert receiver.states(call_id)[:1] == ["establishing"]


def test_a_clean_shutdown_leaves_no_process_behind(rt: Runtime, runner: Runner) -> None:
    async def briefly() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run_forever(stop))
        await asyncio.sleep(0)
        stop.set()
        runner.wake()
        await task

    asyncio.run(briefly())
    with rt.uow() as uow:
        assert uow.processes.list_all() == []
