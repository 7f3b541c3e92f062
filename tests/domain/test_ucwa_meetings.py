"""The Graph <-> UCWA mapping of a meeting, on plain objects (no store, no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain import ucwa_meetings
from callboard.domain.directory import User
from callboard.domain.meeting_parts import MeetingPatch
from callboard.domain.meetings import OnlineMeeting
from callboard.domain.ucwa_applications import ApplicationRequest, UcwaApplication
from callboard.domain.ucwa_meetings import DialIn, MyOnlineMeeting, UcwaMeeting
from callboard.domain.ucwa_state import Extension, UcwaState
from callboard.errors import UcwaError

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


def ucwa(**resource: Any) -> UcwaMeeting:
    return UcwaMeeting.of(graph_meeting(**resource))


def props(meeting: UcwaMeeting, organizer: User = ALICE) -> dict[str, Any]:
    """The view's properties by UCWA name."""
    return dict(meeting.view(organizer).properties())


def test_a_graph_meeting_reads_as_ucwa_defaults() -> None:
    meeting = ucwa()
    view = meeting.view(ALICE)
    assert view.subject == "Stand-up"
    assert view.rel == "myOnlineMeeting"
    props = dict(view.properties())
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
    again = ucwa().view(ALICE)
    assert again.online_meeting_id == om_id
    assert props[meeting.put_property] == ucwa_meetings.PUT_VALUE
    assert meeting.put_property == ucwa().put_property
    # Reading changes nothing: a Graph meeting gets UCWA state only when UCWA writes it.
    assert "ucwa" not in meeting.meeting.live_document()


def test_a_ucwa_meeting_has_its_own_random_ids() -> None:
    meeting = ucwa()
    derived = meeting.online_meeting_id, meeting.put_property
    meeting.start("seed-1")
    assert (meeting.online_meeting_id, meeting.put_property) != derived
    assert meeting.extensions == []
    other = ucwa()
    other.start("seed-2")
    assert other.online_meeting_id != meeting.online_meeting_id
    # The ids are stored: the meeting read again keeps them.
    assert UcwaMeeting.of(meeting.meeting).online_meeting_id == meeting.online_meeting_id


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
    meeting = ucwa(lobbyBypassSettings={"scope": scope})
    assert meeting.view(ALICE).access_level == access


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
    meeting = ucwa()
    meeting.replace(ucwa_meetings.MeetingProperties(access_level=access), 5000.0, [])
    assert meeting.meeting.resource["lobbyBypassSettings"]["scope"] == scope
    assert meeting.view(ALICE).access_level == access
    assert UcwaMeeting.of(meeting.meeting).view(ALICE).access_level == access  # stored


def test_none_reads_back_only_while_the_scope_is_unchanged() -> None:
    meeting = ucwa()
    meeting.replace(ucwa_meetings.MeetingProperties(access_level="None"), 5000.0, [])
    meeting.meeting.apply_update(
        MeetingPatch.parse({"lobbyBypassSettings": {"scope": "everyone"}})
    )  # a Graph PATCH
    assert meeting.view(ALICE).access_level == "Everyone"


