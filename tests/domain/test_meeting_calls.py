"""The rules between a meeting and its calls, without I/O: a simulated person's roster
entry. (Bots joining, rosters fanned out, moves: tests/meetings/test_meeting_calls.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

from callboard.domain import meeting_factory
from callboard.domain.directory import Directory, User
from callboard.domain.identities import phone_identity_set
from callboard.domain.meeting_parts import JoinerKind, MeetingRequest, PersonSpec
from callboard.domain.meetings import OnlineMeeting

ALICE = User("a1", "t1", "Alice", "alice@example.com")
NOW = datetime(2030, 1, 1, 9, tzinfo=UTC).timestamp()
SEED = "12345678-1234-4234-8234-123456789abc"


def _meeting(body: dict[str, object]) -> OnlineMeeting:
    return meeting_factory.new_meeting(
        Directory(), ALICE, MeetingRequest.parse(dict(body)), now=NOW, seed_id=SEED
    )


def test_a_dial_in_waits_unless_phones_bypass_the_lobby() -> None:
    meeting = _meeting({})
    person = meeting.add_person(
        "p1", phone_identity_set("+1425"), JoinerKind.PHONE, PersonSpec(phone="+1425")
    )
    assert meeting.participant("p1") is person
    assert person.role is JoinerKind.PHONE and person.call_id is None
    entry = person.to_document()  # the stored form
    assert entry["id"] == "p1" and entry["_role"] == "phone" and entry["isInLobby"] is True
    assert entry["info"]["identity"] == phone_identity_set("+1425")
    streams = {s["mediaType"]: s["direction"] for s in entry["mediaStreams"]}
    assert streams == {
        "audio": "sendReceive",
        "video": "receiveOnly",
        "videoBasedScreenSharing": "receiveOnly",
    }
    bypass = _meeting(
        {"lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": True}}
    )
    muted = bypass.add_person(
        "p2", phone_identity_set("+1"), JoinerKind.PHONE, PersonSpec(phone="+1", muted=True)
    ).to_graph()
    assert muted["isInLobby"] is False and muted["isMuted"] is True
