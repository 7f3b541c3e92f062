"""``GET /_callboard/deliveries``: each attempt with what was sent (headers, the bearer token
masked, and body) and what the bot answered (status, first 2 KB); redelivery queues the same
notification again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.jobs.support import BotReply, FakeBot
from tests.support import Receiver, seed

DELIVERIES = "/_callboard/deliveries"


@pytest.fixture
def refusing() -> Iterator[FakeBot]:
    """A bot that answers 400 with a long text body."""
    bot = FakeBot(default=BotReply(400, body=("nope " * 1000).encode()))
    yield bot
    bot.close()


@pytest.fixture
def settings_overrides(receiver: Receiver, refusing: FakeBot) -> dict[str, Any]:
    return {
        "callback_rewrites": {
            "https://bot.contoso.com": receiver.url,
            "https://refusing.contoso.com": refusing.url,
        }
    }


def _call(client: TestClient, headers: dict[str, str], callback: str | None = None) -> str:
    body = seed("create-call-1")["body"]
    if callback:
        body["callbackUri"] = callback
    response = client.post("/v1.0/communications/calls", json=body, headers=headers)
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def _items(client: TestClient, call_id: str) -> list[dict[str, Any]]:
    response = client.get(DELIVERIES, params={"callId": call_id})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["value"]
    return items


def test_a_delivered_attempt_shows_request_and_response(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    run_jobs: Callable[[], int],
    receiver: Receiver,
) -> None:
    call_id = _call(app_client, auth())
    run_jobs()
    (item,) = _items(app_client, call_id)
    sent = receiver.received[0]
    assert item["outcome"] == "delivered" and item["attempt"] == 1 and item["fault"] is None
    assert item["request"]["url"].startswith(receiver.url)
    assert item["request"]["body"] == sent.body
    headers = item["request"]["headers"]
    assert headers["Authorization"] == sent.headers["authorization"][:12] + "\u2026"
    assert headers["X-Microsoft-Skype-Message-ID"] == sent.headers["x-microsoft-skype-message-id"]
    assert item["response"] == {"status": 200, "body": None}
    assert item["latencyMs"] == item["latency_ms"] >= 0


def test_a_refused_attempt_keeps_the_first_2_kb_of_the_answer(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    run_jobs: Callable[[], int],
) -> None:
    call_id = _call(app_client, auth(), "https://refusing.contoso.com/cb")
    run_jobs()
    (item,) = _items(app_client, call_id)
    assert item["outcome"] == "dead"
    assert item["response"]["status"] == 400
    assert item["response"]["body"] == ("nope " * 1000)[:2048]


def test_redeliver_queues_the_same_notification_again(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    run_jobs: Callable[[], int],
    receiver: Receiver,
) -> None:
    call_id = _call(app_client, auth())
    run_jobs()
    (item,) = _items(app_client, call_id)
    response = app_client.post(f"{DELIVERIES}/{item['id']}/redeliver")
    assert response.status_code == 202, response.text
    assert response.json()["jobId"] != item["job_id"]
    run_jobs()
    assert [r.body for r in receiver.received] == [receiver.received[0].body] * 2
    assert [i["outcome"] for i in _items(app_client, call_id)] == ["delivered", "delivered"]


def test_redeliver_of_an_unknown_delivery_is_404(app_client: TestClient) -> None:
    response = app_client.post(f"{DELIVERIES}/999999/redeliver")
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "itemNotFound"