def test_leaders_and_attendees_from_graph_roles() -> None:
    attendees = [
        {"upn": "bob@callboard.dev", "role": "attendee"},
        {"upn": "carol@callboard.dev", "role": "presenter"},
        {"upn": "dan@callboard.dev", "role": "coorganizer"},
        {"upn": "erin@callboard.dev", "role": "producer"},
        {"upn": "frank@callboard.dev"},
        {"identity": {"phone": {"id": "+14255550100"}}},  # no upn: not shown
    ]
    meeting = ucwa(participants={"attendees": attendees})
    read = props(meeting)
    assert read["attendees"] == ["sip:bob@callboard.dev", "sip:frank@callboard.dev"]
    assert read["leaders"] == [
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
    meeting = ucwa(
        startDateTime="2026-12-01T10:00:00.000Z",
        lobbyBypassSettings={"scope": "organization", "isDialInBypassEnabled": False},
    )
    written = ucwa_meetings.MeetingProperties(
        access_level="Everyone",
        automatic_leader_assignment="SameEnterprise",
        entry_exit_announcement="Enabled",
        lobby_bypass_for_phone_users="Enabled",
        phone_user_admission="Enabled",
        subject="Review",
        description="Quarterly",
    )
    resolved = [{"upn": "bob@callboard.dev", "role": "attendee"}]
    meeting.replace(written, 1_800_000_000.0, resolved)
    resource = meeting.meeting.resource
    assert resource["subject"] == "Review"
    assert resource["expiryDateTime"] == "2027-01-15T08:00:00.000Z"
    assert resource["isEntryExitAnnounced"] is True
    assert resource["lobbyBypassSettings"] == {"scope": "everyone", "isDialInBypassEnabled": True}
    assert resource["participants"]["attendees"] == resolved
    assert resource["participants"]["organizer"] == {"upn": "alice@callboard.dev"}
    assert resource["startDateTime"] == "2026-12-01T10:00:00.000Z"  # not UCWA's
    read = props(meeting)
    assert read["description"] == "Quarterly"
    assert read["automaticLeaderAssignment"] == "SameEnterprise"
    assert read["phoneUserAdmission"] == "Enabled"
    assert read["expirationTime"] == ucwa_meetings.Date(1_800_000_000.0)
    # UCWA-only properties stay out of the Graph resource.
    assert "ucwa" not in resource
    assert "description" not in resource
    assert meeting.meeting.ucwa["description"] == "Quarterly"
    assert UcwaMeeting.of(meeting.meeting).state == meeting.state


def test_etag_follows_properties_not_extensions() -> None:
    meeting = ucwa()
    tag = meeting.view(ALICE).etag
    assert meeting.view(ALICE).etag == tag
    meeting.add_extension("1", None)
    assert meeting.view(ALICE).etag == tag
    meeting.meeting.apply_update(MeetingPatch.parse({"subject": "changed through Graph"}))
    assert meeting.view(ALICE).etag != tag


def test_assigned_flag() -> None:
    meeting = ucwa()
    assert not meeting.assigned
    meeting.mark_assigned()
    assert meeting.assigned
    assert meeting.view(ALICE).rel == "myAssignedOnlineMeeting"
    assert UcwaMeeting.of(meeting.meeting).assigned


def test_resource_etag_is_a_content_digest() -> None:
    assert Extension("1", "Undefined").etag == Extension("1", "Undefined").etag
    assert Extension("1", "Undefined").etag != Extension("2", "Undefined").etag
    assert Extension("1", "Undefined").etag != Extension("1", "RoamedOrganizerData").etag
    request = ApplicationRequest(culture="en-US", endpoint_id="ep-1", user_agent="t/1")
    app = UcwaApplication("101", "t1", "u1", request)
    assert app.etag == UcwaApplication("101", "t1", "u1", request).etag
    assert app.etag != UcwaApplication("102", "t1", "u1", request).etag


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


def test_extensions_are_unique_by_id() -> None:
    meeting = ucwa()
    made = meeting.add_extension("e1", None)
    assert made == Extension("e1", "Undefined")
    with pytest.raises(UcwaError) as caught:
        meeting.add_extension("e1", "RoamedParticipantData")
    assert (caught.value.status_code, caught.value.subcode) == (409, "AlreadyExists")
    assert UcwaMeeting.of(meeting.meeting).extensions == [made]
    assert meeting.view(ALICE).extensions == (made,)


def test_put_preconditions_in_order() -> None:
    meeting = ucwa()
    view: MyOnlineMeeting = meeting.view(ALICE)
    put = {meeting.put_property: ucwa_meetings.PUT_VALUE}

    def refused(if_match: list[str], values: dict[str, Any]) -> UcwaError:
        with pytest.raises(UcwaError) as caught:
            meeting.check_put(ALICE, if_match, values)
        return caught.value

    assert refused([], put).status_code == 428
    assert refused(["stale"], put).status_code == 412
    error = refused([view.etag], {})
    assert (error.status_code, error.parameters) == (400, [meeting.put_property])
    meeting.check_put(ALICE, [view.etag], put)
    meeting.check_put(ALICE, ["*"], put)


def test_dial_in_information_from_the_graph_meeting() -> None:
    assert ucwa().dial_in() == DialIn("1234567890")
    numbers = {"tollNumber": "+14255550199", "tollFreeNumbers": ["+18005550199"]}
    meeting = ucwa(audioConferencing=numbers)
    assert meeting.dial_in() == DialIn("1234567890", "+14255550199", ("+18005550199",))


def test_the_state_is_stored_under_ucwa_in_the_meeting_live_document() -> None:
    meeting = graph_meeting()
    assert "ucwa" not in meeting.live_document()
    assert UcwaMeeting.of(meeting).state == UcwaState()
    seen = UcwaMeeting.of(meeting)
    seen.mark_assigned()
    seen.add_extension("e1", None)
    live = meeting.live_document()
    assert live["ucwa"] == {"assigned": True, "extensions": [{"id": "e1", "type": "Undefined"}]}
    stored = OnlineMeeting.from_graph(
        meeting.id, meeting.tenant_id, meeting.organizer_id, meeting.resource, live
    )
    assert UcwaMeeting.of(stored).state == seen.state
