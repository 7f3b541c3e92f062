"""The Graph <-> UCWA mapping of a meeting, on plain objects (no store, no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain import ucwa_meetings
from callboard.domain.directory import User
from callboard.domain.meetings import OnlineMeeting

ALICE = User("a11ce", "t1", "Alice", "alice@callboard.dev")
BOB = User("b0b", "t1", "Bob", "bob@callboard.dev")
CAROL = User("ca201", "t1", "Carol", "carol@callboard.dev")


def graph_meeting(**resource: Any) -> OnlineMeeting:
    """A meeting as Graph stores it, never touched through UCWA."""
    base: dict[str, Any] = {
        "subject": "Stand-up",
        "joinWebUrl": "https://teams.example/join",
        "joinMeetingIdSettings": {"joinMeetingId": "1234567890"},
        "chatInfo": {"threadId": "19:meeting_x@thread.v2"},
        "startDateTime": "2030-01-01T09:00:00.000Z",
        "endDateTime": "2030-01-01T10:00:00.000Z",
        "participants": {"organizer": {"upn": ALICE.user_principal_name}, "attendees": []},
    }
    return OnlineMeeting.from_graph(
        "meeting-1", "t1", ALICE.id, {**base, **resource}, created_at=1000.0
    )


def test_a_graph_meeting_reads_as_ucwa_defaults() -> None:
    meeting = graph_meeting()
    props = ucwa_meetings.properties(meeting, ALICE)
    assert props["subject"] == "Stand-up"
    assert props["conferenceId"] == "1234567890"
    assert props["joinUrl"] == "https://teams.example/join"
    assert props["organizerUri"] == "sip:alice@callboard.dev"
    assert props["accessLevel"] == "SameEnterprise"
    assert props["automaticLeaderAssignment"] == "Disabled"
    assert props["phoneUserAdmission"] == "Disabled"
    assert props["entryExitAnnouncement"] == "Disabled"
    assert props["lobbyBypassForPhoneUsers"] == "Disabled"
    assert props["description"] == ""
    assert props["expirationTime"] == ucwa_meetings.Date(1000.0 + ucwa_meetings.DEFAULT_LIFETIME)
    om_id = props["onlineMeetingId"]
    assert len(om_id) == 8
    assert props["onlineMeetingUri"] == (
        f"sip:alice@callboard.dev;gruu;opaque=app:conf:focus:id:{om_id}"
    )
    assert props["legacyOnlineMeetingUri"].startswith(f"conf:{props['onlineMeetingUri']}?")
    # Derived from the id, so stable across reads, and the PUT property with it.
    again = ucwa_meetings.properties(graph_meeting(), ALICE)
    assert again["onlineMeetingId"] == om_id
    assert props[ucwa_meetings.put_property(meeting)] == ucwa_meetings.PUT_VALUE
    assert ucwa_meetings.put_property(meeting) == ucwa_meetings.put_property(graph_meeting())


def test_a_ucwa_meeting_has_its_own_random_ids() -> None:
    meeting = graph_meeting()
    derived = ucwa_meetings.online_meeting_id(meeting), ucwa_meetings.put_property(meeting)
    ucwa_meetings.start_ucwa_meeting(meeting, "seed-1")
    assert (
        ucwa_meetings.online_meeting_id(meeting),
        ucwa_meetings.put_property(meeting),
    ) != derived
    assert ucwa_meetings.extensions(meeting) == []
    other = graph_meeting()
    ucwa_meetings.start_ucwa_meeting(other, "seed-2")
    assert ucwa_meetings.online_meeting_id(other) != ucwa_meetings.online_meeting_id(meeting)


@pytest.mark.parametrize(
    ("scope", "access"),
    [
        ("organizer", "Locked"),
        ("organization", "SameEnterprise"),
        ("organizationAndFederated", "SameEnterprise"),
        ("organizationExcludingGuests", "SameEnterprise"),
        ("invited", "Invited"),
        ("everyone", "Everyone"),
        ("somethingNew", "SameEnterprise"),
    ],
)
def test_access_level_from_the_lobby_scope(scope: str, access: str) -> None:
    meeting = graph_meeting(lobbyBypassSettings={"scope": scope})
    assert ucwa_meetings.properties(meeting, ALICE)["accessLevel"] == access


@pytest.mark.parametrize(
    ("access", "scope"),
    [
        ("None", "organization"),
        ("SameEnterprise", "organization"),
        ("Locked", "organizer"),
        ("Invited", "invited"),
        ("Everyone", "everyone"),
    ],
)
def test_access_level_round_trip(access: str, scope: str) -> None:
    meeting = graph_meeting()
    ucwa_meetings.replace(meeting, ucwa_meetings.MeetingProperties(access_level=access), 5000.0, [])
    assert meeting.resource["lobbyBypassSettings"]["scope"] == scope
    assert ucwa_meetings.properties(meeting, ALICE)["accessLevel"] == access


def test_none_reads_back_only_while_the_scope_is_unchanged() -> None:
    meeting = graph_meeting()
    ucwa_meetings.replace(meeting, ucwa_meetings.MeetingProperties(access_level="None"), 5000.0, [])
    meeting.apply_update({"lobbyBypassSettings": {"scope": "everyone"}})  # a Graph PATCH
    assert ucwa_meetings.properties(meeting, ALICE)["accessLevel"] == "Everyone"


def test_leaders_and_attendees_from_graph_roles() -> None:
    attendees = [
        {"upn": "bob@callboard.dev", "role": "attendee"},
        {"upn": "carol@callboard.dev", "role": "presenter"},
        {"upn": "dan@callboard.dev", "role": "coorganizer"},
        {"upn": "erin@callboard.dev", "role": "producer"},
        {"upn": "frank@callboard.dev"},
        {"identity": {"phone": {"id": "+14255550100"}}},  # no upn: not shown
    ]
    meeting = graph_meeting(participants={"attendees": attendees})
    props = ucwa_meetings.properties(meeting, ALICE)
    assert props["attendees"] == ["sip:bob@callboard.dev", "sip:frank@callboard.dev"]
    assert props["leaders"] == [
        "sip:carol@callboard.dev",
        "sip:dan@callboard.dev",
        "sip:erin@callboard.dev",
    ]


def test_roster_entries_list_each_person_once_and_never_the_organizer() -> None:
    entries = ucwa_meetings.roster_entries(ALICE, leaders=[CAROL, ALICE], attendees=[BOB, CAROL])
    assert entries == [
        {"upn": "carol@callboard.dev", "role": "presenter"},
        {"upn": "bob@callboard.dev", "role": "attendee"},
    ]


def test_replace_writes_the_mapped_properties_and_leaves_the_others() -> None:
    meeting = graph_meeting(
        startDateTime="2026-12-01T10:00:00.000Z",
        lobbyBypassSettings={"scope": "organization", "isDialInBypassEnabled": False},
    )
    props = ucwa_meetings.MeetingProperties(
        access_level="Everyone",
        automatic_leader_assignment="SameEnterprise",
        entry_exit_announcement="Enabled",
        lobby_bypass_for_phone_users="Enabled",
        phone_user_admission="Enabled",
        subject="Review",
        description="Quarterly",
    )
    resolved = [{"upn": "bob@callboard.dev", "role": "attendee"}]
    ucwa_meetings.replace(meeting, props, 1_800_000_000.0, resolved)
    resource = meeting.resource
    assert resource["subject"] == "Review"
    assert resource["expiryDateTime"] == "2027-01-15T08:00:00.000Z"
    assert resource["isEntryExitAnnounced"] is True
    assert resource["lobbyBypassSettings"] == {"scope": "everyone", "isDialInBypassEnabled": True}
    assert resource["participants"]["attendees"] == resolved
    assert resource["participants"]["organizer"] == {"upn": "alice@callboard.dev"}
    assert resource["startDateTime"] == "2026-12-01T10:00:00.000Z"  # not UCWA's
    read = ucwa_meetings.properties(meeting, ALICE)
    assert read["description"] == "Quarterly"
    assert read["automaticLeaderAssignment"] == "SameEnterprise"
    assert read["phoneUserAdmission"] == "Enabled"
    assert read["expirationTime"] == ucwa_meetings.Date(1_800_000_000.0)
    # UCWA-only properties stay out of the Graph resource.
    assert "ucwa" not in resource
    assert "description" not in resource
    assert meeting.ucwa["description"] == "Quarterly"


def test_etag_follows_properties_not_extensions() -> None:
    meeting = graph_meeting()
    tag = ucwa_meetings.etag(meeting, ALICE)
    assert ucwa_meetings.etag(meeting, ALICE) == tag
    ucwa_meetings.extensions(meeting).append({"id": "1", "type": "Undefined"})
    assert ucwa_meetings.etag(meeting, ALICE) == tag
    meeting.apply_update({"subject": "changed through Graph"})
    assert ucwa_meetings.etag(meeting, ALICE) != tag


def test_assigned_flag() -> None:
    meeting = graph_meeting()
    assert not ucwa_meetings.is_assigned(meeting)
    ucwa_meetings.mark_assigned(meeting)
    assert ucwa_meetings.is_assigned(meeting)


def test_resource_etag_is_a_content_digest() -> None:
    assert ucwa_meetings.resource_etag({"a": 1, "b": 2}) == ucwa_meetings.resource_etag(
        {"b": 2, "a": 1}
    )
    assert ucwa_meetings.resource_etag({"a": 1}) != ucwa_meetings.resource_etag({"a": 2})


@pytest.mark.parametrize(
    ("uri", "upn"),
    [
        ("sip:bob@callboard.dev", "bob@callboard.dev"),
        ("SIP:bob@callboard.dev", "bob@callboard.dev"),
        ("sip: bob@callboard.dev ", "bob@callboard.dev"),  # whitespace inside is ignored
        ("bob@callboard.dev", None),
        ("sip:bob", None),
        ("sip:bob@x;gruu", None),
        ("tel:+14255550100", None),
    ],
)
def test_sip_upn(uri: str, upn: str | None) -> None:
    assert ucwa_meetings.sip_upn(uri) == upn


def test_parse_date() -> None:
    assert ucwa_meetings.parse_date("/Date(1700000000000)/") == 1_700_000_000.0
    assert ucwa_meetings.parse_date("\\/Date(-1000)\\/") == -1.0
    assert ucwa_meetings.parse_date("2023-11-14T22:13:20+00:00") == 1_700_000_000.0
    assert ucwa_meetings.parse_date("2023-11-14T22:13:20Z") == 1_700_000_000.0
    with pytest.raises(ValueError, match="not a date-time"):
        ucwa_meetings.parse_date("tomorrow")
    with pytest.raises(ValueError, match="time zone offset"):
        ucwa_meetings.parse_date("2023-11-14T22:13:20")


def test_expiration_window() -> None:
    now = 1_700_000_000.0
    assert ucwa_meetings.expiration_allowed(now - ucwa_meetings.YEAR, now)
    assert ucwa_meetings.expiration_allowed(now + 10 * ucwa_meetings.YEAR, now)
    assert not ucwa_meetings.expiration_allowed(now - ucwa_meetings.YEAR - 1, now)
    assert not ucwa_meetings.expiration_allowed(now + 10 * ucwa_meetings.YEAR + 1, now)
