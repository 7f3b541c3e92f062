"""The Graph <-> UCWA mapping of an online meeting (pure: no I/O, no directory lookups).

A UCWA ``myOnlineMeeting`` is a view of a Graph ``onlineMeeting``: the same stored meeting,
the same id. What Graph has no place for lives in ``meeting.ucwa``. The table is
written down in docs/ucwa.md ("The mapping").
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from callboard.clock import iso
from callboard.domain.directory import User
from callboard.domain.meeting_parts import LobbyBypassSettings, MeetingParticipantInfo
from callboard.domain.meetings import OnlineMeeting
from callboard.json_types import JsonObject

PUT_VALUE = "please pass me in a PUT request"
HOUR = 3600.0
YEAR = 365 * 24 * HOUR
DEFAULT_LIFETIME = 8 * HOUR  # expirationTime when a client gives none

AccessLevel = Literal["None", "SameEnterprise", "Locked", "Invited", "Everyone"]
LeaderAssignment = Literal["Disabled", "SameEnterprise", "Everyone"]
EntryExit = Literal["Unsupported", "Disabled", "Enabled"]
OnOff = Literal["Disabled", "Enabled"]
ExtensionType = Literal["Undefined", "RoamedOrganizerData", "RoamedParticipantData"]

ACCESS_LEVELS: tuple[str, ...] = get_args(AccessLevel)
LEADER_ASSIGNMENT: tuple[str, ...] = get_args(LeaderAssignment)
ENTRY_EXIT: tuple[str, ...] = get_args(EntryExit)
ON_OFF: tuple[str, ...] = get_args(OnOff)
EXTENSION_TYPES: tuple[str, ...] = get_args(ExtensionType)

# accessLevel -> Graph lobbyBypassSettings.scope, and back.
_SCOPE_OF = {
    "None": "organization",
    "SameEnterprise": "organization",
    "Locked": "organizer",
    "Invited": "invited",
    "Everyone": "everyone",
}
_ACCESS_OF = {
    "organizer": "Locked",
    "organization": "SameEnterprise",
    "organizationAndFederated": "SameEnterprise",
    "organizationExcludingGuests": "SameEnterprise",
    "invited": "Invited",
    "everyone": "Everyone",
}
# Graph roles that UCWA shows as leaders; every other attendee is an attendee.
_LEADER_ROLES = ("presenter", "coorganizer", "producer")

_SIP = re.compile(r"^sip:(?P<upn>[^@\s;]+@[^@\s;]+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Date:
    """A date-time property: ``\\/Date(ms)\\/`` in JSON, ISO 8601 with offset in XML."""

    seconds: float


@dataclass(frozen=True)
class MeetingProperties:
    """What a client writes in a POST or PUT, syntax already checked; None: the default."""

    access_level: str = "SameEnterprise"
    automatic_leader_assignment: str = "Disabled"
    entry_exit_announcement: str = "Disabled"
    lobby_bypass_for_phone_users: str = "Disabled"
    phone_user_admission: str = "Disabled"
    subject: str = ""
    description: str = ""
    expiration: float | None = None
    attendees: list[str] = field(default_factory=list)
    leaders: list[str] = field(default_factory=list)


def sip_upn(uri: str) -> str | None:
    """The UPN of a ``sip:user@domain`` URI (whitespace inside ignored), or None."""
    match = _SIP.match(re.sub(r"\s+", "", uri))
    return None if match is None else match["upn"]


def parse_date(value: str) -> float:
    """``\\/Date(ms)\\/`` or ISO 8601 with an offset, in seconds; ValueError otherwise."""
    match = re.fullmatch(r"\\?/Date\((-?\d+)\)\\?/", value.strip())
    if match is not None:
        return int(match[1]) / 1000
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"expirationTime is not a date-time: {value!r}.") from None
    if parsed.tzinfo is None:
        raise ValueError("expirationTime needs a time zone offset.")
    return parsed.timestamp()


def expiration_allowed(seconds: float, now: float) -> bool:
    """expirationTime must lie between one year before and ten years after now."""
    return now - YEAR <= seconds <= now + 10 * YEAR


# -- what UCWA keeps that Graph has no place for -----------------------------------------


def ucwa_state(meeting: OnlineMeeting) -> JsonObject:
    return meeting.ucwa


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def start_ucwa_meeting(meeting: OnlineMeeting, seed: str) -> None:
    """Give a meeting made through UCWA its random onlineMeetingId and PUT property name."""
    ucwa = ucwa_state(meeting)
    digest = _digest(seed)
    ucwa["onlineMeetingId"] = base64.b32encode(digest).decode()[:8]
    ucwa["putProperty"] = "x" + digest.hex()[16:26]
    ucwa["extensions"] = []


def online_meeting_id(meeting: OnlineMeeting) -> str:
    stored = ucwa_state(meeting).get("onlineMeetingId")
    if stored:
        return str(stored)
    return base64.b32encode(_digest(meeting.id)).decode()[:8]


def put_property(meeting: OnlineMeeting) -> str:
    """The randomly-named property every PUT must carry (stable per meeting)."""
    stored = ucwa_state(meeting).get("putProperty")
    if stored:
        return str(stored)
    return "x" + _digest("put:" + meeting.id).hex()[:10]


def is_assigned(meeting: OnlineMeeting) -> bool:
    return bool(ucwa_state(meeting).get("assigned"))


def mark_assigned(meeting: OnlineMeeting) -> None:
    ucwa_state(meeting)["assigned"] = True


def extensions(meeting: OnlineMeeting) -> list[JsonObject]:
    result: list[JsonObject] = ucwa_state(meeting).setdefault("extensions", [])
    return result


# -- Graph -> UCWA ----------------------------------------------------------------------


def _sip(upn: str) -> str:
    return f"sip:{upn}"


def _people(meeting: OnlineMeeting, leaders: bool) -> list[str]:
    result = []
    for attendee in meeting.attendees:
        if not attendee.upn:
            continue
        if (attendee.role in _LEADER_ROLES) == leaders:
            result.append(_sip(attendee.upn))
    return result


def _expiration(meeting: OnlineMeeting) -> float:
    expiry = meeting.properties.get("expiryDateTime")
    if isinstance(expiry, str):
        try:
            return datetime.fromisoformat(expiry.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return meeting.created_at + DEFAULT_LIFETIME


def _access_level(meeting: OnlineMeeting) -> str:
    scope = (meeting.lobby_bypass.scope if meeting.lobby_bypass else None) or "organization"
    stored = ucwa_state(meeting).get("accessLevel")
    if stored in ACCESS_LEVELS and _SCOPE_OF[stored] == scope:
        return str(stored)
    return _ACCESS_OF.get(scope, "SameEnterprise")


def properties(meeting: OnlineMeeting, organizer: User) -> JsonObject:
    """The myOnlineMeeting properties of a stored meeting, in the order UCWA lists them."""
    ucwa = ucwa_state(meeting)
    bypass = meeting.lobby_bypass
    om_id = online_meeting_id(meeting)
    organizer_uri = _sip(organizer.user_principal_name)
    meeting_uri = f"{organizer_uri};gruu;opaque=app:conf:focus:id:{om_id}"
    conversation = str(uuid.UUID(bytes=_digest("conversation:" + meeting.id)[:16]))
    announced = meeting.properties.get("isEntryExitAnnounced")
    return {
        "accessLevel": _access_level(meeting),
        "attendees": _people(meeting, leaders=False),
        "automaticLeaderAssignment": ucwa.get("automaticLeaderAssignment") or "Disabled",
        "conferenceId": meeting.join_meeting_id,
        "description": ucwa.get("description") or "",
        "entryExitAnnouncement": "Enabled" if announced else "Disabled",
        "expirationTime": Date(_expiration(meeting)),
        "joinUrl": meeting.join_web_url,
        "leaders": _people(meeting, leaders=True),
        "legacyOnlineMeetingUri": f"conf:{meeting_uri}?conversation-id={conversation}",
        "lobbyBypassForPhoneUsers": "Enabled"
        if bypass is not None and bypass.is_dial_in_bypass_enabled
        else "Disabled",
        "onlineMeetingId": om_id,
        "onlineMeetingRel": "myOnlineMeetings",
        "onlineMeetingUri": meeting_uri,
        "organizerUri": organizer_uri,
        "phoneUserAdmission": ucwa.get("phoneUserAdmission") or "Disabled",
        "subject": meeting.subject or "",
        put_property(meeting): PUT_VALUE,
    }


def etag(meeting: OnlineMeeting, organizer: User) -> str:
    """Content-based: any change of the properties (through UCWA or Graph) changes it;
    embedded resources (extensions) do not, as UCWA's ETags work (docs/ucwa.md, ETags)."""
    props = properties(meeting, organizer)
    props["expirationTime"] = props["expirationTime"].seconds
    text = json.dumps(props, sort_keys=True)
    return str(uuid.UUID(bytes=_digest(text)[:16]))


