"""Restarts: state, pending notifications and signing keys survive a stop (SIGTERM) and a
crash (SIGKILL) of ``callboard serve``, on SQLite and on PostgreSQL.

The bot answers 503 while the server runs, so the call's notifications stay queued; after
the restart the bot is back and receives exactly the queued notifications, in order.
"""

from __future__ import annotations

import signal
from typing import Any

import pytest

from tests.conftest import CALLING_BOT
from tests.e2e.conftest import Launcher
from tests.e2e.live import LiveServer, callboard_env, wait_for
from tests.support import Received, Receiver, seed

pytestmark = pytest.mark.slow

# Long backoff: a refused notification is not retried again before the restart, so every
# notification of the call is still queued when the server stops.
BACKOFF_SECONDS = 30
# After a restart: past every backoff and past the 60 s lock of a job that a killed
# process was running.
CATCH_UP_SECONDS = 600


def for_call(receiver: Receiver, call_id: str) -> list[Received]:
    prefix = f"/communications/calls/{call_id}"
    return [r for r in receiver.received if r.notification["resourceUrl"].startswith(prefix)]


def call_jobs(server: LiveServer, call_id: str, kind: str) -> list[dict[str, Any]]:
    return [j for j in server.jobs(kind=kind) if j["payload"].get("callId") == call_id]


def place_call_while_bot_is_down(
    server: LiveServer, receiver: Receiver, token: str
) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """Create seed 003 example 1 and let it become established while every notification is
    refused; returns the call id, its GET body and its queued notification jobs."""
    receiver.responses[:] = [503] * 10_000
    response = server.graph(
        "POST", "/communications/calls", token, json=seed("create-call-1")["body"]
    )
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]

    server.advance_until(
        lambda: server.call_state(call_id, token) == "established", what="established"
    )
    wait_for(
        lambda: any(d["status_code"] == 503 for d in server.deliveries(callId=call_id)),
        what="a refused delivery attempt",
    )
    jobs = call_jobs(server, call_id, "webhook.deliver")
    assert [j["status"] for j in jobs] == ["pending"] * len(jobs), jobs
    assert len(jobs) >= 2  # at least establishing and established
    # Nothing else is due to happen to this call (but its keepAlive expiry, 45 minutes away):
    # the queue is complete.
    steps = call_jobs(server, call_id, "call.progress")
    waiting = [j for j in steps if j["status"] != "done"]
    assert [(j["payload"]["action"], j["status"]) for j in waiting] == [
        ("keepAliveLapsed", "pending")
    ]
    assert for_call(receiver, call_id) == []

    body = server.graph("GET", f"/communications/calls/{call_id}", token).json()
    return call_id, body, jobs


def assert_delivered_exactly(
    server: LiveServer,
    receiver: Receiver,
    call_id: str,
    jobs: list[dict[str, Any]],
    catch_up: float = CATCH_UP_SECONDS,
) -> None:
    """After catching up, the bot got the queued notifications: all, once, in order."""
    server.advance(catch_up)
    wait_for(
        lambda: all(j["status"] == "done" for j in call_jobs(server, call_id, "webhook.deliver")),
        what="the queued notifications to be delivered",
    )
    after = call_jobs(server, call_id, "webhook.deliver")
    assert [j["id"] for j in after] == [j["id"] for j in jobs]  # no new notification either

    received = for_call(receiver, call_id)
    assert [r.body for r in received] == [j["payload"]["body"] for j in jobs]
    states = [r.notification["resourceData"].get("state") for r in received]
    assert [s for s in states if s] == ["establishing", "established"]
    message_ids = [r.headers["x-microsoft-skype-message-id"] for r in received]
    assert len(set(message_ids)) == len(jobs)
    assert {r.path for r in received} == {"/callback"}


def assert_clean_stop(server: LiveServer) -> None:
    """SIGTERM: uvicorn shuts down gracefully (the lifespan stops the runner), then re-raises
    the signal, so the exit status is -SIGTERM (or 0)."""
    status = server.stop(signal.SIGTERM)
    log = server.log()
    assert status in (0, -signal.SIGTERM), log[-4000:]
    assert "Application shutdown complete" in log and "Finished server process" in log, log


def test_calls_notifications_and_keys_survive_sigterm_and_sigkill(
    database_url: str, receiver: Receiver, launcher: Launcher
) -> None:
    env = callboard_env(
        receiver.url, webhook_backoff_base_seconds=BACKOFF_SECONDS, webhook_max_attempts=50
    )
    first = launcher.serve(database_url, env)
    token = first.token(CALLING_BOT)  # issued before any restart, used after both

    # 1. A clean stop (SIGTERM) with notifications queued.
    call_1, body_1, jobs_1 = place_call_while_bot_is_down(first, receiver, token)
    assert_clean_stop(first)

    receiver.responses.clear()  # the bot is back
    second = launcher.serve(database_url, env, port=first.port)
    got = second.graph("GET", f"/communications/calls/{call_1}", token)
    assert got.status_code == 200, got.text  # the old token is still valid: keys persisted
    assert got.json() == body_1
    assert_delivered_exactly(second, receiver, call_1, jobs_1)

    # 2. A crash (SIGKILL) with notifications queued.
    call_2, body_2, jobs_2 = place_call_while_bot_is_down(second, receiver, token)
    assert second.stop(signal.SIGKILL) == -signal.SIGKILL

    receiver.responses.clear()
    third = launcher.serve(database_url, env, port=first.port)
    for call_id, body in ((call_1, body_1), (call_2, body_2)):
        got = third.graph("GET", f"/communications/calls/{call_id}", token)
        assert got.status_code == 200, got.text
        assert got.json() == body
    # The virtual clock is per process and starts again at real time: the jobs the second
    # server queued lie as far ahead as it had advanced its clock (CATCH_UP_SECONDS).
    assert_delivered_exactly(third, receiver, call_2, jobs_2, catch_up=2 * CATCH_UP_SECONDS)
    assert len(for_call(receiver, call_1)) == len(jobs_1)  # nothing delivered twice

    # The delivery log kept the refusals from before each restart.
    refused = [d for d in third.deliveries(callId=call_2) if d["status_code"] == 503]
    assert refused and all(d["outcome"] == "retry" for d in refused)
    assert_clean_stop(third)
