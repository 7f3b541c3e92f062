"""A new online meeting without I/O: generated values, times, attendees, escapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from callboard.domain import meeting_factory
from callboard.domain.directory import Directory
from callboard.domain.identities import user_identity_set
from callboard.domain.meeting_parts import MeetingParticipantInfo, MeetingPatch, MeetingRequest
from callboard.domain.meetings import OnlineMeeting, iso
from callboard.errors import BadRequest
from tests.domain.meeting_people import ALICE, BOB, NOW, SEED, TENANT, alice_and_bob


@pytest.fixture
def directory() -> Directory:
    return alice_and_bob()


def _new(directory: Directory, body: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return meeting_factory.new_meeting(
        directory, ALICE, MeetingRequest.parse(body or {}), now=NOW, seed_id=SEED, **kwargs
    )


def test_the_factory_derives_every_generated_value_from_the_seed(directory: Directory) -> None:
    one, two = _new(directory), _new(directory)
    assert one.resource == two.resource and one.id == two.id
    resource = one.resource
    assert resource["@odata.type"] == "#microsoft.graph.onlineMeeting"
    assert resource["creationDateTime"] == "2030-01-01T09:00:00.000Z"
    assert resource["chatInfo"]["threadId"].startswith("19:meeting_")
    assert resource["chatInfo"]["threadId"].endswith("@thread.v2")
    assert resource["joinWebUrl"] == resource["joinUrl"]
    assert resource["joinWebUrl"].startswith("https://teams.microsoft.com/l/meetup-join/19%3a")
    settings = resource["joinMeetingIdSettings"]
    assert settings["joinMeetingId"].isdigit() and len(settings["joinMeetingId"]) == 12
    assert len(settings["passcode"]) == 6 and settings["isPasscodeRequired"] is False
    assert len(resource["videoTeleconferenceId"]) == 10
    assert resource["audioConferencing"]["tollNumber"] == meeting_factory.DIAL_IN_NUMBER
    assert one.tenant_id == TENANT and one.organizer_id == ALICE.id
    assert one.created_at == one.modified_at == NOW
    assert resource["allowRecording"] is True and resource["subject"] is None
    organizer = resource["participants"]["organizer"]
    assert organizer["identity"] == user_identity_set(ALICE)
    assert organizer["role"] == "presenter" and organizer["upn"] == "alice@example.com"


def test_the_factory_keeps_given_ids_and_client_properties(directory: Directory) -> None:
    meeting = _new(
        directory,
        {"subject": "S", "joinMeetingIdSettings": {"isPasscodeRequired": True}},
        meeting_id="m1",
        join_meeting_id="111122223333",
        passcode_value="abcdef",
        thread_id="19:meeting_x@thread.v2",
    )
    assert meeting.id == "m1" and meeting.resource["id"] == "m1"
    assert meeting.join_meeting_id == "111122223333"
    assert meeting.thread_id == "19:meeting_x@thread.v2"
    assert meeting.resource["joinMeetingIdSettings"] == {
        "isPasscodeRequired": True,
        "joinMeetingId": "111122223333",
        "passcode": "abcdef",
    }
    assert meeting.resource["subject"] == "S"
    assert "19%3ameeting_x%40thread.v2" in meeting.resource["joinWebUrl"]


def test_times_default_to_now_and_an_hour_and_parse_z(directory: Directory) -> None:
    meeting = _new(directory)
    assert meeting.resource["startDateTime"] == "2030-01-01T09:00:00.000Z"
    assert meeting.resource["endDateTime"] == "2030-01-01T10:00:00.000Z"
    assert meeting.start == datetime(2030, 1, 1, 9, tzinfo=UTC)
    given = _new(directory, {"startDateTime": "2030-02-01T10:00:00Z"})
    assert given.resource["startDateTime"] == "2030-02-01T10:00:00.000Z"
    assert given.resource["endDateTime"] == "2030-02-01T11:00:00.000Z"
    offset = _new(
        directory,
        {"startDateTime": "2030-02-01T10:00:00+02:00", "endDateTime": "2030-02-01T09:30:00Z"},
    )
    assert offset.resource["startDateTime"] == "2030-02-01T08:00:00.000Z"
    assert offset.resource["endDateTime"] == "2030-02-01T09:30:00.000Z"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"startDateTime": "tomorrow"}, "not a valid ISO 8601"),
        ({"startDateTime": 5}, "must be a date-time string"),
        ({"startDateTime": "2030-02-01T10:00:00"}, "needs a time zone offset"),
        (
            {"startDateTime": "2030-02-01T10:00:00Z", "endDateTime": "2030-02-01T10:00:00Z"},
            "endDateTime must be after startDateTime",
        ),
    ],
)
def test_bad_times_are_bad_requests(body: dict[str, Any], fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        meeting_factory.meeting_times(
            body.get("startDateTime"), body.get("endDateTime"), NOW, fill=True
        )


def test_an_end_without_a_start_is_filled_only_when_asked() -> None:
    with pytest.raises(BadRequest, match="endDateTime needs a startDateTime"):
        meeting_factory.meeting_times(None, "2030-01-01T12:00:00Z", NOW, fill=False)
    start, end = meeting_factory.meeting_times(None, "2030-01-01T12:00:00Z", NOW, fill=True)
    assert (iso(start), iso(end)) == ("2030-01-01T09:00:00.000Z", "2030-01-01T12:00:00.000Z")


def test_attendees_are_resolved_from_the_directory(directory: Directory) -> None:
    resolved = meeting_factory.resolve_attendees(
        directory,
        TENANT,
        [
            {"identity": {"user": {"id": BOB.id}}},
            {"upn": "bob@example.com", "role": "presenter"},
            {"identity": {"user": {"id": "stranger"}}},
        ],
    )
    assert resolved[0]["identity"] == user_identity_set(BOB)
    assert resolved[0]["upn"] == "bob@example.com" and resolved[0]["role"] == "attendee"
    assert resolved[1]["identity"]["user"]["id"] == BOB.id and resolved[1]["role"] == "presenter"
    assert resolved[2]["identity"] == {"user": {"id": "stranger"}} and resolved[2]["upn"] is None
    assert {a["@odata.type"] for a in resolved} == {meeting_factory.PARTICIPANT_INFO}
    with pytest.raises(BadRequest, match=r"attendees\[0\] needs identity.user.id or upn"):
        meeting_factory.resolve_attendees(directory, TENANT, [{"role": "attendee"}])


def test_typed_attendees_are_resolved_and_a_null_role_stays_null(directory: Directory) -> None:
    sent = [
        MeetingParticipantInfo.parse_attendee({"upn": "bob@example.com", "x-extra": 1}),
        MeetingParticipantInfo.parse_attendee({"identity": {"user": {"id": "x"}}, "role": None}),
    ]
    bob, stranger = meeting_factory.resolve(directory, TENANT, sent)
    assert bob == MeetingParticipantInfo(
        user_identity_set(BOB),
        "bob@example.com",
        "attendee",
        {"x-extra": 1, "@odata.type": meeting_factory.PARTICIPANT_INFO},
    )
    assert sent[0].identity is None  # what was sent is left as it was
    assert stranger is sent[1] and stranger.role is None
    assert "role" not in stranger.to_graph()
    with pytest.raises(BadRequest, match=r"attendees\[0\] needs identity.user.id or upn"):
        meeting_factory.resolve(directory, TENANT, [MeetingParticipantInfo(None)])


def test_teams_escapes_and_passcodes() -> None:
    assert meeting_factory.teams_escapes("a%3A%2Fb%40") == "a%3a%2fb%40"
    assert meeting_factory.passcode(0) == "AAAAAA"
    assert all(
        c in meeting_factory.PASSCODE_ALPHABET for c in meeting_factory.passcode(2**100 + 12345)
    )


def test_an_update_checks_times_and_resolves_attendees(directory: Directory) -> None:
    meeting = _new(directory)
    patch: dict[str, Any] = {
        "startDateTime": "2030-03-01T10:00:00+01:00",
        "endDateTime": "2030-03-01T10:30:00+01:00",
        "participants": {"attendees": [{"upn": "bob@example.com"}]},
    }
    meeting_factory.update(meeting, directory, MeetingPatch.parse(patch), now=NOW)
    assert meeting.resource["startDateTime"] == "2030-03-01T09:00:00.000Z"
    assert meeting.resource["endDateTime"] == "2030-03-01T09:30:00.000Z"
    assert meeting.is_invited(BOB.id)
    assert patch["startDateTime"] == "2030-03-01T10:00:00+01:00"  # the caller's body is kept
    with pytest.raises(BadRequest, match="together"):
        _update(meeting, directory, {"endDateTime": "2030-03-01T11:00:00Z"})
    with pytest.raises(BadRequest, match="must be after"):
        _update(
            meeting,
            directory,
            {"startDateTime": "2030-03-01T11:00:00Z", "endDateTime": "2030-03-01T10:00:00Z"},
        )


def _update(meeting: OnlineMeeting, directory: Directory, body: dict[str, Any]) -> None:
    meeting_factory.update(meeting, directory, MeetingPatch.parse(body), now=NOW)


def test_an_update_checks_the_attendees_before_the_update_rules(directory: Directory) -> None:
    meeting = _new(directory)
    with pytest.raises(BadRequest, match=r"attendees\[0\] needs identity.user.id or upn"):
        _update(meeting, directory, {"joinWebUrl": "x", "participants": {"attendees": [{}]}})
    with pytest.raises(BadRequest, match="endDateTime needs a startDateTime"):
        _update(meeting, directory, {"startDateTime": None, "endDateTime": "2030-03-01T11:00Z"})
