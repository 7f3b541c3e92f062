"""Concurrent writes from two server processes (two apps, two engines, two threads) on one
database: a lost optimistic-concurrency race or a serialization failure re-runs the request,
so no client sees a 409 for it; of two DELETEs of one meeting exactly one gets 204; a deleted
meeting never sends an SMS. Meant for PostgreSQL; SQLite runs them too."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.app import create_app
from callboard.clock import FrozenClock, iso
from callboard.services.runtime import Runtime
from tests.api.calling import USER1, USER2, Harness
from tests.conftest import DEV_APP, TEST_BOT

CALLS = "/v1.0/communications/calls"
MEETINGS = "/v1.0/me/onlineMeetings"
ROUNDS = 10


@pytest.fixture
def other(h: Harness, clock: FrozenClock) -> Iterator[TestClient]:
    """A second server process on the same database: its own app and engine."""
    app = create_app(h.rt.settings, clock=clock)
    with TestClient(app, base_url="http://callboard.test") as client:
        yield client
    app.state.runtime.engine.dispose()


def _together(*requests: Callable[[], Any]) -> list[Any]:
    """Run the requests at the same moment, one thread each."""
    barrier = threading.Barrier(len(requests))

    def run(request: Callable[[], Any]) -> Any:
        barrier.wait()
        return request()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(run, requests))


def _alice(h: Harness) -> dict[str, str]:
    return h.auth(app=DEV_APP, tenant=None, user="alice@callboard.dev")


def _meeting(h: Harness, **body: Any) -> str:
    response = h.client.post(MEETINGS, json=body, headers=_alice(h))
    assert response.status_code == 201, response.text
    meeting_id: str = response.json()["id"]
    return meeting_id


def test_concurrent_mutes_from_two_processes_all_succeed(h: Harness, other: TestClient) -> None:
    call = h.establish_group(USER1, USER2)
    headers = h.auth(app=TEST_BOT)

    def action(client: TestClient, name: str) -> Callable[[], int]:
        def post() -> int:
            url = f"{CALLS}/{call['id']}/{name}"
            return client.post(url, json={}, headers=headers).status_code

        return post

    statuses = []
    for _ in range(ROUNDS):
        statuses += _together(action(h.client, "mute"), action(other, "unmute"))
    assert statuses == [200] * 2 * ROUNDS


def test_concurrent_meeting_patches_from_two_processes_all_succeed(
    h: Harness, other: TestClient
) -> None:
    meeting_id = _meeting(h, subject="Stand-up")
    headers = _alice(h)

    def patch(client: TestClient, subject: str) -> Callable[[], int]:
        def send() -> int:
            body = {"subject": subject}
            return client.patch(f"{MEETINGS}/{meeting_id}", json=body, headers=headers).status_code

        return send

    statuses = []
    for i in range(ROUNDS):
        statuses += _together(patch(h.client, f"a{i}"), patch(other, f"b{i}"))
    assert statuses == [200] * 2 * ROUNDS


def test_of_two_concurrent_deletes_exactly_one_succeeds(h: Harness, other: TestClient) -> None:
    headers = _alice(h)
    for i in range(ROUNDS):
        meeting_id = _meeting(h, subject=f"Doomed {i}")

        def delete(client: TestClient, meeting_id: str = meeting_id) -> Callable[[], int]:
            return lambda: client.delete(f"{MEETINGS}/{meeting_id}", headers=headers).status_code

        assert sorted(_together(delete(h.client), delete(other))) == [204, 404]


def test_a_deleted_meeting_sends_no_reminder_even_when_the_delete_missed_it(
    h: Harness, clock: FrozenClock
) -> None:
    """The reminder's send re-checks the meeting in its own transaction: a delete that ran
    while the reminder was being scheduled (so it cancelled nothing) still stops it."""
    start = clock.now() + 3600
    meeting_id = _meeting(
        h, subject="Check-up", startDateTime=iso(start), endDateTime=iso(start + 1800)
    )
    reminder = h.client.post(
        f"{MEETINGS}/{meeting_id}/sendVirtualAppointmentReminderSms",
        json={
            "attendees": [{"phoneNumber": "+13129224122", "timeZone": "UTC"}],
            "remindBeforeTimeInMinutesType": "mins15",
        },
        headers=_alice(h),
    )
    assert reminder.status_code == 202, reminder.text
    _remove_meeting_row_only(h.rt, meeting_id)
    h.advance(3600)
    (message,) = h.client.get("/_callboard/sms").json()["value"]
    assert message["status"] == "cancelled", message


def _remove_meeting_row_only(rt: Runtime, meeting_id: str) -> None:
    """The meeting row goes, its reminders stay scheduled: what a delete committed between
    the reminder's scheduling and its send leaves when their transactions interleave."""
    with rt.uow() as uow:
        uow.meetings.delete(meeting_id)
        uow.commit()
