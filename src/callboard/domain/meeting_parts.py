"""The typed parts of an online meeting's Graph resource: its people, lobby bypass, join
settings, chat and content-sharing sessions, each with its Graph JSON (read and written
here only, so the stored document and the wire share one shape).

Identity sets stay Graph's JSON (as ``Participant.identity`` does for calls); ``extra``
holds what a client sent beyond the declared properties (Graph's open types), echoed back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum

from callboard.errors import BadRequest
from callboard.json_types import JsonObject

PARTICIPANT_INFO = "#microsoft.graph.meetingParticipantInfo"
CHAT_INFO = "#microsoft.graph.chatInfo"
SHARING_SESSION = "#microsoft.graph.contentSharingSession"


class LobbyScope(StrEnum):
    """``lobbyBypassSettings.scope``; who skips the lobby for each, by kind of joiner."""

    ORGANIZER = "organizer"
    ORGANIZATION = "organization"
    ORGANIZATION_AND_FEDERATED = "organizationAndFederated"
    ORGANIZATION_EXCLUDING_GUESTS = "organizationExcludingGuests"
    EVERYONE = "everyone"
    INVITED = "invited"

    @classmethod
    def of(cls, value: str | None) -> LobbyScope:
        """Graph's default (``organization``) for an absent or unknown scope."""
        try:
            return cls(value or cls.ORGANIZATION)
        except ValueError:
            return cls.ORGANIZATION


class JoinerKind(StrEnum):
    """How the lobby sees someone joining (and a person's role in the roster and the
    attendance report): the lobby bypass settings decide by kind."""

    ORGANIZER = "organizer"
    INVITED = "invited"
    ORGANIZATION = "organization"
    FEDERATED = "federated"
    ANONYMOUS = "anonymous"
    PHONE = "phone"


_BYPASS: dict[LobbyScope, frozenset[str]] = {
    LobbyScope.ORGANIZER: frozenset({"organizer"}),
    LobbyScope.ORGANIZATION: frozenset({"organizer", "organization"}),
    LobbyScope.ORGANIZATION_AND_FEDERATED: frozenset({"organizer", "organization", "federated"}),
    LobbyScope.ORGANIZATION_EXCLUDING_GUESTS: frozenset({"organizer", "organization"}),
    LobbyScope.EVERYONE: frozenset(
        {"organizer", "organization", "federated", "anonymous", "phone"}
    ),
    LobbyScope.INVITED: frozenset({"organizer", "invited"}),
}


@dataclass
class LobbyBypassSettings:
    # The scope as the client wrote it (an evolvable member stays what it was).
    scope: str | None = LobbyScope.ORGANIZATION.value
    is_dial_in_bypass_enabled: bool | None = False
    extra: JsonObject = field(default_factory=dict)

    @classmethod
    def parse(cls, data: JsonObject) -> LobbyBypassSettings:
        rest = {k: v for k, v in data.items() if k not in ("scope", "isDialInBypassEnabled")}
        return cls(data.get("scope"), data.get("isDialInBypassEnabled"), rest)

    def to_graph(self) -> JsonObject:
        return {
            **self.extra,
            "scope": self.scope,
            "isDialInBypassEnabled": self.is_dial_in_bypass_enabled,
        }

    def must_wait(self, joiner_kind: JoinerKind) -> bool:
        if joiner_kind == JoinerKind.PHONE and self.is_dial_in_bypass_enabled:
            return False
        allowed = _BYPASS[LobbyScope.of(self.scope)]
        if joiner_kind == JoinerKind.INVITED:
            return not ({"invited", "organization"} & allowed)
        return joiner_kind not in allowed


@dataclass(frozen=True)
class JoinMeetingIdSettings:
    join_meeting_id: str
    passcode: str | None
    is_passcode_required: bool = False

    @classmethod
    def parse(cls, data: JsonObject) -> JoinMeetingIdSettings:
        return cls(
            str(data["joinMeetingId"]), data.get("passcode"), bool(data.get("isPasscodeRequired"))
        )

    def to_graph(self) -> JsonObject:
        return {
            "isPasscodeRequired": self.is_passcode_required,
            "joinMeetingId": self.join_meeting_id,
            "passcode": self.passcode,
        }


