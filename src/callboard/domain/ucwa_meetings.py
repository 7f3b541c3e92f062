"""The Graph <-> UCWA mapping of an online meeting (pure: no I/O, no directory lookups).

A UCWA ``myOnlineMeeting`` is a view of a Graph ``onlineMeeting``: the same stored meeting,
the same id. What Graph has no place for is ``UcwaState``, stored beside the meeting
(``OnlineMeeting.ucwa``, part of its live document); ``UcwaMeeting`` is the meeting with
that state, and its ``view`` the typed ``MyOnlineMeeting``. The table is written down in
docs/ucwa.md ("The mapping").
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from callboard.clock import iso
from callboard.domain.directory import User
from callboard.domain.meeting_parts import LobbyBypassSettings, MeetingParticipantInfo
from callboard.domain.meetings import OnlineMeeting
from callboard.domain.ucwa_state import Extension, UcwaState, digest_id
from callboard.errors import UcwaError, invalid_parameter
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


# -- a Graph meeting seen through UCWA ---------------------------------------------------


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


@dataclass(frozen=True)
class MyOnlineMeeting:
    """A meeting as UCWA shows it: the myOnlineMeeting properties, typed, and its
    extensions. ``properties`` gives them in UCWA's order under UCWA's names; the JSON and
    XML are api/ucwa/representations.py's."""

    meeting_id: str
    assigned: bool
    access_level: str
    attendees: tuple[str, ...]
    automatic_leader_assignment: str
    conference_id: str
    description: str
    entry_exit_announcement: str
    expiration_time: Date
    join_url: str
    leaders: tuple[str, ...]
    legacy_online_meeting_uri: str
    lobby_bypass_for_phone_users: str
    online_meeting_id: str
    online_meeting_uri: str
    organizer_uri: str
    phone_user_admission: str
    subject: str
    put_property: str
    extensions: tuple[Extension, ...] = ()
    online_meeting_rel: str = "myOnlineMeetings"

    @property
    def rel(self) -> str:
        return "myAssignedOnlineMeeting" if self.assigned else "myOnlineMeeting"

    def properties(self) -> list[tuple[str, str | list[str] | Date]]:
        """(UCWA name, value) in the order UCWA lists them; the PUT property last."""
        return [
            ("accessLevel", self.access_level),
            ("attendees", list(self.attendees)),
            ("automaticLeaderAssignment", self.automatic_leader_assignment),
            ("conferenceId", self.conference_id),
            ("description", self.description),
            ("entryExitAnnouncement", self.entry_exit_announcement),
            ("expirationTime", self.expiration_time),
            ("joinUrl", self.join_url),
            ("leaders", list(self.leaders)),
            ("legacyOnlineMeetingUri", self.legacy_online_meeting_uri),
            ("lobbyBypassForPhoneUsers", self.lobby_bypass_for_phone_users),
            ("onlineMeetingId", self.online_meeting_id),
            ("onlineMeetingRel", self.online_meeting_rel),
            ("onlineMeetingUri", self.online_meeting_uri),
            ("organizerUri", self.organizer_uri),
            ("phoneUserAdmission", self.phone_user_admission),
            ("subject", self.subject),
            (self.put_property, PUT_VALUE),
        ]

    @property
    def etag(self) -> str:
        """Content-based: any change of the properties (through UCWA or Graph) changes it;
        embedded resources (extensions) do not, as UCWA's ETags work (docs/ucwa.md, ETags)."""
        return digest_id(
            {
                name: value.seconds if isinstance(value, Date) else value
                for name, value in self.properties()
            }
        )


@dataclass(frozen=True)
class DialIn:
    """A meeting's phoneDialInInformation: the conference id to dial in with, and the
    numbers of its Graph ``audioConferencing`` (when it has one)."""

    conference_id: str
    toll_number: str | None = None
    toll_free_numbers: tuple[str, ...] = ()


def _sip(upn: str) -> str:
    return f"sip:{upn}"


