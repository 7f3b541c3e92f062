"""``/_callboard/calls/{id}``: the admin view of a call and its simulated parties' live
actions; ``/_callboard/recordings/{id}``: a recording, without its token."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from callboard.api.admin import _AdminRoute
from callboard.api.admin_guard import admin_guard
from callboard.api.deps import RuntimeDep, base_url
from callboard.api.graph.calls import render_call
from callboard.api.responses import json_response
from callboard.clock import iso
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
    queued["at"] = iso(queued["at"])
    return json_response(queued, 202)


@router.get("/calls/{call_id}", summary="a call with its history, DTMF and recordings")
async def get_call_detail(request: Request, call_id: str, rt: RuntimeDep) -> Response:
    call, extra = party_actions.call_detail(rt, call_id)
    root = base_url(request)
    for change in extra["history"]:
        change["at"] = None if change["at"] is None else iso(change["at"])
    for entry in extra["dtmf"]:
        entry["at"] = iso(entry["at"])
    for recording in extra["recordings"]:
        recording["at"] = iso(recording["at"])
        recording["url"] = f"{root}/_callboard/recordings/{recording['id']}"
    return json_response({**render_call(request, call), **extra})


@router.get("/recordings/{recording_id}", summary="a recording's WAV (no token needed)")
async def get_recording(recording_id: str, rt: RuntimeDep) -> Response:
    stored = recordings.fetch_for_admin(rt, recording_id)
    return Response(stored.content, media_type=stored.content_type)
