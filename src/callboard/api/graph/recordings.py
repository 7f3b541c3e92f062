"""``POST /communications/calls/{id}/recordResponse``, and the recording it leaves, served at
its ``recordingLocation`` to a request bearing its ``recordingAccessToken``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from pydantic import Field

from callboard.api.deps import PrincipalDep, RuntimeDep, base_url
from callboard.api.graph.calls import operation_response
from callboard.api.graph.schemas import ClientContextBody
from callboard.domain.call_media import MediaPrompt
from callboard.domain.recordings import RecordResponse
from callboard.json_types import JsonObject
from callboard.services import recording_actions, recordings

router = APIRouter(prefix="/communications/calls", tags=["calls"])
# Not under a Graph version: the URL is opaque to the bot, which sends the recording's token.
media_router = APIRouter(prefix=recordings.RECORDINGS_PATH, tags=["calls"])


class RecordResponseBody(ClientContextBody):
    # Limits beyond the types (prompt count, timer ranges) are checked by the service, so
    # that each gets Graph's 400 with a message naming the rule.
    prompts: Annotated[list[JsonObject], Field(max_length=20)] = Field(default_factory=list)
    bargeInAllowed: bool | None = None
    initialSilenceTimeoutInSeconds: int | None = None
    maxSilenceTimeoutInSeconds: int | None = None
    maxRecordDurationInSeconds: int | None = None
    playBeep: bool | None = None
    stopTones: Annotated[list[str], Field(max_length=16)] = Field(default_factory=list)

    def request(self) -> RecordResponse:
        return RecordResponse(
            prompts=tuple(MediaPrompt.parse(prompt) for prompt in self.prompts),
            barge_in_allowed=bool(self.bargeInAllowed),
            initial_silence=self.initialSilenceTimeoutInSeconds,
            max_silence=self.maxSilenceTimeoutInSeconds,
            max_duration=self.maxRecordDurationInSeconds,
            play_beep=True if self.playBeep is None else self.playBeep,
            stop_tones=tuple(self.stopTones),
            client_context=self.clientContext,
        )


@router.post("/{call_id}/recordResponse", summary="recordResponse")
async def record_response(
    request: Request,
    call_id: str,
    body: RecordResponseBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = recording_actions.record_response(
        rt, principal, call_id, body.request(), base_url(request)
    )
    return operation_response(request, call_id, operation)


@media_router.get("/{recording_id}", summary="a recording (recordingLocation)")
async def get_recording(
    recording_id: str,
    rt: RuntimeDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    stored = recordings.fetch(rt, recording_id, authorization)
    return Response(stored.content, media_type="application/octet-stream")
