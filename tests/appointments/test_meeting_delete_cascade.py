"""A meeting deleted through Graph or through UCWA takes the same path: its pending reminder
SMS are cancelled and the bots' calls in it end. A UCWA replace, which cannot move the start,
leaves reminders as they were."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock, iso
from tests.conftest import DEV_APP
from tests.meetings.test_meeting_calls import CALLS, Meeting
from tests.support import Receiver
from tests.ucwa.support import application, headers

Auth = Callable[..., dict[str, str]]
DAY = 86_400


def _delete_through_graph(client: TestClient, auth: Auth, meeting: Meeting) -> None:
    response = client.delete(f"/v1.0/me/onlineMeetings/{meeting.id}", headers=meeting.alice)
    assert response.status_code == 204, response.text


def _delete_through_ucwa(client: TestClient, auth: Auth, meeting: Meeting) -> None:
    h = headers(auth)
    listing = client.get(f"{application(client, auth)}/myOnlineMeetings", headers=h).json()
    (item,) = listing["_embedded"]["myOnlineMeeting"]
    assert item["joinUrl"] == meeting.resource["joinWebUrl"]
    assert client.delete(item["_links"]["self"]["href"], headers=h).status_code == 204


@pytest.mark.parametrize("delete", [_delete_through_graph, _delete_through_ucwa])
def test_delete_cancels_reminders_and_ends_calls(
    app_client: TestClient,
    auth: Auth,
    receiver: Receiver,
    advance: Callable[[float], int],
    rt: Any,
    clock: FrozenClock,
    delete: Callable[[TestClient, Auth, Meeting], None],
) -> None:
    start = clock.now() + DAY
    meeting = Meeting(
        app_client,
        auth,
        receiver,
        advance,
        rt,
        subject="Check-up",
        startDateTime=iso(start),
        endDateTime=iso(start + 3600),
    )
    reminder = app_client.post(
        f"/v1.0/me/onlineMeetings/{meeting.id}/sendVirtualAppointmentReminderSms",
        json={
            "attendees": [{"phoneNumber": "+13129224122", "timeZone": "Pacific Standard Time"}],
            "remindBeforeTimeInMinutesType": "mins15",
        },
        headers=meeting.alice,
    )
    assert reminder.status_code == 202, reminder.text
    call = meeting.join()
    assert receiver.states(call["id"]) == ["establishing", "established"]

    delete(app_client, auth, meeting)
    advance(0)

    (message,) = app_client.get("/_callboard/sms").json()["value"]
    assert message["status"] == "cancelled" and message["reason"] == "The meeting was deleted."
    assert receiver.states(call["id"])[-1] == "terminated"
    # Graph forgets an ended call (404); the admin API keeps its history.
    assert app_client.get(f"{CALLS}/{call['id']}", headers=meeting.bot).status_code == 404
    ended = app_client.get(f"/_callboard/calls/{call['id']}").json()
    assert ended["resultInfo"]["subcode"] == 5003
    # The reminder's timer fires harmlessly: nothing is sent.
    advance(DAY)
    (message,) = app_client.get("/_callboard/sms").json()["value"]
    assert message["status"] == "cancelled" and message["attempts"] == 0


def test_a_ucwa_replace_keeps_pending_reminders(
    app_client: TestClient, auth: Auth, clock: FrozenClock
) -> None:
    alice = auth(app=DEV_APP, tenant=None, user="alice@callboard.dev")
    start = clock.now() + DAY
    made = app_client.post(
        "/v1.0/me/onlineMeetings",
        json={"subject": "Check-up", "startDateTime": iso(start), "endDateTime": iso(start + 600)},
        headers=alice,
    )
    assert made.status_code == 201, made.text
    reminder = app_client.post(
        f"/v1.0/me/onlineMeetings/{made.json()['id']}/sendVirtualAppointmentReminderSms",
        json={"phoneNumbers": ["+13129224122"], "remindBeforeTimeInMinutesType": "mins15"},
        headers=alice,
    )
    assert reminder.status_code == 202, reminder.text
    (before,) = app_client.get("/_callboard/sms").json()["value"]

    h = headers(auth)
    listing = app_client.get(f"{application(app_client, auth)}/myOnlineMeetings", headers=h)
    (item,) = listing.json()["_embedded"]["myOnlineMeeting"]
    current = app_client.get(item["_links"]["self"]["href"], headers=h)
    data = {k: v for k, v in current.json().items() if not k.startswith("_")}
    data["subject"] = "Renamed in UCWA"
    put = app_client.put(
        item["_links"]["self"]["href"],
        content=json.dumps(data),
        headers={**h, "If-Match": current.headers["etag"]},
    )
    assert put.status_code == 200, put.text

    (after,) = app_client.get("/_callboard/sms").json()["value"]
    assert after == before and after["status"] == "scheduled"
    jobs = app_client.get("/_callboard/jobs", params={"kind": "sms.send"}).json()["value"]
    assert len(jobs) == 1
