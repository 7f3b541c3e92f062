"""The online meeting: its Graph resource, the update rules, and who is in it right now.

The live part (``live``) is the meeting's roster: simulated people and the bots whose
calls joined, the lobby, and content-sharing sessions. Bots' calls copy the roster; the
service layer fans a roster change out to every call in the meeting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from callboard.domain.directory import User
from callboard.domain.meeting_parts import (
    ChatInfo,
    ContentSharingSession,
    JoinMeetingIdSettings,
    LobbyBypassSettings,
    MeetingParticipantInfo,
)
from callboard.errors import BadRequest, ItemNotFound
from callboard.json_types import JsonObject

MEETING_TYPE = "#microsoft.graph.onlineMeeting"

# Properties PATCH may change (Graph's "Update onlineMeeting" page); anything else is refused.
UPDATABLE = frozenset(
    {
        "allowAttendeeToEnableCamera",
        "allowAttendeeToEnableMic",
        "allowBreakoutRooms",
        "allowCopyingAndSharingMeetingContent",
        "allowedLobbyAdmitters",
        "allowedPresenters",
        "allowLiveShare",
        "allowMeetingChat",
        "allowPowerPointSharing",
        "allowRecording",
        "allowTeamworkReactions",
        "allowTranscription",
        "allowWhiteboard",
        "endDateTime",
        "isEntryExitAnnounced",
        "lobbyBypassSettings",
        "participants",
        "recordAutomatically",
        "startDateTime",
        "subject",
        "watermarkProtection",
        "broadcastSettings",
    }
)

# The resource's properties the aggregate holds as typed fields; every other property (the
# meeting options, generated dial-in and join text, the client's open-type extras) is kept
# in ``properties`` as the client or the factory wrote it.
TYPED = frozenset(
    {
        "@odata.type",
        "id",
        "subject",
        "startDateTime",
        "endDateTime",
        "externalId",
        "joinWebUrl",
        "joinUrl",
        "videoTeleconferenceId",
        "chatInfo",
        "joinMeetingIdSettings",
        "lobbyBypassSettings",
        "participants",
    }
)
# Keys of the stored live document that are typed fields here (the rest is the roster and
# what domain/attendance.py and domain/ucwa_meetings.py keep there).
_SHARING = "contentSharingSessions"
_CREATOR = "createdByAppId"


@dataclass
class OnlineMeeting:
    id: str
    tenant_id: str
    organizer_id: str
    organizer: MeetingParticipantInfo
    attendees: list[MeetingParticipantInfo]
    join_settings: JoinMeetingIdSettings
    chat_info: ChatInfo
    join_web_url: str
    start: datetime
    end: datetime
    subject: str | None = None
    lobby_bypass: LobbyBypassSettings | None = field(default_factory=LobbyBypassSettings)
    external_id: str | None = None
    video_teleconference_id: str | None = None
    properties: JsonObject = field(default_factory=dict)
    # Who is in the meeting now (Graph participant JSON with ``_role`` / ``_callId``
    # bookkeeping), and the attendance log domain/attendance.py keeps beside it.
    live: JsonObject = field(default_factory=dict)
    sharing_sessions: list[ContentSharingSession] = field(default_factory=list)
    # The application that created the meeting (decides which bots may move people).
    created_by_app_id: str | None = None
    created_at: float = 0.0
    modified_at: float = 0.0
    version: int = 0

    def __post_init__(self) -> None:
        self.live.setdefault("participants", [])

    # -- Graph JSON (the one rendering, and its reading back from storage) ----------------

    @classmethod
    def from_graph(
        cls,
        meeting_id: str,
        tenant_id: str,
        organizer_id: str,
        resource: JsonObject,
        live: JsonObject | None = None,
        *,
        created_at: float = 0.0,
        modified_at: float = 0.0,
        version: int = 0,
    ) -> OnlineMeeting:
        """A meeting from its Graph document (as stored) and its live document."""
        people = resource.get("participants") or {}
        bypass = resource.get("lobbyBypassSettings")
        rest = dict(live or {})
        sessions = [ContentSharingSession.parse(s) for s in rest.pop(_SHARING, None) or []]
        creator = rest.pop(_CREATOR, None)
        return cls(
            id=meeting_id,
            tenant_id=tenant_id,
            organizer_id=organizer_id,
            organizer=MeetingParticipantInfo.parse(people.get("organizer") or {}),
            attendees=[MeetingParticipantInfo.parse(a) for a in people.get("attendees") or []],
            join_settings=JoinMeetingIdSettings.parse(resource["joinMeetingIdSettings"]),
            chat_info=ChatInfo.parse(resource["chatInfo"]),
            join_web_url=str(resource["joinWebUrl"]),
            start=datetime.fromisoformat(str(resource["startDateTime"])),
            end=datetime.fromisoformat(str(resource["endDateTime"])),
            subject=resource.get("subject"),
            lobby_bypass=None if bypass is None else LobbyBypassSettings.parse(bypass),
            external_id=resource.get("externalId"),
            video_teleconference_id=resource.get("videoTeleconferenceId"),
            properties={k: v for k, v in resource.items() if k not in TYPED},
            live=rest,
            sharing_sessions=sessions,
            created_by_app_id=creator,
            created_at=created_at,
            modified_at=modified_at,
            version=version,
        )

    def to_graph(self) -> JsonObject:
        """The onlineMeeting resource (every version's properties; routes drop per version)."""
        return {
            "@odata.type": MEETING_TYPE,
            "id": self.id,
            **self.properties,
            "subject": self.subject,
            "startDateTime": iso(self.start),
            "endDateTime": iso(self.end),
            "externalId": self.external_id,
            "joinWebUrl": self.join_web_url,
            "joinUrl": self.join_web_url,
            "videoTeleconferenceId": self.video_teleconference_id,
            "chatInfo": self.chat_info.to_graph(),
            "joinMeetingIdSettings": self.join_settings.to_graph(),
            "lobbyBypassSettings": None
            if self.lobby_bypass is None
            else self.lobby_bypass.to_graph(),
            "participants": {
                "organizer": self.organizer.to_graph(),
                "attendees": [a.to_graph() for a in self.attendees],
            },
        }

    @property
    def resource(self) -> JsonObject:
        """The Graph resource, rendered (read-only: change the meeting through its methods)."""
        return self.to_graph()

    def live_document(self) -> JsonObject:
        """The stored live document: the roster, the attendance log, the sharing sessions."""
        document = {**self.live, _SHARING: [s.to_document() for s in self.sharing_sessions]}
        if self.created_by_app_id is not None:
            document[_CREATOR] = self.created_by_app_id
        return document

    @property
    def join_meeting_id(self) -> str:
        return self.join_settings.join_meeting_id

    @property
    def thread_id(self) -> str:
        return self.chat_info.thread_id

    @property
    def participants(self) -> list[JsonObject]:
        result: list[JsonObject] = self.live["participants"]
        return result

    @property
    def organizer_present(self) -> bool:
        return any(p.get("_role") == "organizer" and not p["isInLobby"] for p in self.participants)

    # -- the resource -----------------------------------------------------------------

    def apply_update(self, patch: JsonObject) -> None:
        """PATCH semantics: only updatable properties; start and end move together."""
        refused = sorted(set(patch) - UPDATABLE - {"@odata.type"})
        if refused:
            raise BadRequest(f"These properties cannot be updated: {', '.join(refused)}.")
        if ("startDateTime" in patch) != ("endDateTime" in patch):
            raise BadRequest("startDateTime and endDateTime must be updated together.")
        participants = patch.get("participants")
        if participants is not None:
            if "organizer" in participants:
                organizer = (participants["organizer"] or {}).get("identity", {}).get("user", {})
                if organizer.get("id") not in (None, self.organizer_id):
                    raise BadRequest("The organizer of a meeting cannot change.")
            if "attendees" in participants:
                self.attendees = [
                    MeetingParticipantInfo.parse(a) for a in participants["attendees"] or []
                ]
        for name, value in patch.items():
            if name == "startDateTime":
                self.start = datetime.fromisoformat(str(value))
            elif name == "endDateTime":
                self.end = datetime.fromisoformat(str(value))
            elif name == "subject":
                self.subject = value
            elif name == "lobbyBypassSettings":
                self.lobby_bypass = None if value is None else LobbyBypassSettings.parse(value)
            elif name not in ("participants", "@odata.type"):
                self.properties[name] = value

    def is_invited(self, user_id: str) -> bool:
        return any(a.user_id == user_id for a in self.attendees)

    # -- who is in the meeting --------------------------------------------------------

    def joiner_kind(self, user: User) -> str:
        """How the lobby sees a directory user: organizer, federated, invited, organization."""
        if user.id == self.organizer_id and user.tenant_id == self.tenant_id:
            return "organizer"
        if user.tenant_id != self.tenant_id:
            return "federated"
        return "invited" if self.is_invited(user.id) else "organization"

    def must_wait_in_lobby(self, joiner_kind: str) -> bool:
        """``joiner_kind``: organizer, invited, organization, federated, anonymous, phone."""
        return (self.lobby_bypass or LobbyBypassSettings(None, None)).must_wait(joiner_kind)

    def join(self, participant: JsonObject) -> None:
        if any(p["id"] == participant["id"] for p in self.participants):
            raise BadRequest(f"Participant {participant['id']} is already in the meeting.")
        self.participants.append(participant)

    def participant(self, participant_id: str) -> JsonObject:
        for p in self.participants:
            if p["id"] == participant_id:
                return p
        raise ItemNotFound(f"No participant {participant_id} in meeting {self.id}.")

    def leave(self, participant_id: str) -> JsonObject:
        found = self.participant(participant_id)
        self.participants.remove(found)
        return found

    def admit(self, participant_id: str) -> None:
        found = self.participant(participant_id)
        if not found["isInLobby"]:
            raise BadRequest(f"Participant {participant_id} is not in the lobby.")
        found["isInLobby"] = False

    def set_muted(self, participant_id: str, muted: bool) -> None:
        found = self.participant(participant_id)
        found["isMuted"] = muted
        for stream in found.get("mediaStreams") or []:
            if stream.get("mediaType") == "audio":
                stream["serverMuted"] = muted

    # -- content sharing --------------------------------------------------------------

    def start_sharing(self, session_id: str, sharer_id: str) -> ContentSharingSession:
        sharer = self.participant(sharer_id)
        if sharer["isInLobby"]:
            raise BadRequest("A participant in the lobby cannot share content.")
        session = ContentSharingSession(session_id, sharer_id)
        self.sharing_sessions.append(session)
        return session

    def sharing_session(self, session_id: str) -> ContentSharingSession:
        for s in self.sharing_sessions:
            if s.id == session_id:
                return s
        raise ItemNotFound(f"No content-sharing session {session_id} in meeting {self.id}.")

    def stop_sharing(self, session_id: str) -> ContentSharingSession:
        session = self.sharing_session(session_id)
        self.sharing_sessions.remove(session)
        return session


def iso(moment: datetime) -> str:
    """Graph's DateTimeOffset rendering in UTC: ``2030-01-01T10:00:00.000Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def public(item: JsonObject) -> JsonObject:
    """An item of the live roster without Callboard's bookkeeping keys (``_role`` ...)."""
    return {k: v for k, v in item.items() if not k.startswith("_")}
