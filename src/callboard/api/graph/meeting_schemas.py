"""Request bodies of the onlineMeeting operations (syntax: types and enums)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from callboard.api.graph.schemas import GraphModel, IdentitySet

# Members after unknownFutureValue are "evolvable": a client must opt in to them with
# ``Prefer: include-unknown-enum-members`` (Graph's rule for evolvable enums).
EVOLVABLE = {"invited", "organizationExcludingGuests", "producer", "coorganizer"}

Role = Literal["attendee", "presenter", "unknownFutureValue", "producer", "coorganizer"]
LobbyScope = Literal[
    "organizer",
    "organization",
    "organizationAndFederated",
    "everyone",
    "unknownFutureValue",
    "invited",
    "organizationExcludingGuests",
]


class MeetingParticipantInfo(GraphModel):
    odata_types = ("meetingParticipantInfo",)
    identity: IdentitySet | None = None
    upn: str | None = None
    role: Role | None = None


class MeetingParticipants(GraphModel):
    odata_types = ("meetingParticipants",)
    organizer: MeetingParticipantInfo | None = None
    attendees: list[MeetingParticipantInfo] | None = None


class LobbyBypassSettings(GraphModel):
    odata_types = ("lobbyBypassSettings",)
    scope: LobbyScope | None = None
    isDialInBypassEnabled: bool | None = None


class JoinMeetingIdSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    odata_type: str | None = Field(default=None, alias="@odata.type")
    isPasscodeRequired: bool | None = None


class OnlineMeetingBody(GraphModel):
    """``POST`` / ``PATCH`` / ``createOrGet`` of an onlineMeeting."""

    odata_types = ("onlineMeeting",)
    subject: str | None = None
    startDateTime: str | None = None
    endDateTime: str | None = None
    externalId: str | None = None
    participants: MeetingParticipants | None = None
    lobbyBypassSettings: LobbyBypassSettings | None = None
    joinMeetingIdSettings: JoinMeetingIdSettings | None = None
    allowedPresenters: (
        Literal["everyone", "organization", "roleIsPresenter", "organizer", "unknownFutureValue"]
        | None
    ) = None
    allowMeetingChat: Literal["enabled", "disabled", "limited", "unknownFutureValue"] | None = None
    allowLiveShare: Literal["enabled", "disabled", "unknownFutureValue"] | None = None
    allowedLobbyAdmitters: (
        Literal[
            "organizerAndCoOrganizersAndPresenters",
            "organizerAndCoOrganizers",
            "unknownFutureValue",
        ]
        | None
    ) = None
    shareMeetingChatHistoryDefault: Literal["none", "all", "unknownFutureValue"] | None = None
    allowAttendeeToEnableCamera: bool | None = None
    allowAttendeeToEnableMic: bool | None = None
    allowBreakoutRooms: bool | None = None
    allowCopyingAndSharingMeetingContent: bool | None = None
    allowParticipantsToChangeName: bool | None = None
    allowPowerPointSharing: bool | None = None
    allowRecording: bool | None = None
    allowTeamworkReactions: bool | None = None
    allowTranscription: bool | None = None
    allowWhiteboard: bool | None = None
    isEntryExitAnnounced: bool | None = None
    isEndToEndEncryptionEnabled: bool | None = None
    recordAutomatically: bool | None = None

    def evolvable_values(self) -> set[str]:
        """The evolvable enum members this body uses."""
        used: set[str] = set()
        if self.lobbyBypassSettings and self.lobbyBypassSettings.scope in EVOLVABLE:
            used.add(self.lobbyBypassSettings.scope)
        if self.participants:
            people = [self.participants.organizer, *(self.participants.attendees or [])]
            used.update(p.role for p in people if p is not None and p.role in EVOLVABLE)
        return used


def hide_evolvable(value: Any) -> Any:
    """Render evolvable members as ``unknownFutureValue`` for clients that did not opt in."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("scope", "role") and item in EVOLVABLE:
                out[key] = "unknownFutureValue"
            else:
                out[key] = hide_evolvable(item)
        return out
    if isinstance(value, list):
        return [hide_evolvable(v) for v in value]
    return value


# Properties a client may not set: Graph generates them.
READ_ONLY = (
    "id",
    "joinWebUrl",
    "joinUrl",
    "creationDateTime",
    "chatInfo",
    "audioConferencing",
    "videoTeleconferenceId",
    "joinInformation",
    "meetingType",
    "isBroadcast",
)
