"""Retries follow the bot's ``Retry-After`` on 429 and 503 (within the backoff maximum), and
425 Too Early is retried like the other transient refusals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock
from tests.jobs.support import BotReply, FakeBot
from tests.support import seed

START = datetime(2030, 1, 10, 12, tzinfo=UTC)


@pytest.fixture
def bot() -> Iterator[FakeBot]:
    b = FakeBot()
    yield b
    b.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(start=START.timestamp())


@pytest.fixture
def settings_overrides(bot: FakeBot) -> dict[str, Any]:
    return {
        "callback_rewrites": {"https://bot.contoso.com": bot.url},
        "webhook_backoff_max_seconds": 120.0,
        # Only the first notification (establishing) is in play: no answer in these tests.
        "connect_delay_seconds": 10_000.0,
    }


def _place_call(client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    response = client.post(
        "/v1.0/communications/calls", json=seed("create-call-1")["body"], headers=auth()
    )
    assert response.status_code == 201, response.text


def _wait_and_see(advance: Callable[[float], int], bot: FakeBot, seconds: float) -> None:
    """Just before ``seconds`` nothing is retried; at ``seconds`` the retry goes."""
    advance(seconds - 0.5)
    assert len(bot.arrived) == 1
    advance(0.5)
    assert len(bot.arrived) == 2


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_is_honoured(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    bot: FakeBot,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    status: int,
) -> None:
    bot.replies = [BotReply(status, {"Retry-After": "30"})]
    _place_call(app_client, auth)
    run_jobs()
    _wait_and_see(advance, bot, 30)
    (delivery, retried) = app_client.get("/_callboard/deliveries").json()["value"]
    assert (delivery["status_code"], delivery["outcome"]) == (status, "retry")
    assert retried["outcome"] == "delivered"


def test_retry_after_as_a_date(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    bot: FakeBot,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
) -> None:
    later = START.replace(minute=1)  # 60 s after the clock's time
    bot.replies = [BotReply(503, {"Retry-After": format_datetime(later, usegmt=True)})]
    _place_call(app_client, auth)
    run_jobs()
    _wait_and_see(advance, bot, 60)


def test_retry_after_is_bounded_by_the_backoff_maximum(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    bot: FakeBot,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
) -> None:
    bot.replies = [BotReply(429, {"Retry-After": "86400"})]
    _place_call(app_client, auth)
    run_jobs()
    _wait_and_see(advance, bot, 120)


@pytest.mark.parametrize(
    "reply",
    [
        (500, {"Retry-After": "30"}),  # only 429 and 503 say when to come back
        (429, {"Retry-After": "whenever"}),  # unreadable: the backoff
        (425, {}),  # Too Early: transient
        (408, {}),
    ],
)
def test_other_transient_replies_use_the_backoff(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    bot: FakeBot,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    reply: tuple[int, dict[str, str]],
) -> None:
    bot.replies = [BotReply(*reply)]
    _place_call(app_client, auth)
    run_jobs()
    _wait_and_see(advance, bot, 1)  # the backoff base
