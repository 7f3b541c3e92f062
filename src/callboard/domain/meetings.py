"""The online meeting: its Graph resource, the update rules, and who is in it right now.

The live part (``live``) is the meeting's roster: simulated people and the bots whose
calls joined, the lobby, and content-sharing sessions. Bots' calls copy the roster; the
service layer fans a roster change out to every call in the meeting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callboard.errors import BadRequest, ItemNotFound

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

# Who skips the lobby for each lobbyBypassSettings.scope, by kind of joiner.
_BYPASS: dict[str, frozenset[str]] = {
    "organizer": frozenset({"organizer"}),
    "organization": frozenset({"organizer", "organization"}),
    "organizationAndFederated": frozenset({"organizer", "organization", "federated"}),
    "organizationExcludingGuests": frozenset({"organizer", "organization"}),
    "everyone": frozenset({"organizer", "organization", "federated", "anonymous", "phone"}),
    "invited": frozenset({"organizer", "invited"}),
}


@dataclass
class OnlineMeeting:
    id: str
    tenant_id: str
    organizer_id: str
    resource: dict[str, Any]
    live: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    modified_at: float = 0.0
    version: int = 0

    def __post_init__(self) -> None:
        self.live.setdefault("participants", [])
        self.live.setdefault("contentSharingSessions", [])

    @property
    def join_meeting_id(self) -> str:
        return str(self.resource["joinMeetingIdSettings"]["joinMeetingId"])

    @property
    def thread_id(self) -> str:
        return str(self.resource["chatInfo"]["threadId"])

    @property
    def start(self) -> datetime:
        """``startDateTime`` (always stored, with an offset)."""
        return datetime.fromisoformat(str(self.resource["startDateTime"]))

    @property
    def participants(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.live["participants"]
        return result

    @property
    def organizer_present(self) -> bool:
        return any(p.get("_role") == "organizer" and not p["isInLobby"] for p in self.participants)

    # -- the resource -----------------------------------------------------------------

    def apply_update(self, patch: dict[str, Any]) -> None:
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
            merged = dict(self.resource["participants"])
            if "attendees" in participants:
                merged["attendees"] = participants["attendees"]
            patch = {**patch, "participants": merged}
        patch.pop("@odata.type", None)
        self.resource.update(patch)

    def is_invited(self, user_id: str) -> bool:
        attendees = self.resource.get("participants", {}).get("attendees") or []
        return any(
            (a.get("identity") or {}).get("user", {}).get("id") == user_id for a in attendees
        )

    # -- who is in the meeting --------------------------------------------------------

    def must_wait_in_lobby(self, joiner_kind: str) -> bool:
        """``joiner_kind``: organizer, invited, organization, federated, anonymous, phone."""
        settings = self.resource.get("lobbyBypassSettings") or {}
        scope = settings.get("scope") or "organization"
        if joiner_kind == "phone" and settings.get("isDialInBypassEnabled"):
            return False
        allowed = _BYPASS.get(scope, _BYPASS["organization"])
        if joiner_kind == "invited":
            return not ({"invited", "organization"} & allowed)
        return joiner_kind not in allowed

    def join(self, participant: dict[str, Any]) -> None:
        if any(p["id"] == participant["id"] for p in self.participants):
            raise BadRequest(f"Participant {participant['id']} is already in the meeting.")
        self.participants.append(participant)

    def participant(self, participant_id: str) -> dict[str, Any]:
        for p in self.participants:
            if p["id"] == participant_id:
                return p
        raise ItemNotFound(f"No participant {participant_id} in meeting {self.id}.")

    def leave(self, participant_id: str) -> dict[str, Any]:
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

    @property
    def sharing_sessions(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.live["contentSharingSessions"]
        return result

    def start_sharing(self, session_id: str, sharer_id: str) -> dict[str, Any]:
        sharer = self.participant(sharer_id)
        if sharer["isInLobby"]:
            raise BadRequest("A participant in the lobby cannot share content.")
        session = {
            "@odata.type": "#microsoft.graph.contentSharingSession",
            "id": session_id,
            "_sharer": sharer_id,
        }
        self.sharing_sessions.append(session)
        return session

    def sharing_session(self, session_id: str) -> dict[str, Any]:
        for s in self.sharing_sessions:
            if s["id"] == session_id:
                return s
        raise ItemNotFound(f"No content-sharing session {session_id} in meeting {self.id}.")

    def stop_sharing(self, session_id: str) -> dict[str, Any]:
        session = self.sharing_session(session_id)
        self.sharing_sessions.remove(session)
        return session


def public(item: dict[str, Any]) -> dict[str, Any]:
    """An item of the live roster without Callboard's bookkeeping keys (``_role`` ...)."""
    return {k: v for k, v in item.items() if not k.startswith("_")}