@dataclass
class UcwaMeeting:
    """A Graph meeting seen through UCWA: the stored meeting and UCWA's typed state beside it.
    Every change goes through a method here, which writes the state back into the meeting
    (``OnlineMeeting.ucwa``), so saving the meeting saves both."""

    meeting: OnlineMeeting
    state: UcwaState

    @classmethod
    def of(cls, meeting: OnlineMeeting) -> UcwaMeeting:
        return cls(meeting, UcwaState.parse(meeting.ucwa or None))

    def _write(self) -> None:
        self.meeting.ucwa = self.state.to_document()

    @property
    def id(self) -> str:
        return self.meeting.id

    @property
    def assigned(self) -> bool:
        return self.state.assigned

    @property
    def extensions(self) -> list[Extension]:
        return list(self.state.extensions)

    @property
    def online_meeting_id(self) -> str:
        if self.state.online_meeting_id:
            return self.state.online_meeting_id
        return base64.b32encode(_digest(self.meeting.id)).decode()[:8]

    @property
    def put_property(self) -> str:
        """The randomly-named property every PUT must carry (stable per meeting)."""
        if self.state.put_property:
            return self.state.put_property
        return "x" + _digest("put:" + self.meeting.id).hex()[:10]

    # -- changes ---------------------------------------------------------------------------

    def start(self, seed: str) -> None:
        """A meeting made through UCWA: its random onlineMeetingId and PUT property name."""
        digest = _digest(seed)
        self.state.online_meeting_id = base64.b32encode(digest).decode()[:8]
        self.state.put_property = "x" + digest.hex()[16:26]
        self.state.extensions = []
        self._write()

    def mark_assigned(self) -> None:
        self.state.assigned = True
        self._write()

    def add_extension(self, ext_id: str, kind: str | None) -> Extension:
        """``kind`` None: Undefined. 409 for an id already there."""
        if any(e.id == ext_id for e in self.state.extensions):
            raise UcwaError(409, "AlreadyExists", f"The extension {ext_id} already exists.")
        extension = Extension(ext_id, kind or "Undefined")
        self.state.extensions.append(extension)
        self._write()
        return extension

    def check_put(self, organizer: User, if_match: list[str], put_values: JsonObject) -> None:
        """A PUT's preconditions: ``if_match`` (the If-Match entity tags; none: the header is
        missing) names the current ETag, and the body carries the PUT property."""
        if not if_match:
            raise UcwaError(428, "PreconditionRequired", "A PUT needs an If-Match header.")
        if "*" not in if_match and self.view(organizer).etag not in if_match:
            raise UcwaError(412, "PreconditionFailed", "The resource has changed (stale ETag).")
        name = self.put_property
        if put_values.get(name) != PUT_VALUE:
            raise invalid_parameter(f"A PUT must carry the property {name} with its value.", name)

    def replace(
        self,
        props: MeetingProperties,
        expiration: float,
        resolved_attendees: list[JsonObject],
    ) -> None:
        """Write every UCWA property into the meeting (a whole-resource replace); Graph
        properties UCWA does not map (start, end, chat, passcode settings ...) are left
        alone."""
        meeting = self.meeting
        meeting.subject = props.subject
        meeting.properties["expiryDateTime"] = iso(expiration)
        meeting.properties["isEntryExitAnnounced"] = props.entry_exit_announcement == "Enabled"
        meeting.lobby_bypass = LobbyBypassSettings(
            _SCOPE_OF[props.access_level],
            props.lobby_bypass_for_phone_users == "Enabled",
            meeting.lobby_bypass.extra if meeting.lobby_bypass else {},
        )
        meeting.attendees = [MeetingParticipantInfo.parse(a) for a in resolved_attendees]
        self.state.access_level = props.access_level
        self.state.automatic_leader_assignment = props.automatic_leader_assignment
        self.state.phone_user_admission = props.phone_user_admission
        self.state.description = props.description
        self._write()

    # -- Graph -> UCWA ---------------------------------------------------------------------

    def dial_in(self) -> DialIn:
        audio = self.meeting.properties.get("audioConferencing") or {}
        return DialIn(
            conference_id=self.meeting.join_meeting_id,
            toll_number=audio.get("tollNumber"),
            toll_free_numbers=tuple(audio.get("tollFreeNumbers") or ()),
        )

    def _people(self, leaders: bool) -> tuple[str, ...]:
        return tuple(
            _sip(a.upn)
            for a in self.meeting.attendees
            if a.upn and (a.role in _LEADER_ROLES) == leaders
        )

    def _expiration(self) -> float:
        expiry = self.meeting.properties.get("expiryDateTime")
        if isinstance(expiry, str):
            try:
                return datetime.fromisoformat(expiry.replace("Z", "+00:00")).timestamp()
            except ValueError:
                pass
        return self.meeting.created_at + DEFAULT_LIFETIME

    def _access_level(self) -> str:
        bypass = self.meeting.lobby_bypass
        scope = (bypass.scope if bypass else None) or "organization"
        stored = self.state.access_level
        if stored is not None and stored in ACCESS_LEVELS and _SCOPE_OF[stored] == scope:
            return stored
        return _ACCESS_OF.get(scope, "SameEnterprise")

    def view(self, organizer: User) -> MyOnlineMeeting:
        """The myOnlineMeeting of this meeting, organised by ``organizer``."""
        meeting = self.meeting
        bypass = meeting.lobby_bypass
        om_id = self.online_meeting_id
        organizer_uri = _sip(organizer.user_principal_name)
        meeting_uri = f"{organizer_uri};gruu;opaque=app:conf:focus:id:{om_id}"
        conversation = str(uuid.UUID(bytes=_digest("conversation:" + meeting.id)[:16]))
        announced = meeting.properties.get("isEntryExitAnnounced")
        return MyOnlineMeeting(
            meeting_id=meeting.id,
            assigned=self.state.assigned,
            access_level=self._access_level(),
            attendees=self._people(leaders=False),
            automatic_leader_assignment=self.state.automatic_leader_assignment or "Disabled",
            conference_id=meeting.join_meeting_id,
            description=self.state.description or "",
            entry_exit_announcement="Enabled" if announced else "Disabled",
            expiration_time=Date(self._expiration()),
            join_url=meeting.join_web_url,
            leaders=self._people(leaders=True),
            legacy_online_meeting_uri=f"conf:{meeting_uri}?conversation-id={conversation}",
            lobby_bypass_for_phone_users="Enabled"
            if bypass is not None and bypass.is_dial_in_bypass_enabled
            else "Disabled",
            online_meeting_id=om_id,
            online_meeting_uri=meeting_uri,
            organizer_uri=organizer_uri,
            phone_user_admission=self.state.phone_user_admission or "Disabled",
            subject=meeting.subject or "",
            put_property=self.put_property,
            extensions=tuple(self.state.extensions),
        )


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
