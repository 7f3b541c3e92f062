"""One job's failure is that job's failed attempt: never the batch's, never a retry forever.

A callbackUri the HTTP client cannot use, a client that raises something unexpected, a
handler that fails as a whole, a job whose runner died on its last attempt: each ends in a
retry with backoff or a dead letter, and every other job of the batch is delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.jobs.runner import Runner
from callboard.services.runtime import Runtime
from callboard.store.jobs import NewJob
from tests.support import Receiver, seed

URL = "/v1.0/communications/calls"
WEBHOOK = "webhook.deliver"


def _call(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post(URL, json=seed("create-call-1")["body"], headers=headers)
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def _add_job(rt: Runtime, url: str, *, kind: str = WEBHOOK, max_attempts: int = 3) -> int:
    """A notification job straight into the table, as an older release (or a bug in the API's
    validation) could have left it."""
    payload = {
        "url": url,
        "body": {"value": [{"changeType": "updated"}]},
        "appId": "2891555a-92ff-42e6-80fa-6e1300c6b5c6",
        "tenantId": "aa67bd4c-8475-432d-bd41-39f255720e0a",
        "callId": "not-a-call",
    }
    with rt.uow() as uow:
        uow.jobs.add_all([NewJob(kind, payload, uow.now, "call:not-a-call", max_attempts)], uow.now)
        uow.commit()
        (job,) = uow.jobs.list_page(status=None, kind=kind, skip=0, top=1000)[-1:]
    job_id: int = job["id"]
    return job_id


def _job(client: TestClient, job_id: int) -> dict[str, Any]:
    rows = client.get("/_callboard/jobs", params={"$top": 1000}).json()["value"]
    (job,) = [r for r in rows if r["id"] == job_id]
    result: dict[str, Any] = job
    return result


def _established(receiver: Receiver, calls: list[str]) -> int:
    return sum(1 for c in calls if receiver.states(c) == ["establishing", "established"])


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webhook_max_attempts": 3}


def test_a_callback_with_user_info_fails_alone_and_is_dead_lettered(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    rt: Runtime,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
) -> None:
    host_and_port = receiver.url.removeprefix("http://")
    bad = _add_job(rt, f"http://u:p@{host_and_port}/api/calls")
    calls = [_call(app_client, auth()) for _ in range(5)]
    run_jobs()
    advance(rt.settings.connect_delay_seconds)
    advance(rt.settings.answer_delay_seconds)
    assert _established(receiver, calls) == 5
    job = _job(app_client, bad)
    # Credentials in the URL can never be sent beside the notification's bearer token.
    assert (job["status"], job["attempts"]) == ("dead", 1)
    assert "user info" in job["last_error"]
    assert all("@" not in r.path for r in receiver.attempts)


class _Exploding:
    """A sender that raises something no HTTP client documents, for one URL."""

    def __init__(self, inner: Any, poison: str) -> None:
        self.inner = inner
        self.poison = poison
        self.calls = 0

    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Any:
        if url == self.poison:
            self.calls += 1
            raise RuntimeError("the client broke")
        return await self.inner.post(url, body, headers, timeout)

    async def close(self) -> None:
        await self.inner.close()


def test_an_unexpected_client_error_is_one_failed_attempt_then_a_dead_letter(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    rt: Runtime,
    runner: Runner,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
) -> None:
    poison = f"{receiver.url}/poison"
    sender = runner.sender = _Exploding(runner.sender, poison)
    bad = _add_job(rt, poison)
    calls = [_call(app_client, auth()) for _ in range(5)]
    run_jobs()
    job = _job(app_client, bad)
    assert (job["status"], job["attempts"]) == ("pending", 1)
    assert "RuntimeError: the client broke" in job["last_error"]
    assert all(receiver.states(c) == ["establishing"] for c in calls)
    advance(rt.settings.connect_delay_seconds)
    advance(1 - rt.settings.connect_delay_seconds)  # the backoff (1 s): attempt 2
    assert _job(app_client, bad)["attempts"] == 2
    advance(rt.settings.answer_delay_seconds)
    assert _established(receiver, calls) == 5
    advance(2)  # attempt 3, the last
    job = _job(app_client, bad)
    assert (job["status"], job["attempts"], sender.calls) == ("dead", 3, 3)
    outcomes = [
        d["outcome"]
        for d in app_client.get("/_callboard/deliveries", params={"$top": 1000}).json()["value"]
        if d["job_id"] == bad
    ]
    assert outcomes == ["retry", "retry", "dead"]
    advance(rt.settings.job_lock_seconds * 3)
    assert sender.calls == 3


def test_a_job_whose_last_attempt_was_lost_is_dead_lettered_not_run_again(
    app_client: TestClient,
    receiver: Receiver,
    rt: Runtime,
    advance: Callable[[float], int],
) -> None:
    job_id = _add_job(rt, f"{receiver.url}/api/calls", max_attempts=1)
    # A runner claims it and dies before recording anything.
    with rt.uow() as uow:
        (claimed,) = uow.jobs.claim_due(uow.now, 10, rt.settings.job_lock_seconds)
        uow.commit()
    assert claimed.id == job_id
    advance(rt.settings.job_lock_seconds + 1)  # its lock expires: claimed again, attempt 2 of 1
    job = _job(app_client, job_id)
    assert (job["status"], job["attempts"]) == ("dead", 2)
    assert "gave up after 1 attempts" in job["last_error"]
    assert receiver.attempts == []


def test_a_handler_that_fails_as_a_whole_retries_its_jobs_with_backoff(
    app_client: TestClient,
    receiver: Receiver,
    rt: Runtime,
    runner: Runner,
    advance: Callable[[float], int],
    run_jobs: Callable[[], int],
) -> None:
    failures = 0

    async def broken(jobs: list[Any]) -> None:
        nonlocal failures
        failures += 1
        raise RuntimeError("handler bug")

    runner.handlers[WEBHOOK] = broken
    job_id = _add_job(rt, f"{receiver.url}/api/calls")
    run_jobs()
    job = _job(app_client, job_id)
    assert (job["status"], job["attempts"], failures) == ("pending", 1, 1)
    assert "RuntimeError: handler bug" in job["last_error"]
    advance(0.9)
    assert failures == 1  # not before the backoff (1 s)
    advance(0.1)
    advance(2)
    job = _job(app_client, job_id)
    assert (job["status"], job["attempts"], failures) == ("dead", 3, 3)


def test_a_job_kind_without_a_handler_is_dead_lettered_at_once(
    app_client: TestClient, rt: Runtime, run_jobs: Callable[[], int]
) -> None:
    job_id = _add_job(rt, "http://127.0.0.1:9/x", kind="no.such.kind")
    run_jobs()
    job = _job(app_client, job_id)
    assert (job["status"], job["attempts"]) == ("dead", 1)
    assert "no handler for job kind 'no.such.kind'" in job["last_error"]
