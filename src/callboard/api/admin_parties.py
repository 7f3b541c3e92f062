"""``/_callboard/calls/{id}``: the admin view of a call and its simulated parties' live
actions; ``/_callboard/recordings/{id}``: a recording, without its token."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from callboard.api.admin import _AdminRoute
from callboard.api.admin_guard import admin_guard
from callboard.api.deps import RuntimeDep, base_url
from callboard.api.graph.calls import render_call
from callboard.api.responses import json_response
from callboard.clock import iso
from callboard.domain import graph_json
from callboard.json_types import JsonObject
from callboard.services import party_actions, recordings

router = APIRouter(
    prefix="/_callboard",
    tags=["admin"],
    route_class=_AdminRoute,
    dependencies=[Depends(admin_guard)],
)


class PartyActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["pressKeys", "speak", "hangUp", "answer", "decline", "hold", "unhold"]
    party: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    tones: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    seconds: Annotated[float, Field(gt=0, le=120, allow_inf_nan=False)] | None = None


@router.post(
    "/calls/{call_id}/party-actions",
    status_code=202,
    summary="a simulated party acts now (keys, speech, hang up, answer, decline, hold)",
)
async def post_party_action(call_id: str, body: PartyActionBody, rt: RuntimeDep) -> Response:
    queued = party_actions.party_action(
        rt, call_id, action=body.action, party=body.party, tones=body.tones, seconds=body.seconds
    )
    return json_response(
        {
            "callId": queued.call_id,
            "party": queued.party,
            "action": queued.action.value,
            "at": iso(queued.at),
        },
        202,
    )


@router.get("/calls/{call_id}", summary="a call with its history, DTMF and recordings")
async def get_call_detail(request: Request, call_id: str, rt: RuntimeDep) -> Response:
    detail = party_actions.call_detail(rt, call_id)
    call = detail.call
    root = base_url(request)
    extra: JsonObject = {
        "history": [
            {**asdict(change), "at": None if change.at is None else iso(change.at)}
            for change in call.media.history
        ],
        "participants": [graph_json.participant(p) for p in call.participants],
        "parties": [
            {
                "party": p.key,
                "participantId": p.participant_id,
                "invitation": None if p.invitation is None else p.invitation.value,
            }
            for p in detail.parties
        ],
        "operations": [graph_json.operation(o) for o in detail.operations],
        "dtmf": [{**asdict(entry), "at": iso(entry.at)} for entry in call.media.dtmf],
        "recordings": [
            {
                "id": ref.id,
                "operationId": ref.operation_id,
                "durationSeconds": ref.duration_seconds,
                "contentType": recordings.CONTENT_TYPE,
                "at": iso(ref.at),
                "url": f"{root}/_callboard/recordings/{ref.id}",
            }
            for ref in call.media.recordings
        ],
    }
    return json_response({**render_call(request, call), **extra})


@router.get("/recordings/{recording_id}", summary="a recording's WAV (no token needed)")
async def get_recording(recording_id: str, rt: RuntimeDep) -> Response:
    stored = recordings.fetch_for_admin(rt, recording_id)
    return Response(stored.content, media_type=stored.content_type)
