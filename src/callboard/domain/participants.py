"""Participant resources as they appear in rosters and ``GET .../participants``."""

from __future__ import annotations

from typing import Any

PARTICIPANT_TYPE = "#microsoft.graph.participant"

# Media streams a joined party offers for each requested modality (shapes from seed 003).
_STREAMS: dict[str, tuple[str, str]] = {
    "audio": ("main-audio", "sendReceive"),
    "video": ("main-video", "receiveOnly"),
    "videoBasedScreenSharing": ("applicationsharing-video", "receiveOnly"),
    "data": ("data", "sendReceive"),
}


def media_streams(modalities: list[str], first_source_id: int) -> list[dict[str, Any]]:
    streams = []
    for offset, modality in enumerate(m for m in modalities if m in _STREAMS):
        label, direction = _STREAMS[modality]
        streams.append(
            {
                "@odata.type": "#microsoft.graph.mediaStream",
                "mediaType": modality,
                "label": label,
                "sourceId": str(first_source_id + offset),
                "direction": direction,
                "serverMuted": False,
            }
        )
    return streams


def new_participant(
    participant_id: str,
    identity: dict[str, Any],
    *,
    modalities: list[str],
    source_id: int,
    muted: bool = False,
    in_lobby: bool = False,
    language_id: str | None = "en-US",
) -> dict[str, Any]:
    return {
        "@odata.type": PARTICIPANT_TYPE,
        "id": participant_id,
        "info": {
            "@odata.type": "#microsoft.graph.participantInfo",
            "identity": identity,
            "languageId": language_id,
            "region": None,
            "countryCode": None,
            "endpointType": None,
            "participantId": participant_id,
        },
        "mediaStreams": media_streams(modalities or ["audio"], source_id),
        "isMuted": muted,
        "isInLobby": in_lobby,
        "metadata": None,
        "recordingInfo": None,
        "removedState": None,
        "restrictedExperience": None,
        "rosterSequenceNumber": 0,
    }
