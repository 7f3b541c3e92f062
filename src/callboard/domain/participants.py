"""Participants: who is in a call's roster (``GET .../participants``, roster notifications)."""

from __future__ import annotations

from dataclasses import dataclass, field

from callboard.json_types import JsonObject

# Media streams a joined party offers for each requested modality (label, direction), as
# Graph's participant examples show them.
_STREAMS: dict[str, tuple[str, str]] = {
    "audio": ("main-audio", "sendReceive"),
    "video": ("main-video", "receiveOnly"),
    "videoBasedScreenSharing": ("applicationsharing-video", "receiveOnly"),
    "data": ("data", "sendReceive"),
}


@dataclass
class MediaStream:
    media_type: str
    label: str
    source_id: str
    direction: str
    server_muted: bool = False


def media_streams(modalities: list[str], first_source_id: int) -> list[MediaStream]:
    streams = []
    for offset, modality in enumerate(m for m in modalities if m in _STREAMS):
        label, direction = _STREAMS[modality]
        streams.append(MediaStream(modality, label, str(first_source_id + offset), direction))
    return streams


@dataclass
class RecordingInfo:
    status: str
    # The identitySet of who records.
    initiator: JsonObject


@dataclass
class Participant:
    id: str
    # The participant's identitySet, as Graph has it.
    identity: JsonObject
    media_streams: list[MediaStream] = field(default_factory=list)
    is_muted: bool = False
    is_in_lobby: bool = False
    language_id: str | None = "en-US"
    region: str | None = None
    country_code: str | None = None
    endpoint_type: str | None = None
    recording_info: RecordingInfo | None = None
    roster_sequence_number: int = 0

    @classmethod
    def new(
        cls,
        participant_id: str,
        identity: JsonObject,
        *,
        modalities: list[str],
        source_id: int,
        muted: bool = False,
        in_lobby: bool = False,
        language_id: str | None = "en-US",
    ) -> Participant:
        return cls(
            id=participant_id,
            identity=identity,
            media_streams=media_streams(modalities or ["audio"], source_id),
            is_muted=muted,
            is_in_lobby=in_lobby,
            language_id=language_id,
        )

    def set_muted(self, muted: bool) -> None:
        """Server-side mute: the participant and its audio stream."""
        self.is_muted = muted
        for stream in self.media_streams:
            if stream.media_type == "audio":
                stream.server_muted = muted

    def receive_only_except_audio(self) -> None:
        """A simulated meeting attendee sends audio only."""
        for stream in self.media_streams:
            if stream.media_type != "audio":
                stream.direction = "receiveOnly"
