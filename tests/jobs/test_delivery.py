"""Durable, at-least-once notification delivery: retries, backoff, dead letters, ordering."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from callboard.clock import FrozenClock
from callboard.config import Settings
from callboard.jobs.webhooks import (
    MESSAGE_ID_NAMESPACE,
    NotificationSigner,
    Reply,
    deliver,
    message_id,
)
from callboard.store.jobs import JobRepository, NewJob
from tests.support import Receiver, seed

URL = "/v1.0/communications/calls"


def _call(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = seed("create-call-1")["body"]
    body.update(changes)
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _deliveries(client: TestClient, call_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = client.get(
        "/_callboard/deliveries", params={"callId": call_id}
    ).json()["value"]
    return rows


def test_receiver_that_fails_then_recovers_gets_everything_in_order(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    rt: Any,
) -> None:
    receiver.responses = [500, 503]
    call = _call(app_client, auth())
    run_jobs()
    assert receiver.received == []
    # The callee answers meanwhile; its notification waits behind the failing one.
    advance(rt.settings.connect_delay_seconds)
    advance(rt.settings.answer_delay_seconds)
    assert receiver.received == []
    advance(0.5)  # backoff base is 1 s: not yet
    assert receiver.received == []
    advance(0.5)  # attempt 2 -> 503; next in 2 s
    assert receiver.received == []
    advance(2)
    assert receiver.states(call["id"]) == ["establishing", "established"]
    attempts = _deliveries(app_client, call["id"])
    assert [(d["attempt"], d["status_code"], d["outcome"]) for d in attempts] == [
        (1, 500, "retry"),
        (2, 503, "retry"),
        (3, 200, "delivered"),
        (1, 200, "delivered"),
    ]
    # Each is a real round trip on loopback, measured: more than nothing, less than the
    # attempt's timeout.
    timeout_ms = rt.settings.webhook_timeout_seconds * 1000
    assert all(0 < d["latency_ms"] < timeout_ms for d in attempts)
    assert attempts[0]["error"] == "HTTP 500"


def test_retry_uses_the_same_message_id(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
) -> None:
    """Deliveries are at-least-once; a bot deduplicates on X-Microsoft-Skype-Message-ID."""
    receiver.responses = [500]
    _call(app_client, auth())
    run_jobs()
    advance(1)
    failed, succeeded = receiver.attempts
    assert failed.body == succeeded.body
    message_id = failed.headers["x-microsoft-skype-message-id"]
    assert message_id == succeeded.headers["x-microsoft-skype-message-id"]
    rows = app_client.get("/_callboard/jobs", params={"kind": "webhook.deliver"}).json()["value"]
    assert rows[0]["attempts"] == 2


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webhook_max_attempts": 3}


def test_dead_letter_after_max_attempts_then_the_next_one_goes(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    rt: Any,
) -> None:
    receiver.responses = [500, 500, 500]
    call = _call(app_client, auth())
    run_jobs()
    advance(1)
    advance(2)
    dead = app_client.get("/_callboard/jobs", params={"status": "dead"}).json()["value"]
    assert len(dead) == 1
    assert dead[0]["attempts"] == 3
    assert dead[0]["last_error"] == "HTTP 500"
    advance(rt.settings.connect_delay_seconds)
    advance(rt.settings.answer_delay_seconds)
    assert receiver.states(call["id"]) == ["established"]
    outcomes = [d["outcome"] for d in _deliveries(app_client, call["id"])]
    assert outcomes == ["retry", "retry", "dead", "delivered"]


def test_client_error_is_permanent(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
) -> None:
    receiver.responses = [404]
    call = _call(app_client, auth())
    run_jobs()
    assert [(d["status_code"], d["outcome"]) for d in _deliveries(app_client, call["id"])] == [
        (404, "dead")
    ]


def test_a_failing_bot_does_not_hold_up_other_calls(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
) -> None:
    broken = _call(app_client, auth(), callbackUri="http://127.0.0.1:9/closed")
    working = _call(app_client, auth())
    run_jobs()
    assert receiver.states(working["id"]) == ["establishing"]
    failed = _deliveries(app_client, broken["id"])
    assert failed[0]["outcome"] == "retry"
    assert "Error" in failed[0]["error"]


def test_non_loopback_targets_are_refused_in_loopback_only_mode(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    run_jobs: Callable[[], int],
) -> None:
    call = _call(app_client, auth(), callbackUri="https://bot.fabrikam.com/callback")
    run_jobs()
    [attempt] = _deliveries(app_client, call["id"])
    assert attempt["outcome"] == "dead"
    assert attempt["status_code"] is None
    assert attempt["latency_ms"] == 0  # refused before any request
    assert "loopback" in attempt["error"]


def test_deliveries_listing_is_paged_and_filtered(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    run_jobs: Callable[[], int],
) -> None:
    for _ in range(3):
        _call(app_client, auth())
    run_jobs()
    page = app_client.get("/_callboard/deliveries", params={"$top": 2}).json()["value"]
    assert len(page) == 2
    rest = app_client.get("/_callboard/deliveries", params={"$skip": 2}).json()["value"]
    assert len(rest) == 1
    assert (
        app_client.get("/_callboard/deliveries", params={"outcome": "dead"}).json()["value"] == []
    )


class _TimingOut:
    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
        raise TimeoutError

    async def close(self) -> None:
        pass


def test_timeout_is_retryable(rt: Any) -> None:
    attempt = asyncio.run(
        deliver(
            1,
            {"url": "http://127.0.0.1:1/x", "body": {}, "appId": "a", "tenantId": "t"},
            sender=_TimingOut(),
            signer=NotificationSigner(rt.keyring, rt.settings),
            settings=rt.settings,
            now=0.0,
        )
    )
    assert (attempt.outcome, attempt.error) == ("retry", "timeout")


class TestClaims:
    def _jobs(self, engine: Engine, jobs: list[NewJob], now: float) -> None:
        with engine.begin() as conn:
            JobRepository(conn).add_all(jobs, now)

    def _claim(self, engine: Engine, now: float, limit: int = 100) -> list[int]:
        with engine.begin() as conn:
            return [j.id for j in JobRepository(conn).claim_due(now, limit, 60.0)]

    def test_fifo_per_ordering_key(self, engine: Engine, settings: Settings) -> None:
        self._jobs(
            engine, [NewJob("x", {"n": i}, 0.0, ordering_key=f"k{i % 2}") for i in range(6)], 0.0
        )
        first = self._claim(engine, 1.0)
        assert len(first) == 2  # one per key
        assert self._claim(engine, 1.0) == []  # the rest wait behind the running ones
        with engine.begin() as conn:
            JobRepository(conn).finish(first, 1.0)
        second = self._claim(engine, 1.0)
        assert len(second) == 2 and min(second) > max(first)

    def test_a_crashed_runner_s_jobs_are_claimed_again(
        self, engine: Engine, settings: Settings
    ) -> None:
        self._jobs(engine, [NewJob("x", {}, 0.0)], 0.0)
        [job] = self._claim(engine, 1.0)
        assert self._claim(engine, 30.0) == []
        assert self._claim(engine, 62.0) == [job]  # its lock (60 s) expired

    def test_a_batch_runs_in_the_order_jobs_fell_due(
        self, engine: Engine, settings: Settings
    ) -> None:
        self._jobs(engine, [NewJob("late", {}, 60.0), NewJob("early", {}, 11.0)], 0.0)
        with engine.begin() as conn:
            kinds = [j.kind for j in JobRepository(conn).claim_due(100.0, 10, 60.0)]
        assert kinds == ["early", "late"]

    def test_future_jobs_wait(self, engine: Engine, settings: Settings) -> None:
        self._jobs(engine, [NewJob("x", {}, 10.0)], 0.0)
        assert self._claim(engine, 9.9) == []
        assert len(self._claim(engine, 10.0)) == 1

    def test_concurrent_claims_never_overlap(self, engine: Engine, settings: Settings) -> None:
        self._jobs(engine, [NewJob("x", {"n": i}, 0.0) for i in range(300)], 0.0)
        results: list[list[int]] = [[] for _ in range(4)]

        def worker(index: int) -> None:
            while batch := self._claim(engine, 1.0, limit=7):
                results[index].extend(batch)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        claimed = [j for r in results for j in r]
        assert len(claimed) == 300
        assert len(set(claimed)) == 300


def test_frozen_clock_is_what_the_runner_uses(clock: FrozenClock, rt: Any) -> None:
    assert rt.clock is clock


def test_message_ids_are_the_uuid5_of_the_job_id() -> None:
    # Stable across retries and releases: bots deduplicate on them.
    for name in ("1", "req-1", "987654321", "req-987654321"):
        assert message_id(name) == str(uuid.uuid5(MESSAGE_ID_NAMESPACE, name))
