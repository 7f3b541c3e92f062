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
from callboard.json_types import JsonObject

RoutingModeName = Literal["oneToOne", "multicast"]


class TransferBody(ClientContextBody):
    transferTarget: InvitationParticipantInfo
    transferee: ParticipantInfo | None = None


class MediaPrompt(GraphModel):
    odata_types = ("mediaPrompt",)
    mediaInfo: JsonObject


class StartHoldMusicBody(ClientContextBody):
    customPrompt: MediaPrompt | None = None


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