@dataclass(frozen=True)
class ChatInfo:
    thread_id: str
    message_id: str | None = "0"
    reply_chain_message_id: str | None = None

    @classmethod
    def parse(cls, data: JsonObject) -> ChatInfo:
        return cls(data["threadId"], data.get("messageId"), data.get("replyChainMessageId"))

    def to_graph(self) -> JsonObject:
        return {
            "@odata.type": CHAT_INFO,
            "threadId": self.thread_id,
            "messageId": self.message_id,
            "replyChainMessageId": self.reply_chain_message_id,
        }


@dataclass
class MeetingParticipantInfo:
    """An organizer or attendee of the meeting (not who is in it now: that is the roster)."""

    # The identitySet, as Graph has it; None when the client named the person by UPN only.
    identity: JsonObject | None
    upn: str | None = None
    role: str | None = "attendee"
    extra: JsonObject = field(default_factory=dict)

    @property
    def user_id(self) -> str | None:
        user = (self.identity or {}).get("user") or {}
        found = user.get("id")
        return None if found is None else str(found)

    @classmethod
    def parse(cls, data: JsonObject) -> MeetingParticipantInfo:
        rest = {k: v for k, v in data.items() if k not in ("identity", "upn", "role")}
        return cls(data.get("identity"), data.get("upn"), data.get("role"), rest)

    @classmethod
    def parse_attendee(cls, data: JsonObject) -> MeetingParticipantInfo:
        """An attendee as a client sent it: typed meetingParticipantInfo, ``role``
        ``attendee`` unless given (an explicit null stays null, and is not rendered)."""
        attendee = cls.parse(data)
        if "role" not in data:
            attendee.role = "attendee"
        attendee.extra.setdefault("@odata.type", PARTICIPANT_INFO)
        return attendee

    def to_graph(self) -> JsonObject:
        document: JsonObject = dict(self.extra)
        if self.identity is not None:
            document["identity"] = self.identity
        document["upn"] = self.upn
        if self.role is not None:
            document["role"] = self.role
        return document


@dataclass(frozen=True)
class ContentSharingSession:
    id: str
    sharer_id: str

    @classmethod
    def parse(cls, data: JsonObject) -> ContentSharingSession:
        return cls(data["id"], data["_sharer"])

    def to_graph(self) -> JsonObject:
        return {"@odata.type": SHARING_SESSION, "id": self.id}

    def to_document(self) -> JsonObject:
        """The stored form: the Graph JSON plus who shares."""
        return {**self.to_graph(), "_sharer": self.sharer_id}


@dataclass(frozen=True)
class PersonSpec:
    """A simulated person joining a meeting (the admin API's body, a fixture's ``present``):
    a directory user, a phone, or, with neither, an anonymous guest."""

    user_id: str | None = None
    phone: str | None = None
    display_name: str | None = None
    modalities: tuple[str, ...] = ("audio", "video", "videoBasedScreenSharing")
    muted: bool = False

    @classmethod
    def parse(cls, data: JsonObject) -> PersonSpec:
        if data.get("userId") is not None and data.get("phone") is not None:
            raise BadRequest("Give userId or phone, not both.")
        return cls(
            user_id=data.get("userId"),
            phone=data.get("phone"),
            display_name=data.get("displayName"),
            modalities=tuple(data.get("modalities") or cls.modalities),
            muted=bool(data.get("muted", False)),
        )


# The creation properties a MeetingRequest holds as fields (the rest are its ``options``).
_REQUEST_FIELDS = frozenset(
    {
        "subject",
        "startDateTime",
        "endDateTime",
        "externalId",
        "participants",
        "lobbyBypassSettings",
        "joinMeetingIdSettings",
    }
)


def _default_bypass() -> LobbyBypassSettings | None:
    return LobbyBypassSettings()


