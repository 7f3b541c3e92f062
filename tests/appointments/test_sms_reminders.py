"""Reminders as durable timers: due time, once, PATCH moves them, DELETE cancels them,
restarts keep them, time zones across a DST change, reminders whose moment has passed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from callboard.app import build_services
from callboard.clock import FrozenClock
from callboard.config import Settings
from tests.conftest import CALLING_BOT, CONTOSO

MEETING = "MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi"
DANA = "dana@contoso.com"
REMINDER = "sendVirtualAppointmentReminderSms"
Auth = Callable[..., dict[str, str]]
# 2030-01-15T17:00Z is the seed meeting's start; its reminder is due 16:45Z.
DUE = datetime(2030, 1, 15, 16, 45, tzinfo=UTC).timestamp()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(start=datetime(2030, 1, 10, 12, tzinfo=UTC).timestamp())


def _dana(auth: Auth) -> dict[str, str]:
    # A fresh token each time: advancing the clock expires the old ones.
    return auth(app=CALLING_BOT, tenant=CONTOSO, user=DANA)


def _remind(
    client: TestClient, auth: Auth, meeting: str = MEETING, zone: str = "Pacific Standard Time"
) -> None:
    response = client.post(
        f"/v1.0/me/onlineMeetings/{meeting}/{REMINDER}",
        json={
            "attendees": [{"phoneNumber": "+13129224122", "timeZone": zone}],
            "remindBeforeTimeInMinutesType": "mins15",
        },
        headers=_dana(auth),
    )
    assert response.status_code == 202, response.text


def _messages(client: TestClient) -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = client.get("/_callboard/sms").json()["value"]
    return value


def _status(client: TestClient) -> str:
    (message,) = _messages(client)
    return str(message["status"])


def _until(clock: FrozenClock, advance: Callable[[float], int], moment: float) -> None:
    advance(moment - clock.now())


def test_fires_at_start_minus_interval_and_once(
    app_client: TestClient, auth: Auth, clock: FrozenClock, advance: Callable[[float], int]
) -> None:
    _remind(app_client, auth)
    _until(clock, advance, DUE - 1)
    assert _status(app_client) == "scheduled"
    _until(clock, advance, DUE)
    (message,) = _messages(app_client)
    assert message["status"] == "delivered" and message["attempts"] == 1
    assert message["sentDateTime"] == "2030-01-15T16:45:00Z"
    advance(3600)
    assert _messages(app_client)[0]["attempts"] == 1
    jobs = app_client.get("/_callboard/jobs", params={"kind": "sms.send"}).json()["value"]
    assert [j["status"] for j in jobs] == ["done"]


def _patch_start(client: TestClient, auth: Auth, start: str, end: str) -> None:
    response = client.patch(
        f"/v1.0/me/onlineMeetings/{MEETING}",
        json={"startDateTime": start, "endDateTime": end},
        headers=_dana(auth),
    )
    assert response.status_code == 200, response.text


def test_patch_moves_the_reminder_later_and_rerenders(
    app_client: TestClient, auth: Auth, clock: FrozenClock, advance: Callable[[float], int]
) -> None:
    _remind(app_client, auth)
    _patch_start(app_client, auth, "2030-01-15T19:00:00Z", "2030-01-15T19:30:00Z")
    (message,) = _messages(app_client)
    assert message["dueDateTime"] == "2030-01-15T18:45:00Z"
    assert "11:00 AM PST" in message["text"]
    _until(clock, advance, DUE + 60)
    assert _status(app_client) == "scheduled"  # the old timer did nothing
    _until(clock, advance, DUE + 2 * 3600)
    assert _status(app_client) == "delivered"
    assert _messages(app_client)[0]["attempts"] == 1


def test_patch_moves_the_reminder_earlier(
    app_client: TestClient, auth: Auth, clock: FrozenClock, advance: Callable[[float], int]
) -> None:
    _remind(app_client, auth)
    _patch_start(app_client, auth, "2030-01-12T17:00:00Z", "2030-01-12T17:30:00Z")
    _until(clock, advance, datetime(2030, 1, 12, 16, 45, tzinfo=UTC).timestamp())
    assert _status(app_client) == "delivered"
    _until(clock, advance, DUE + 60)
    assert _messages(app_client)[0]["attempts"] == 1


def test_patch_into_the_past_cancels_and_close_start_sends_now(
    app_client: TestClient, auth: Auth, clock: FrozenClock, advance: Callable[[float], int]
) -> None:
    _remind(app_client, auth)
    # Start in five minutes: the reminder's moment has passed, so it goes out at once.
    soon = clock.now() + 300
    _patch_start(
        app_client,
        auth,
        datetime.fromtimestamp(soon, UTC).isoformat(),
        datetime.fromtimestamp(soon + 1800, UTC).isoformat(),
    )
    advance(0)
    assert _status(app_client) == "delivered"


def test_delete_cancels_pending_reminders(
    app_client: TestClient, auth: Auth, clock: FrozenClock, advance: Callable[[float], int]
) -> None:
    _remind(app_client, auth)
    response = app_client.delete(f"/v1.0/me/onlineMeetings/{MEETING}", headers=_dana(auth))
    assert response.status_code == 204
    (message,) = _messages(app_client)
    assert message["status"] == "cancelled" and message["reason"] == "The meeting was deleted."
    _until(clock, advance, DUE + 60)
    assert _status(app_client) == "cancelled"
    assert _messages(app_client)[0]["attempts"] == 0


def test_reminders_survive_a_restart(
    app_client: TestClient,
    auth: Auth,
    clock: FrozenClock,
    settings: Settings,
    engine: Engine,
) -> None:
    _remind(app_client, auth)
    # A new process: fresh services and runner over the same database.
    services = build_services(settings, clock=clock, engine=engine)
    clock.advance(DUE - clock.now())

    async def drain() -> int:
        return await services.runner.run_until_idle()

    assert asyncio.run(drain()) == 1
    assert _status(app_client) == "delivered"
    assert asyncio.run(drain()) == 0


def test_time_zone_across_a_dst_change(
    app_client: TestClient, auth: Auth, clock: FrozenClock, advance: Callable[[float], int]
) -> None:
    # Requested in standard time (March 5th), the meeting is after US DST starts (March 10th).
    clock.advance(datetime(2030, 3, 5, 12, tzinfo=UTC).timestamp() - clock.now())
    created = app_client.post(
        "/v1.0/me/onlineMeetings",
        json={
            "subject": "Check-up",
            "startDateTime": "2030-03-12T16:00:00Z",
            "endDateTime": "2030-03-12T16:30:00Z",
        },
        headers=_dana(auth),
    )
    assert created.status_code == 201
    meeting = created.json()["id"]
    _remind(app_client, auth, meeting, "Pacific Standard Time")
    _remind(app_client, auth, meeting, "Eastern Standard Time")
    _remind(app_client, auth, meeting, "W. Europe Standard Time")
    texts = [m["text"] for m in _messages(app_client)]
    assert "Tue, Mar 12, 2030 9:00 AM PDT" in texts[0]
    assert "Tue, Mar 12, 2030 12:00 PM EDT" in texts[1]
    # Europe changes later (March 31st): still standard time there.
    assert "Tue, Mar 12, 2030 5:00 PM +0100" in texts[2]
    _until(clock, advance, datetime(2030, 3, 12, 15, 45, tzinfo=UTC).timestamp())
    assert [m["status"] for m in _messages(app_client)] == ["delivered"] * 3


def test_reminder_whose_moment_passed_is_sent_at_once(
    app_client: TestClient, auth: Auth, clock: FrozenClock, advance: Callable[[float], int]
) -> None:
    clock.advance(DUE + 60 - clock.now())  # 16:46Z: ten minutes before the start
    _remind(app_client, auth)
    advance(0)
    assert _status(app_client) == "delivered"


def test_reminder_for_a_started_meeting_is_400(
    app_client: TestClient, auth: Auth, clock: FrozenClock
) -> None:
    clock.advance(DUE + 3600 - clock.now())
    response = app_client.post(
        f"/v1.0/me/onlineMeetings/{MEETING}/{REMINDER}",
        json={
            "attendees": [{"phoneNumber": "+13129224122", "timeZone": "UTC"}],
            "remindBeforeTimeInMinutesType": "mins15",
        },
        headers=_dana(auth),
    )
    assert response.status_code == 400
    assert "already started" in response.json()["error"]["message"]
    assert _messages(app_client) == []