def resource_etag(document: JsonObject) -> str:
    """An ETag for a resource that does not change once created (applications, extensions)."""
    return str(uuid.UUID(bytes=_digest(json.dumps(document, sort_keys=True))[:16]))


# -- UCWA -> Graph ----------------------------------------------------------------------


def roster_entries(organizer: User, leaders: list[User], attendees: list[User]) -> list[JsonObject]:
    """Graph attendee entries (upn, role) for UCWA's leaders and attendees, each person once;
    the organizer leads without being listed."""
    entries: list[JsonObject] = []
    seen: set[str] = {organizer.id}
    for role, people in (("presenter", leaders), ("attendee", attendees)):
        for person in people:
            if person.id not in seen:
                seen.add(person.id)
                entries.append({"upn": person.user_principal_name, "role": role})
    return entries


def replace(
    meeting: OnlineMeeting,
    props: MeetingProperties,
    expiration: float,
    resolved_attendees: list[JsonObject],
) -> None:
    """Write every UCWA property into the meeting (a whole-resource replace); Graph
    properties UCWA does not map (start, end, chat, passcode settings ...) are left alone."""
    meeting.subject = props.subject
    meeting.properties["expiryDateTime"] = iso(expiration)
    meeting.properties["isEntryExitAnnounced"] = props.entry_exit_announcement == "Enabled"
    meeting.lobby_bypass = LobbyBypassSettings(
        _SCOPE_OF[props.access_level],
        props.lobby_bypass_for_phone_users == "Enabled",
        meeting.lobby_bypass.extra if meeting.lobby_bypass else {},
    )
    meeting.attendees = [MeetingParticipantInfo.parse(a) for a in resolved_attendees]
    ucwa_state(meeting).update(
        {
            "accessLevel": props.access_level,
            "automaticLeaderAssignment": props.automatic_leader_assignment,
            "phoneUserAdmission": props.phone_user_admission,
            "description": props.description,
        }
    )
