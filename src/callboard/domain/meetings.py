"""The online meeting: its Graph resource, the update rules, and who is in it right now.

The live part is typed: the roster (``domain/meeting_roster.py``: simulated people and the
bots whose calls joined, the lobby), the attendance log (``domain/attendance.py``) and the
content-sharing sessions. It is stored as the meeting's live document, read by
``from_graph`` and written by ``live_document`` only. Bots' calls copy the roster; the
service layer fans a roster change out to every call in the meeting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from callboard.domain.attendance import AttendanceLog
from callboard.domain.directory import User
from callboard.domain.meeting_parts import (
    UNSET,
    ChatInfo,
    ContentSharingSession,
    JoinerKind,
    JoinMeetingIdSettings,
    LobbyBypassSettings,
    MeetingParticipantInfo,
    MeetingPatch,
    PersonSpec,
)
from callboard.domain.meeting_roster import MeetingRoster, RosterEntry
from callboard.domain.participants import Participant
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
# The keys of the stored live document.
_ROSTER = "participants"
_ATTENDANCE = "attendanceSessions"
_SHARING = "contentSharingSessions"
_CREATOR = "createdByAppId"
_UCWA = "ucwa"


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
    # Who is in the meeting now, and who was (kept at every save, store/meetings.py).
    roster: MeetingRoster = field(default_factory=MeetingRoster)
    attendance: AttendanceLog = field(default_factory=AttendanceLog)
    sharing_sessions: list[ContentSharingSession] = field(default_factory=list)
    # The application that created the meeting (decides which bots may move people).
    created_by_app_id: str | None = None
    created_at: float = 0.0
    modified_at: float = 0.0
    version: int = 0
    # What UCWA keeps that Graph has no place for (domain/ucwa_meetings.py owns its shape).
    ucwa: JsonObject = field(default_factory=dict)

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
        live = live or {}
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
            roster=MeetingRoster.parse(live.get(_ROSTER)),
            attendance=AttendanceLog.parse(live.get(_ATTENDANCE)),
            sharing_sessions=[ContentSharingSession.parse(s) for s in live.get(_SHARING) or []],
            created_by_app_id=live.get(_CREATOR),
            created_at=created_at,
            modified_at=modified_at,
            version=version,
            ucwa=live.get(_UCWA) or {},
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
        document: JsonObject = {
            _ROSTER: self.roster.to_document(),
            _ATTENDANCE: self.attendance.to_document(),
            _SHARING: [s.to_document() for s in self.sharing_sessions],
        }
        if self.created_by_app_id is not None:
            document[_CREATOR] = self.created_by_app_id
        if self.ucwa:
            document[_UCWA] = self.ucwa
        return document

    @property
    def join_meeting_id(self) -> str:
        return self.join_settings.join_meeting_id

    @property
    def thread_id(self) -> str:
        return self.chat_info.thread_id

    @property
    def organizer_present(self) -> bool:
        return self.roster.organizer_present

    # -- the resource -----------------------------------------------------------------

    def apply_update(self, patch: MeetingPatch) -> None:
        """PATCH semantics: only updatable properties; start and end move together."""
        refused = sorted(set(patch.names) - UPDATABLE - {"@odata.type"})
        if refused:
            raise BadRequest(f"These properties cannot be updated: {', '.join(refused)}.")
        if (patch.start is UNSET) != (patch.end is UNSET):
            raise BadRequest("startDateTime and endDateTime must be updated together.")
        if patch.organizer_id not in (None, self.organizer_id):
            raise BadRequest("The organizer of a meeting cannot change.")
        if patch.attendees is not UNSET:
            self.attendees = list(patch.attendees)
        if patch.start is not UNSET:
            self.start = datetime.fromisoformat(str(patch.start))
        if patch.end is not UNSET:
            self.end = datetime.fromisoformat(str(patch.end))
        if patch.subject is not UNSET:
            self.subject = patch.subject
        if patch.lobby_bypass is not UNSET:
            self.lobby_bypass = patch.lobby_bypass
        self.properties.update(patch.options)

    def is_invited(self, user_id: str) -> bool:
        return any(a.user_id == user_id for a in self.attendees)

    # -- who is in the meeting --------------------------------------------------------

    def joiner_kind(self, user: User) -> JoinerKind:
        """How the lobby sees a directory user: organizer, federated, invited, organization."""
        if user.id == self.organizer_id and user.tenant_id == self.tenant_id:
            return JoinerKind.ORGANIZER
        if user.tenant_id != self.tenant_id:
            return JoinerKind.FEDERATED
        return JoinerKind.INVITED if self.is_invited(user.id) else JoinerKind.ORGANIZATION

    def must_wait_in_lobby(self, joiner_kind: JoinerKind) -> bool:
        return (self.lobby_bypass or LobbyBypassSettings(None, None)).must_wait(joiner_kind)

    def add_person(
        self, participant_id: str, identity: JsonObject, kind: JoinerKind, spec: PersonSpec
    ) -> RosterEntry:
        """A simulated person of ``kind`` (``joiner_kind``, phone or anonymous) joins: into
        the lobby if the bypass settings say so; video and screen sharing received only, as
        a Teams client that shares nothing."""
        participant = Participant.new(
            participant_id,
            identity,
            modalities=list(spec.modalities),
            source_id=1 + 10 * len(self.roster),
            muted=spec.muted,
            in_lobby=self.must_wait_in_lobby(kind),
        )
        participant.receive_only_except_audio()
        entry = RosterEntry(participant, role=kind)
        self.join(entry)
        return entry

    def join(self, entry: RosterEntry) -> None:
        if self.roster.find(entry.id) is not None:
            raise BadRequest(f"Participant {entry.id} is already in the meeting.")
        self.roster.add(entry)

    def participant(self, participant_id: str) -> RosterEntry:
        found = self.roster.find(participant_id)
        if found is None:
            raise ItemNotFound(f"No participant {participant_id} in meeting {self.id}.")
        return found

    def leave(self, participant_id: str) -> RosterEntry:
        found = self.participant(participant_id)
        self.roster.remove(found)
        return found

    def discard(self, participant_id: str) -> bool:
        """``participant_id`` leaves if it is here (a call saw them go); True if it was."""
        found = self.roster.find(participant_id)
        if found is not None:
            self.roster.remove(found)
        return found is not None

    def remove_person(self, participant_id: str) -> list[ContentSharingSession]:
        """A simulated person leaves (never a bot: it hangs up); what they shared stops.
        Returns the stopped sessions (their bots are told)."""
        if self.participant(participant_id).is_bot:
            raise BadRequest("A bot leaves a meeting by hanging up its call.")
        stopped = [s for s in self.sharing_sessions if s.sharer_id == participant_id]
        for session in stopped:
            self.sharing_sessions.remove(session)
        self.leave(participant_id)
        return stopped

    def admit(self, participant_id: str) -> None:
        found = self.participant(participant_id)
        if not found.in_lobby:
            raise BadRequest(f"Participant {participant_id} is not in the lobby.")
        found.participant.is_in_lobby = False

    def set_muted(self, participant_id: str, muted: bool) -> None:
        self.participant(participant_id).participant.set_muted(muted)

    def observe_attendance(self, now: float) -> tuple[list[str], list[str]]:
        """The attendance log follows the roster (``AttendanceLog.observe``)."""
        return self.attendance.observe(self.id, self.roster.attending(), now)

    # -- content sharing --------------------------------------------------------------

    def start_sharing(self, session_id: str, sharer_id: str) -> ContentSharingSession:
        sharer = self.participant(sharer_id)
        if sharer.in_lobby:
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
