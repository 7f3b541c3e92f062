"""Request bodies of the Graph call operations: syntax only (types, enums, @odata.type).

Graph's communications types are open types, so unknown properties are kept and
echoed back. ``@odata.type`` is optional and may stand anywhere; where it is missing
the type is inferred from the properties, as the official SDKs (which omit base-type
annotations) expect.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from callboard.domain import call_core
from callboard.domain.call_media import MediaPrompt
from callboard.domain.call_requests import (
    PlayPrompt,
    SendDtmfTones,
    UpdateRecordingStatus,
)
from callboard.domain.invitations import InvitationTarget, SourceInfo
from callboard.domain.new_call import MeetingJoin, NewCall
from callboard.json_types import JsonObject

G = "#microsoft.graph."

Modality = Literal[
    "audio", "video", "videoBasedScreenSharing", "data", "unknown", "unknownFutureValue"
]
EndpointType = Literal[
    "default", "voicemail", "skypeForBusiness", "skypeForBusinessVoipPhone", "unknownFutureValue"
]
RoutingPolicy = Literal[
    "none",
    "noMissedCall",
    "disableForwardingExceptPhone",
    "disableForwarding",
    "preferSkypeForBusiness",
    "unknownFutureValue",
]
RejectReason = Literal["none", "busy", "forbidden", "unknownFutureValue"]


class GraphModel(BaseModel):
    """Open Graph type with an optional, position-free ``@odata.type``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    odata_types: ClassVar[tuple[str, ...]] = ()
    odata_type: str | None = Field(default=None, alias="@odata.type")

    @classmethod
    def infer_type(cls, data: JsonObject) -> str | None:
        return cls.odata_types[0] if cls.odata_types else None

    @model_validator(mode="before")
    @classmethod
    def _check_odata_type(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not cls.odata_types:
            return data
        given = data.get("@odata.type")
        if given is None:
            inferred = cls.infer_type(data)
            return {**data, "@odata.type": G + inferred} if inferred else data
        if not isinstance(given, str) or given.removeprefix(G) not in cls.odata_types:
            allowed = ", ".join(G + t for t in cls.odata_types)
            raise ValueError(f"@odata.type {given!r} is not valid here; expected one of {allowed}")
        return data

    def dump(self) -> JsonObject:
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


class Identity(GraphModel):
    odata_types = (
        "identity",
        "communicationsUserIdentity",
        "communicationsApplicationIdentity",
        "communicationsApplicationInstanceIdentity",
        "communicationsPhoneIdentity",
        "communicationsGuestIdentity",
        "communicationsEncryptedIdentity",
    )
    id: str | None = None
    displayName: str | None = None
    tenantId: str | None = None


class IdentitySet(GraphModel):
    odata_types = ("identitySet", "communicationsIdentitySet")
    application: Identity | None = None
    applicationInstance: Identity | None = None
    user: Identity | None = None
    phone: Identity | None = None
    guest: Identity | None = None
    device: Identity | None = None
    encrypted: Identity | None = None
    onPremises: Identity | None = None
    assertedIdentity: Identity | None = None
    azureCommunicationServicesUser: Identity | None = None
    endpointType: EndpointType | None = None

    @model_validator(mode="after")
    def _has_identity(self) -> IdentitySet:
        present = [
            name
            for name in IdentitySet.model_fields
            if name not in ("odata_type", "endpointType") and getattr(self, name) is not None
        ]
        if not present:
            raise ValueError("an identitySet needs at least one identity (user, application, ...)")
        return self


class ParticipantInfo(GraphModel):
    odata_types = ("participantInfo",)
    identity: IdentitySet
    countryCode: str | None = None
    endpointType: EndpointType | None = None
    languageId: str | None = None
    region: str | None = None
    participantId: str | None = None


class InvitationParticipantInfo(GraphModel):
    odata_types = ("invitationParticipantInfo",)
    identity: IdentitySet
    hidden: bool | None = None
    participantId: str | None = None
    removeFromDefaultAudioRoutingGroup: bool | None = None
    replacesCallId: str | None = None
    endpointType: EndpointType | None = None


class MediaInfo(GraphModel):
    odata_types = ("mediaInfo",)
    uri: str
    resourceId: str | None = None


class MediaConfig(GraphModel):
    odata_types = ("serviceHostedMediaConfig", "appHostedMediaConfig")
    blob: str | None = None
    preFetchMedia: list[MediaInfo] | None = None
    removeFromDefaultAudioGroup: bool | None = None

    @classmethod
    def infer_type(cls, data: JsonObject) -> str:
        return "appHostedMediaConfig" if "blob" in data else "serviceHostedMediaConfig"

    @property
    def app_hosted(self) -> bool:
        return self.odata_type == G + "appHostedMediaConfig"

    def dump(self) -> JsonObject:
        """As stored and echoed: without removeFromDefaultAudioGroup, which Graph v1.0's
        serviceHostedMediaConfig and appHostedMediaConfig (closed types) do not declare."""
        data = super().dump()
        data.pop("removeFromDefaultAudioGroup", None)
        return data

    @model_validator(mode="after")
    def _fields_match_type(self) -> MediaConfig:
        if self.app_hosted and self.preFetchMedia is not None:
            raise ValueError("preFetchMedia is only valid with serviceHostedMediaConfig")
        if not self.app_hosted and self.blob is not None:
            raise ValueError("blob is only valid with appHostedMediaConfig")
        return self


class CallOptions(GraphModel):
    odata_types = ("outgoingCallOptions", "incomingCallOptions")
    hideBotAfterEscalation: bool | None = None
    isContentSharingNotificationEnabled: bool | None = None
    isDeltaRosterEnabled: bool | None = None
    isInteractiveRosterEnabled: bool | None = None


class ChatInfo(GraphModel):
    odata_types = ("chatInfo",)
    threadId: str | None = None
    messageId: str | None = None
    replyChainMessageId: str | None = None


class MeetingInfo(GraphModel):
    odata_types = ("organizerMeetingInfo", "joinMeetingIdMeetingInfo", "tokenMeetingInfo")
    organizer: IdentitySet | None = None
    allowConversationWithoutHost: bool | None = None
    joinMeetingId: str | None = None
    passcode: str | None = None
    token: str | None = None

    @classmethod
    def infer_type(cls, data: JsonObject) -> str:
        if "joinMeetingId" in data:
            return "joinMeetingIdMeetingInfo"
        if "token" in data:
            return "tokenMeetingInfo"
        return "organizerMeetingInfo"

    @model_validator(mode="after")
    def _required_by_type(self) -> MeetingInfo:
        kind = (self.odata_type or "").removeprefix(G)
        required = {
            "organizerMeetingInfo": "organizer",
            "joinMeetingIdMeetingInfo": "joinMeetingId",
            "tokenMeetingInfo": "token",
        }[kind]
        if getattr(self, required) is None:
            raise ValueError(f"{kind} requires {required}")
        return self


class CallCreate(GraphModel):
    """``POST /communications/calls``."""

    odata_types = ("call",)
    callbackUri: str
    mediaConfig: MediaConfig
    requestedModalities: Annotated[list[Modality], Field(min_length=1)]
    source: ParticipantInfo | None = None
    targets: list[InvitationParticipantInfo] | None = None
    callOptions: CallOptions | None = None
    chatInfo: ChatInfo | None = None
    meetingInfo: MeetingInfo | None = None
    subject: str | None = None
    tenantId: str | None = None
    direction: Literal["outgoing"] | None = None
    ringingTimeoutInSeconds: Annotated[int, Field(ge=1, le=115)] | None = None
    routingPolicies: list[RoutingPolicy] | None = None

    def new_call(self) -> NewCall:
        """The typed request the service takes; unknown properties become the echo."""

        def dumped(model: GraphModel | None) -> JsonObject | None:
            return None if model is None else model.dump()

        extra = set(self.model_extra or {})
        return NewCall(
            callback_uri=self.callbackUri,
            media_config=call_core.MediaConfig.parse(self.mediaConfig.dump()),
            requested_modalities=list(self.requestedModalities),
            source=None if self.source is None else SourceInfo.parse(self.source.dump()),
            targets=[InvitationTarget.parse(t.dump()) for t in self.targets or []],
            call_options=(
                None
                if self.callOptions is None
                else call_core.CallOptions.parse(self.callOptions.dump())
            ),
            meeting=(
                None
                if self.meetingInfo is None and self.chatInfo is None
                else MeetingJoin.parse(dumped(self.meetingInfo), dumped(self.chatInfo))
            ),
            subject=self.subject,
            tenant_id=self.tenantId,
            ringing_timeout_in_seconds=self.ringingTimeoutInSeconds,
            routing_policies=list(self.routingPolicies or []),
            echo={k: v for k, v in self.dump().items() if k in extra},
        )


class AnswerBody(GraphModel):
    callbackUri: str
    mediaConfig: MediaConfig
    acceptedModalities: list[Modality] | None = None
    callOptions: CallOptions | None = None
    participantCapacity: int | None = None


class RejectBody(GraphModel):
    reason: RejectReason | None = None
    callbackUri: str | None = None


class RedirectBody(GraphModel):
    targets: Annotated[list[InvitationParticipantInfo], Field(min_length=1, max_length=25)]
    timeout: Annotated[int, Field(ge=15, le=90)] | None = None
    callbackUri: str | None = None
    routingPolicies: list[RoutingPolicy] | None = None


class ClientContextBody(GraphModel):
    clientContext: Annotated[str, Field(max_length=256)] | None = None


class MuteBody(ClientContextBody):
    pass


class PlayPromptBody(ClientContextBody):
    prompts: Annotated[list[JsonObject], Field(min_length=1, max_length=20)]

    def request(self) -> PlayPrompt:
        return PlayPrompt(tuple(MediaPrompt.parse(p) for p in self.prompts), self.clientContext)


class UpdateRecordingStatusBody(ClientContextBody):
    status: Literal["notRecording", "recording", "failed", "unknown", "unknownFutureValue"]

    def request(self) -> UpdateRecordingStatus:
        return UpdateRecordingStatus(self.status, self.clientContext)


class SendDtmfTonesBody(ClientContextBody):
    tones: Annotated[
        list[
            Literal[
                "tone0",
                "tone1",
                "tone2",
                "tone3",
                "tone4",
                "tone5",
                "tone6",
                "tone7",
                "tone8",
                "tone9",
                "star",
                "pound",
                "a",
                "b",
                "c",
                "d",
                "flash",
            ]
        ],
        Field(min_length=1),
    ]
    delayBetweenTonesMs: int | None = None

    def request(self) -> SendDtmfTones:
        return SendDtmfTones(tuple(self.tones), self.clientContext)


class ChangeScreenSharingRoleBody(GraphModel):
    role: Literal["viewer", "sharer"]
