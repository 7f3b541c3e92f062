"""The online meeting aggregate without I/O: update rules, the lobby, the roster, content
sharing, and its Graph JSON (rendered and read back unchanged)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from callboard.domain import meeting_factory
from callboard.domain.attendance import AttendanceRole
from callboard.domain.directory import Directory, User
from callboard.domain.meeting_parts import (
    PARTICIPANT_INFO,
    UNSET,
    ContentSharingSession,
    JoinerKind,
    LobbyBypassSettings,
    LobbyScope,
    MeetingParticipantInfo,
    MeetingPatch,
    MeetingRequest,
    PersonSpec,
)
from callboard.domain.meeting_roster import RosterEntry
from callboard.domain.meetings import OnlineMeeting
from callboard.domain.participants import MediaStream, Participant
from callboard.errors import BadRequest, ItemNotFound
from tests.domain.meeting_people import ALICE, BOB, NOW, SEED, TENANT, alice_and_bob


@pytest.fixture
def directory() -> Directory:
    return alice_and_bob()


def _new(directory: Directory, body: dict[str, Any] | None = None) -> OnlineMeeting:
    return meeting_factory.new_meeting(
        directory, ALICE, MeetingRequest.parse(body or {}), now=NOW, seed_id=SEED
    )


def _update(meeting: OnlineMeeting, body: dict[str, Any]) -> None:
    meeting.apply_update(MeetingPatch.parse(body))


def _person(
    participant_id: str, *, in_lobby: bool = False, role: JoinerKind = JoinerKind.ORGANIZATION
) -> RosterEntry:
    identity = {"user": {"id": f"u-{participant_id}", "displayName": participant_id}}
    return RosterEntry(Participant(participant_id, identity, is_in_lobby=in_lobby), role)


def test_update_rules(directory: Directory) -> None:
    meeting = _new(directory, {"participants": {"attendees": [{"upn": "bob@example.com"}]}})
    with pytest.raises(BadRequest, match="cannot be updated: joinWebUrl"):
        _update(meeting, {"joinWebUrl": "x"})
    with pytest.raises(BadRequest, match="together"):
        _update(meeting, {"startDateTime": "2030-01-01T10:00:00.000Z"})
    with pytest.raises(BadRequest, match="organizer of a meeting cannot change"):
        _update(meeting, {"participants": {"organizer": {"identity": {"user": {"id": BOB.id}}}}})
    assert meeting.is_invited(BOB.id) and not meeting.is_invited("nobody")
    _update(meeting, {"subject": "New", "@odata.type": "#microsoft.graph.onlineMeeting"})
    assert meeting.resource["subject"] == "New"
    _update(meeting, {"participants": {"attendees": []}})
    assert not meeting.is_invited(BOB.id)
    assert meeting.resource["participants"]["organizer"]["upn"] == "alice@example.com"


def test_an_update_sets_typed_fields_and_keeps_the_other_properties(directory: Directory) -> None:
    meeting = _new(directory, {"customProperty": {"kept": True}})
    _update(
        meeting,
        {
            "startDateTime": "2030-02-01T10:00:00.000Z",
            "endDateTime": "2030-02-01T11:00:00.000Z",
            "allowRecording": False,
            "lobbyBypassSettings": {"scope": "everyone"},
        },
    )
    assert meeting.start == datetime(2030, 2, 1, 10, tzinfo=UTC)
    assert meeting.end == datetime(2030, 2, 1, 11, tzinfo=UTC)
    assert meeting.properties["allowRecording"] is False
    assert meeting.lobby_bypass == LobbyBypassSettings("everyone", None)
    resource = meeting.resource
    assert resource["customProperty"] == {"kept": True}
    assert resource["lobbyBypassSettings"] == {"scope": "everyone", "isDialInBypassEnabled": None}
    _update(meeting, {"lobbyBypassSettings": None})
    assert meeting.resource["lobbyBypassSettings"] is None
    assert not meeting.must_wait_in_lobby("organization")  # no settings: Graph's default


def test_a_patch_tells_an_absent_property_from_one_set_to_null(directory: Directory) -> None:
    meeting = _new(directory, {"subject": "S", "lobbyBypassSettings": {"scope": "everyone"}})
    _update(meeting, {"allowRecording": False})  # nothing else sent: nothing else changes
    assert meeting.subject == "S"
    assert meeting.lobby_bypass == LobbyBypassSettings("everyone", None)
    _update(meeting, {"subject": None, "lobbyBypassSettings": None})
    assert meeting.subject is None and meeting.lobby_bypass is None
    patch = MeetingPatch.parse({"subject": None, "participants": {"attendees": None}})
    assert patch.subject is None and patch.attendees == ()
    assert patch.start is UNSET and patch.lobby_bypass is UNSET and not patch.moves_times
    assert patch.names == ("subject", "participants") and patch.options == {}


def test_the_graph_document_reads_back_into_the_same_meeting(directory: Directory) -> None:
    meeting = _new(directory, {"subject": "S", "participants": {"attendees": [{"upn": "x@y"}]}})
    meeting.created_by_app_id = "app-1"
    meeting.join(_person("p1"))
    meeting.start_sharing("s1", "p1")
    again = OnlineMeeting.from_graph(
        meeting.id,
        meeting.tenant_id,
        meeting.organizer_id,
        copy.deepcopy(meeting.to_graph()),
        copy.deepcopy(meeting.live_document()),
        created_at=meeting.created_at,
        modified_at=meeting.modified_at,
    )
    assert again == meeting
    assert meeting.live_document()["contentSharingSessions"] == [
        {"@odata.type": "#microsoft.graph.contentSharingSession", "id": "s1", "_sharer": "p1"}
    ]
    assert meeting.live_document()["createdByAppId"] == "app-1"


@pytest.mark.parametrize(
    ("scope", "dial_in", "waits"),
    [
        ("organizer", False, {"invited", "organization", "federated", "anonymous", "phone"}),
        ("organization", False, {"federated", "anonymous", "phone"}),
        ("organizationAndFederated", False, {"anonymous", "phone"}),
        ("organizationExcludingGuests", False, {"federated", "anonymous", "phone"}),
        ("everyone", False, set()),
        ("invited", False, {"organization", "federated", "anonymous", "phone"}),
        ("invited", True, {"organization", "federated", "anonymous"}),
        ("unknownFutureValue", False, {"federated", "anonymous", "phone"}),
    ],
)
def test_who_waits_in_the_lobby(scope: str, dial_in: bool, waits: set[str]) -> None:
    settings = LobbyBypassSettings(scope, dial_in)
    kinds = {"organizer", "invited", "organization", "federated", "anonymous", "phone"}
    assert {kind for kind in kinds if settings.must_wait(kind)} == waits
    assert LobbyScope.of(scope).value == (
        scope if scope != "unknownFutureValue" else "organization"
    )


def test_the_roster_join_admit_mute_leave(directory: Directory) -> None:
    meeting = _new(directory)
    meeting.join(_person("org", role=JoinerKind.ORGANIZER, in_lobby=True))
    assert not meeting.organizer_present
    meeting.admit("org")
    assert meeting.organizer_present
    with pytest.raises(BadRequest, match="not in the lobby"):
        meeting.admit("org")
    with pytest.raises(BadRequest, match="already in the meeting"):
        meeting.join(_person("org"))
    person = _person("p1")
    person.participant.media_streams = [MediaStream("audio", "main-audio", "1", "sendReceive")]
    meeting.join(person)
    meeting.set_muted("p1", True)
    assert meeting.participant("p1").participant.is_muted is True
    assert meeting.participant("p1").participant.media_streams[0].server_muted is True
    left = meeting.leave("p1")
    assert left is person
    assert (left.participant.is_muted, left.in_lobby) == (True, False)
    assert left.participant.media_streams == [
        MediaStream("audio", "main-audio", "1", "sendReceive", server_muted=True)
    ]
    with pytest.raises(ItemNotFound, match="No participant p1"):
        meeting.participant("p1")


def test_content_sharing(directory: Directory) -> None:
    meeting = _new(directory)
    meeting.join(_person("p1"))
    meeting.join(_person("waiting", in_lobby=True))
    with pytest.raises(BadRequest, match="in the lobby cannot share"):
        meeting.start_sharing("s0", "waiting")
    session = meeting.start_sharing("s1", "p1")
    assert session == ContentSharingSession("s1", "p1")
    assert session.to_graph() == {
        "@odata.type": "#microsoft.graph.contentSharingSession",
        "id": "s1",
    }
    assert meeting.sharing_session("s1") is session
    assert meeting.stop_sharing("s1") is session
    with pytest.raises(ItemNotFound, match="No content-sharing session s1"):
        meeting.sharing_session("s1")


def test_how_the_lobby_sees_a_directory_user(directory: Directory) -> None:
    meeting = _new(directory, {"participants": {"attendees": [{"upn": "bob@example.com"}]}})
    assert meeting.joiner_kind(ALICE) == "organizer"
    assert meeting.joiner_kind(BOB) == "invited"
    assert meeting.joiner_kind(User("c3", TENANT, "Carol", "carol@example.com")) == "organization"
    assert meeting.joiner_kind(User("a1", "elsewhere", "Alice twin", "a@x.com")) == "federated"


def test_a_person_spec_reads_the_admin_body() -> None:
    assert PersonSpec.parse({}) == PersonSpec()
    spec = PersonSpec.parse({"phone": "+1425", "modalities": ["audio"], "muted": True})
    assert spec == PersonSpec(phone="+1425", modalities=("audio",), muted=True)
    with pytest.raises(BadRequest, match="userId or phone, not both"):
        PersonSpec.parse({"userId": "a1", "phone": "+1425"})


def test_a_meeting_request_reads_a_creation_body() -> None:
    assert MeetingRequest.parse({}) == MeetingRequest()
    request = MeetingRequest.parse(
        {
            "subject": "S",
            "startDateTime": "2030-01-01T09:00:00Z",
            "externalId": "x",
            "participants": {"attendees": [{"upn": "bob@example.com"}]},
            "lobbyBypassSettings": None,
            "joinMeetingIdSettings": {"isPasscodeRequired": True},
            "allowRecording": False,
        }
    )
    assert (request.subject, request.start, request.end) == ("S", "2030-01-01T09:00:00Z", None)
    assert request.external_id == "x" and request.is_passcode_required
    assert request.attendees == (
        MeetingParticipantInfo(
            None, "bob@example.com", "attendee", {"@odata.type": PARTICIPANT_INFO}
        ),
    )
    assert request.lobby_bypass is None
    assert request.options == {"allowRecording": False}


def test_the_stored_roster_reads_back_as_typed_entries(directory: Directory) -> None:
    stored = {
        "participants": [
            {
                "@odata.type": "#microsoft.graph.participant",
                "id": "p1",
                "info": {
                    "@odata.type": "#microsoft.graph.participantInfo",
                    "identity": {"phone": {"id": "+1425"}},
                    "languageId": "en-US",
                    "region": None,
                    "countryCode": None,
                    "endpointType": None,
                    "participantId": "p1",
                },
                "mediaStreams": [
                    {
                        "@odata.type": "#microsoft.graph.mediaStream",
                        "mediaType": "audio",
                        "label": "main-audio",
                        "sourceId": "1",
                        "direction": "sendReceive",
                        "serverMuted": True,
                    }
                ],
                "isMuted": True,
                "isInLobby": True,
                "metadata": None,
                "recordingInfo": None,
                "removedState": None,
                "restrictedExperience": None,
                "rosterSequenceNumber": 0,
                "_role": "phone",
            }
        ],
        "attendanceSessions": [],
        "contentSharingSessions": [],
        "ucwa": {"description": "kept"},
    }
    bot = copy.deepcopy(stored["participants"][0])
    bot.update(id="bot", _callId="call-1", isInLobby=False)
    bot["info"]["participantId"] = "bot"
    del bot["_role"]
    stored["participants"].append(bot)
    meeting = _new(directory)
    again = OnlineMeeting.from_graph(
        meeting.id, meeting.tenant_id, meeting.organizer_id, meeting.to_graph(), stored
    )
    person, robot = again.roster
    assert (person.id, person.role, person.call_id, person.in_lobby) == (
        "p1",
        JoinerKind.PHONE,
        None,
        True,
    )
    assert person.participant.media_streams[0].server_muted is True
    assert (robot.is_bot, robot.role, robot.call_id) == (True, None, "call-1")
    assert again.ucwa == {"description": "kept"}
    assert again.live_document() == stored
    # Clients see the participant without the bookkeeping.
    assert "_role" not in person.to_graph() and "_callId" not in robot.to_graph()


def test_a_call_gets_a_copy_of_the_roster(directory: Directory) -> None:
    meeting = _new(directory)
    meeting.join(_person("p1"))
    [copied] = meeting.roster.call_roster()
    assert copied == meeting.participant("p1").participant
    copied.is_muted = True
    assert meeting.participant("p1").participant.is_muted is False


def test_a_person_leaving_stops_their_sharing_and_bots_only_hang_up(directory: Directory) -> None:
    meeting = _new(directory)
    meeting.join(_person("p1"))
    meeting.join(_person("p2"))
    meeting.join(RosterEntry(Participant("bot", {"application": {"id": "app"}}), call_id="c1"))
    mine, theirs = meeting.start_sharing("s1", "p1"), meeting.start_sharing("s2", "p2")
    assert meeting.remove_person("p1") == [mine]
    assert meeting.sharing_sessions == [theirs]
    assert [e.id for e in meeting.roster] == ["p2", "bot"]
    with pytest.raises(BadRequest, match="leaves a meeting by hanging up"):
        meeting.remove_person("bot")
    with pytest.raises(ItemNotFound, match="No participant p1"):
        meeting.remove_person("p1")
    assert meeting.discard("p2") is True and meeting.discard("p2") is False
    assert meeting.roster.remove_bot("c1") is True and meeting.roster.remove_bot("c1") is False
    assert len(meeting.roster) == 0


def test_attendance_follows_the_roster_of_the_meeting(directory: Directory) -> None:
    meeting = _new(directory)
    meeting.join(_person("org", role=JoinerKind.ORGANIZER))
    meeting.join(_person("waiting", in_lobby=True))
    assert meeting.observe_attendance(10) == (["user:u-org"], [])
    meeting.admit("waiting")
    assert meeting.observe_attendance(20) == (["user:u-waiting"], [])
    meeting.leave("org")
    meeting.leave("waiting")
    assert meeting.observe_attendance(30) == ([], ["user:u-org", "user:u-waiting"])
    [session] = meeting.attendance.reports()
    assert session.attendees["user:u-org"].role is AttendanceRole.ORGANIZER
