"""Attendance reports from a meeting's roster history; a meeting call's record and presence;
getVirtualAppointmentJoinWebUrl; meeting segments Callboard does not serve."""

from __future__ import annotations

from typing import Any

from callboard.clock import FrozenClock, iso
from tests.api.calling import CALLS, Harness, assert_error
from tests.conftest import CONTOSO, TEST_BOT
from tests.records.support import Subscriber, subscribe

BOB = "5810cede-f3cc-42eb-b2c1-e9bd5d53ec96"  # Contoso's Bob, the organizer
USER1 = "98da8a1a-1b87-452c-a713-65d3f10b5555"
MEETINGS = f"/v1.0/users/{BOB}/onlineMeetings"


def _meeting(h: Harness) -> dict[str, Any]:
    response = h.post(MEETINGS, {"lobbyBypassSettings": {"scope": "everyone"}, "subject": "1:1"})
    assert response.status_code == 201, response.text
    meeting: dict[str, Any] = response.json()
    return meeting


def _person(h: Harness, meeting: dict[str, Any], user: str) -> str:
    response = h.client.post(
        f"/_callboard/meetings/{meeting['id']}/participants", json={"userId": user}
    )
    assert response.status_code == 201, response.text
    h.run_jobs()
    participant_id: str = response.json()["id"]
    return participant_id


def _leave(h: Harness, meeting: dict[str, Any], participant_id: str) -> None:
    response = h.client.delete(
        f"/_callboard/meetings/{meeting['id']}/participants/{participant_id}"
    )
    assert response.status_code == 204, response.text
    h.run_jobs()


def _join_call(h: Harness, meeting: dict[str, Any]) -> dict[str, Any]:
    settings = meeting["joinMeetingIdSettings"]
    body = {
        "callbackUri": "https://bot.contoso.com/api/calls",
        "requestedModalities": ["audio"],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
        "meetingInfo": {
            "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo",
            "joinMeetingId": settings["joinMeetingId"],
            "passcode": settings["passcode"],
        },
    }
    call = h.create_call(body)
    h.advance(h.connect_delay)
    return call


def test_one_report_per_session_with_intervals(h: Harness, clock: FrozenClock) -> None:
    meeting = _meeting(h)
    reports_url = f"{MEETINGS}/{meeting['id']}/attendanceReports"
    assert h.get(reports_url).json()["value"] == []
    start = clock.now()
    organizer = _person(h, meeting, BOB)
    h.advance(60)
    guest = _person(h, meeting, USER1)
    h.advance(30)
    _leave(h, meeting, guest)
    h.advance(10)
    again = _person(h, meeting, USER1)
    h.advance(20)
    _leave(h, meeting, again)
    # Still going: no report until the last person leaves.
    assert h.get(reports_url).json()["value"] == []
    _leave(h, meeting, organizer)
    [report] = h.get(reports_url).json()["value"]
    assert report["meetingStartDateTime"] == iso(start)
    assert report["meetingEndDateTime"] == iso(clock.now())
    assert report["totalParticipantCount"] == 2

    records = h.get(f"{reports_url}/{report['id']}/attendanceRecords").json()["value"]
    by_id = {r["identity"]["id"]: r for r in records}
    assert by_id[BOB]["role"] == "Organizer"
    assert by_id[BOB]["totalAttendanceInSeconds"] == 120
    assert by_id[BOB]["emailAddress"] == "bob@contoso.com"
    guest_record = by_id[USER1]
    assert guest_record["role"] == "Attendee"
    assert [i["durationInSeconds"] for i in guest_record["attendanceIntervals"]] == [30, 20]
    assert guest_record["totalAttendanceInSeconds"] == 50

    expanded = h.get(f"{reports_url}/{report['id']}?$expand=attendanceRecords").json()
    assert len(expanded["attendanceRecords"]) == 2
    # A second session is a second report.
    _leave(h, meeting, _person(h, meeting, USER1))
    assert len(h.get(reports_url).json()["value"]) == 2