@dataclass(frozen=True)
class MeetingRequest:
    """What a new meeting is created from: a client's ``POST`` or ``createOrGet`` body, a
    directory fixture, or UCWA (nothing). Times are as sent (the factory checks them)."""

    subject: str | None = None
    start: str | None = None
    end: str | None = None
    external_id: str | None = None
    # As sent (``parse_attendee``); the factory resolves them against the directory.
    attendees: tuple[MeetingParticipantInfo, ...] = ()
    lobby_bypass: LobbyBypassSettings | None = field(default_factory=_default_bypass)
    is_passcode_required: bool = False
    # Every other property (the allow… options, a client's open-type extras), kept as sent.
    options: JsonObject = field(default_factory=dict)

    @classmethod
    def parse(cls, body: JsonObject) -> MeetingRequest:
        people = body.get("participants") or {}
        settings = body.get("joinMeetingIdSettings") or {}
        bypass = body.get("lobbyBypassSettings", LobbyBypassSettings().to_graph())
        return cls(
            subject=body.get("subject"),
            start=body.get("startDateTime"),
            end=body.get("endDateTime"),
            external_id=body.get("externalId"),
            attendees=tuple(
                MeetingParticipantInfo.parse_attendee(a) for a in people.get("attendees") or ()
            ),
            lobby_bypass=None if bypass is None else LobbyBypassSettings.parse(bypass),
            is_passcode_required=bool(settings.get("isPasscodeRequired", False)),
            options={k: v for k, v in body.items() if k not in _REQUEST_FIELDS},
        )


class Unset(Enum):
    """A PATCH property the client did not send (``None`` is one it set to null)."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True)
class MeetingPatch:
    """A ``PATCH`` body, read once: every typed property is ``UNSET`` when absent and
    ``None`` when sent as null. Times are as sent (the factory checks them); the update
    rules (``OnlineMeeting.apply_update``) decide what may change."""

    # Every top-level property the client sent, in its order (what the rules check).
    names: tuple[str, ...] = ()
    subject: str | None | Unset = UNSET
    start: str | None | Unset = UNSET
    end: str | None | Unset = UNSET
    # The user id a ``participants.organizer`` names (None: no organizer, or no id).
    organizer_id: str | None = None
    # ``participants.attendees`` as sent (``parse_attendee``; null: none).
    attendees: tuple[MeetingParticipantInfo, ...] | Unset = UNSET
    lobby_bypass: LobbyBypassSettings | None | Unset = UNSET
    # Every other property (the allow… options), as sent.
    options: JsonObject = field(default_factory=dict)

    @classmethod
    def parse(cls, body: JsonObject) -> MeetingPatch:
        people = body.get("participants") or {}
        organizer = people.get("organizer") or {}
        organizer_user = (organizer.get("identity") or {}).get("user") or {}
        attendees: tuple[MeetingParticipantInfo, ...] | Unset = UNSET
        if "attendees" in people:
            attendees = tuple(
                MeetingParticipantInfo.parse_attendee(a) for a in people["attendees"] or ()
            )
        bypass = body.get("lobbyBypassSettings", UNSET)
        return cls(
            names=tuple(body),
            subject=body.get("subject", UNSET),
            start=body.get("startDateTime", UNSET),
            end=body.get("endDateTime", UNSET),
            organizer_id=organizer_user.get("id"),
            attendees=attendees,
            lobby_bypass=(
                bypass if bypass is UNSET or bypass is None else LobbyBypassSettings.parse(bypass)
            ),
            options={k: v for k, v in body.items() if k not in _PATCH_FIELDS},
        )

    @property
    def moves_times(self) -> bool:
        """Whether the meeting is rescheduled (start and end move together)."""
        return self.start is not UNSET or self.end is not UNSET


# The PATCH properties a MeetingPatch holds as fields (the rest are its ``options``).
_PATCH_FIELDS = frozenset(
    {
        "@odata.type",
        "subject",
        "startDateTime",
        "endDateTime",
        "participants",
        "lobbyBypassSettings",
    }
)
