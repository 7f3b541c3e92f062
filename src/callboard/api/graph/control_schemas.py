"""Request bodies of the call-control operations: syntax only (types, enums, required)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from callboard.api.graph.schemas import (
    ClientContextBody,
    GraphModel,
    InvitationParticipantInfo,
    ParticipantInfo,
)
from callboard.domain.audio_routing import RoutingMode
from callboard.domain.call_media import MediaPrompt as PromptRequest
from callboard.domain.call_requests import ConfigureMixer, DeviceQuality
from callboard.domain.hold_music import StartHoldMusic
from callboard.domain.invitations import InvitationTarget
from callboard.domain.transfers import TransferCall
from callboard.json_types import JsonObject

RoutingModeName = Literal["oneToOne", "multicast"]


class TransferBody(ClientContextBody):
    transferTarget: InvitationParticipantInfo
    transferee: ParticipantInfo | None = None

    def request(self) -> TransferCall:
        transferee = self.transferee
        return TransferCall(
            target=InvitationTarget.parse(self.transferTarget.dump()),
            transferee=None if transferee is None else InvitationTarget.parse(transferee.dump()),
            client_context=self.clientContext,
        )


class MediaPrompt(GraphModel):
    odata_types = ("mediaPrompt",)
    mediaInfo: JsonObject


class StartHoldMusicBody(ClientContextBody):
    customPrompt: MediaPrompt | None = None

    def request(self) -> StartHoldMusic:
        prompt = self.customPrompt
        return StartHoldMusic(
            custom_prompt=None if prompt is None else PromptRequest.parse(prompt.dump()),
            client_context=self.clientContext,
        )


class AudioRoutingGroupCreate(GraphModel):
    odata_types = ("audioRoutingGroup",)
    id: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    routingMode: RoutingModeName
    sources: list[str]
    receivers: list[str]

    @property
    def routing_mode(self) -> RoutingMode:
        return RoutingMode(self.routingMode)


class AudioRoutingGroupUpdate(GraphModel):
    odata_types = ("audioRoutingGroup",)
    id: str | None = None
    routingMode: RoutingModeName | None = None
    sources: list[str] | None = None
    receivers: list[str] | None = None

    @property
    def routing_mode(self) -> RoutingMode | None:
        return None if self.routingMode is None else RoutingMode(self.routingMode)


class TeleconferenceDeviceQuality(GraphModel):
    odata_types = ("teleconferenceDeviceQuality",)
    callChainId: UUID
    participantId: UUID
    mediaLegId: UUID
    deviceName: str
    deviceDescription: str
    mediaQualityList: list[JsonObject]
    cloudServiceDeploymentEnvironment: str | None = None
    cloudServiceDeploymentId: str | None = None
    cloudServiceInstanceName: str | None = None
    cloudServiceName: str | None = None

    def request(self) -> DeviceQuality:
        return DeviceQuality(
            call_chain_id=str(self.callChainId),
            participant_id=str(self.participantId),
            media_leg_id=str(self.mediaLegId),
            device_name=self.deviceName,
            media_quality_entries=len(self.mediaQualityList),
        )


class LogTeleconferenceDeviceQualityBody(GraphModel):
    quality: TeleconferenceDeviceQuality


class ParticipantMixerLevel(GraphModel):
    odata_types = ("participantMixerLevel",)
    participant: str
    exclusive: bool | None = None
    ducking: JsonObject | None = None
    sourceLevels: list[JsonObject] | None = None


class ConfigureMixerBody(ClientContextBody):
    """beta ``participant: configureMixer``."""

    participantMixerLevels: Annotated[list[ParticipantMixerLevel], Field(min_length=1)]

    def request(self) -> ConfigureMixer:
        """Every participant a level names, then those its source levels name (a source
        level is free-form: whatever it holds in ``participant`` is looked up as a string)."""
        named: list[str] = []
        for level in self.participantMixerLevels:
            named.append(level.participant)
            named.extend(str(source.get("participant")) for source in level.sourceLevels or [])
        return ConfigureMixer(tuple(named), self.clientContext)