def test_attendance_errors(h: Harness) -> None:
    meeting = _meeting(h)
    url = f"{MEETINGS}/{meeting['id']}/attendanceReports"
    assert_error(h.get(f"{url}/no-such-report"), 404, "itemNotFound")
    assert_error(h.get(f"{url}/no-such-report/attendanceRecords"), 404, "itemNotFound")
    assert_error(h.get(f"{MEETINGS}/no-such-meeting/attendanceReports"), 404, "itemNotFound")
    # TestBot has no OnlineMeetingArtifact.Read.All.
    assert_error(h.get(url, app=TEST_BOT), 403, "accessDenied")
    # The organizer's own delegated token works on /me.
    response = h.client.get(
        f"/v1.0/me/onlineMeetings/{meeting['id']}/attendanceReports", headers=h.auth(user=BOB)
    )
    assert response.status_code == 200, response.text


def test_a_meeting_call_is_recorded_and_its_people_are_in_a_meeting(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    subscribe(h.client, h.auth(), subscriber, clock)
    meeting = _meeting(h)
    call = _join_call(h, meeting)
    person = _person(h, meeting, USER1)
    presence = h.client.get(f"/v1.0/users/{USER1}/presence", headers=h.auth(user=USER1)).json()
    assert (presence["availability"], presence["activity"]) == ("Busy", "InAMeeting")
    h.advance(30)
    _leave(h, meeting, person)
    presence = h.client.get(f"/v1.0/users/{USER1}/presence", headers=h.auth(user=USER1)).json()
    assert presence["availability"] == "Offline"
    assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
    h.advance(h.rt.settings.terminate_delay_seconds)
    h.advance(60)
    [note] = subscriber.notifications()
    record = h.get(
        f"/v1.0/communications/callRecords/{note['resourceData']['id']}?$expand=participants_v2"
    ).json()
    assert record["type"] == "groupCall"
    assert record["joinWebUrl"] == meeting["joinWebUrl"]
    assert record["organizer_v2"]["identity"]["user"]["id"] == BOB
    assert USER1 in {p["id"] for p in record["participants_v2"]}


def test_get_virtual_appointment_join_web_url(h: Harness) -> None:
    meeting = _meeting(h)
    for path in ("getVirtualAppointmentJoinWebUrl", "getVirtualAppointmentJoinWebUrl()"):
        response = h.get(f"{MEETINGS}/{meeting['id']}/{path}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["@odata.context"].endswith("$metadata#Edm.String")
        assert body["value"].startswith("https://visit.teams.microsoft.com/webrtc-svc/api/route?")
        assert f"tid={CONTOSO}" in body["value"]
    assert_error(
        h.get(f"{MEETINGS}/no-such-meeting/getVirtualAppointmentJoinWebUrl"), 404, "itemNotFound"
    )
    assert_error(
        h.get(f"{MEETINGS}/{meeting['id']}/getVirtualAppointmentJoinWebUrl", app=TEST_BOT),
        403,
        "accessDenied",
    )


def test_unserved_meeting_segments(h: Harness) -> None:
    meeting = _meeting(h)
    all_transcripts = (
        f"{MEETINGS}/getAllTranscripts(meetingOrganizerUserId='{BOB}',startDateTime=2024-01-01)"
    )
    assert_error(h.get(all_transcripts), 501, "notImplemented")
    assert_error(h.get(f"{MEETINGS}/{meeting['id']}/transcripts"), 501, "notImplemented")
    assert_error(h.get(f"{MEETINGS}/{meeting['id']}/recordings/x/content"), 501, "notImplemented")
    assert_error(h.get(f"{MEETINGS}/{meeting['id']}/noSuchThing"), 404, "UnknownError")
    assert_error(h.get(f"{MEETINGS}/noSuchFunction()"), 404, "UnknownError")
    # Authentication first.
    assert h.client.get(f"{MEETINGS}/{meeting['id']}/transcripts").status_code == 401


def test_people_in_a_meeting_without_bots_are_in_a_meeting(h: Harness) -> None:
    meeting = _meeting(h)

    def presence() -> tuple[str, str]:
        body = h.client.get(f"/v1.0/users/{USER1}/presence", headers=h.auth(user=USER1)).json()
        return body["availability"], body["activity"]

    person = _person(h, meeting, USER1)
    assert presence() == ("Busy", "InAMeeting")
    _leave(h, meeting, person)
    assert presence() == ("Offline", "Offline")
