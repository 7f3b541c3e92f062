"""The SMS gateways: Twilio against a local fake, the signed webhook, retries with backoff,
permanent failures, loopback-only in development, and never sending a message twice."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock
from callboard.gateways.sms import sign
from callboard.services import sms_sending
from callboard.services.runtime import Runtime
from tests.appointments.fakes import FakeSmsApi
from tests.conftest import CALLING_BOT, CONTOSO

MEETING = "MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi"
SID = "AC00000000000000000000000000000001"
Auth = Callable[..., dict[str, str]]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(start=datetime(2030, 1, 10, 12, tzinfo=UTC).timestamp())


@pytest.fixture
def fake() -> Iterator[FakeSmsApi]:
    api = FakeSmsApi()
    yield api
    api.close()


@pytest.fixture
def settings_overrides(fake: FakeSmsApi) -> dict[str, Any]:
    return {
        "sms_gateway": "twilio",
        "twilio_base_url": fake.url,
        "twilio_account_sid": SID,
        "twilio_auth_token": "secret-token",
        "twilio_from_number": "+15005550006",
        "sms_webhook_url": f"{fake.url}/sms",
        "sms_webhook_secret": "shh",
        "sms_max_attempts": 3,
        "sms_backoff_base_seconds": 2.0,
    }


def _send(client: TestClient, auth: Auth, numbers: list[str] | None = None) -> None:
    response = client.post(
        f"/beta/me/onlineMeetings/{MEETING}/sendVirtualAppointmentSms",
        json={
            "phoneNumbers": numbers or ["+13129224122"],
            "virtualAppointmentSmsType": "confirmation",
        },
        headers=auth(app=CALLING_BOT, tenant=CONTOSO, user="dana@contoso.com"),
    )
    assert response.status_code == 202, response.text


def _message(client: TestClient) -> dict[str, Any]:
    (message,) = client.get("/_callboard/sms").json()["value"]
    result: dict[str, Any] = message
    return result


def test_twilio_messages_api(
    app_client: TestClient, auth: Auth, fake: FakeSmsApi, run_jobs: Callable[[], int]
) -> None:
    _send(app_client, auth, ["+13129224122", "+1242421412"])
    run_jobs()
    (request,) = fake.requests  # the invalid US number never reaches the gateway
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    expected = base64.b64encode(f"{SID}:secret-token".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = request.form
    assert form["To"] == "+13129224122" and form["From"] == "+15005550006"
    assert form["Body"].startswith('Your appointment "Virtual appointment')
    sent, failed = app_client.get("/_callboard/sms").json()["value"]
    assert sent["status"] == "sent" and sent["providerId"] == "SM" + "1".zfill(32)
    assert failed["status"] == "failed" and failed["attempts"] == 0


def test_transient_failures_retry_with_backoff(
    app_client: TestClient,
    auth: Auth,
    fake: FakeSmsApi,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
) -> None:
    fake.statuses = [503, 429]
    _send(app_client, auth)
    run_jobs()
    message = _message(app_client)
    assert message["status"] == "queued" and message["attempts"] == 1
    assert "HTTP 503" in message["reason"]
    advance(1.9)
    assert len(fake.requests) == 1
    advance(0.1)  # 2 s after the first attempt
    assert len(fake.requests) == 2
    advance(3.9)
    assert len(fake.requests) == 2
    advance(0.1)  # 4 s after the second
    message = _message(app_client)
    assert message["status"] == "sent" and message["attempts"] == 3
    assert [h["status"] for h in message["history"]] == [
        "queued",
        "sending",
        "queued",
        "sending",
        "queued",
        "sending",
        "sent",
    ]


def test_retries_exhausted_mark_the_message_failed(
    app_client: TestClient,
    auth: Auth,
    fake: FakeSmsApi,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
) -> None:
    fake.statuses = [500, 502, 503]
    _send(app_client, auth)
    run_jobs()
    advance(2)
    advance(4)
    message = _message(app_client)
    assert message["status"] == "failed" and message["attempts"] == 3
    assert "HTTP 503" in message["reason"]
    advance(600)
    assert len(fake.requests) == 3
    jobs = app_client.get("/_callboard/jobs", params={"kind": "sms.send"}).json()["value"]
    assert [j["status"] for j in jobs] == ["dead"]


def test_permanent_failure_is_not_retried(
    app_client: TestClient,
    auth: Auth,
    fake: FakeSmsApi,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
) -> None:
    fake.statuses = [400]
    _send(app_client, auth)
    run_jobs()
    advance(600)
    message = _message(app_client)
    assert message["status"] == "failed" and message["attempts"] == 1
    assert "HTTP 400" in message["reason"] and "21211" in message["reason"]
    assert len(fake.requests) == 1


def test_connection_errors_are_transient(
    app_client: TestClient, auth: Auth, rt: Runtime, run_jobs: Callable[[], int]
) -> None:
    # A closed loopback port: connection refused.
    rt.settings.twilio_base_url = "http://127.0.0.1:9"
    app_client.app.state.runner.sms_gateway.settings = rt.settings  # type: ignore[attr-defined]
    _send(app_client, auth)
    run_jobs()
    message = _message(app_client)
    assert message["status"] == "queued" and "connection error" in message["reason"]


@pytest.mark.parametrize("gateway", ["twilio", "webhook"])
def test_non_loopback_gateways_are_refused_in_development(
    app_client: TestClient, auth: Auth, rt: Runtime, run_jobs: Callable[[], int], gateway: str
) -> None:
    runner = app_client.app.state.runner  # type: ignore[attr-defined]
    rt.settings.twilio_base_url = "https://api.twilio.com"
    rt.settings.sms_webhook_url = "https://sms.example.com/hook"
    from callboard.gateways.sms import build

    rt.settings.sms_gateway = gateway
    runner.sms_gateway = build(rt.settings)
    _send(app_client, auth)
    run_jobs()
    message = _message(app_client)
    assert message["status"] == "failed" and "non-loopback" in message["reason"]


@pytest.mark.parametrize("url", ["http://127.0.0.1.invalid", "http://127.example.invalid"])
def test_a_host_that_only_starts_like_a_loopback_address_is_refused(
    app_client: TestClient, auth: Auth, rt: Runtime, run_jobs: Callable[[], int], url: str
) -> None:
    rt.settings.twilio_base_url = url
    _send(app_client, auth)
    run_jobs()
    message = _message(app_client)
    assert message["status"] == "failed" and "non-loopback" in message["reason"]


def test_signed_webhook(
    app_client: TestClient, auth: Auth, rt: Runtime, fake: FakeSmsApi, run_jobs: Callable[[], int]
) -> None:
    from callboard.gateways.sms import build

    rt.settings.sms_gateway = "webhook"
    app_client.app.state.runner.sms_gateway = build(rt.settings)  # type: ignore[attr-defined]
    _send(app_client, auth)
    run_jobs()
    (request,) = fake.requests
    assert request.path == "/sms"
    timestamp = request.headers["x-callboard-timestamp"]
    assert request.headers["x-callboard-signature"] == "sha256=" + sign(
        "shh", timestamp, request.raw
    )
    body = json.loads(request.raw)
    message = _message(app_client)
    assert body == {"id": message["id"], "to": "+13129224122", "text": message["text"]}
    assert request.headers["idempotency-key"] == message["id"]
    assert message["status"] == "sent"


def test_an_interrupted_send_is_never_repeated(
    app_client: TestClient,
    auth: Auth,
    rt: Runtime,
    fake: FakeSmsApi,
    advance: Callable[[float], int],
) -> None:
    _send(app_client, auth)
    # A runner claims the job, marks the message sending, and dies before recording the result.
    with rt.uow() as uow:
        (job,) = uow.jobs.claim_due(uow.now, 10, rt.settings.job_lock_seconds)
        uow.commit()
    assert len(sms_sending._begin(rt, [job])) == 1
    assert _message(app_client)["status"] == "sending"
    advance(rt.settings.job_lock_seconds + 1)  # the lock expires; another runner claims it
    message = _message(app_client)
    assert message["status"] == "failed" and "avoid sending twice" in message["reason"]
    assert fake.requests == []


def test_concurrent_runners_send_once(
    app_client: TestClient, auth: Auth, rt: Runtime, fake: FakeSmsApi
) -> None:
    _send(app_client, auth)
    runner = app_client.app.state.runner  # type: ignore[attr-defined]

    async def both() -> None:
        await asyncio.gather(runner.run_until_idle(), runner.run_until_idle())

    asyncio.run(both())
    assert len(fake.requests) == 1
    assert _message(app_client)["status"] == "sent"
