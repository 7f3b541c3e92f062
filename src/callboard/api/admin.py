"""``/_callboard/*``: Callboard's own control plane (off unless enabled)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from callboard.api.deps import RuntimeDep, runtime
from callboard.api.graph.calls import render_call
from callboard.api.responses import json_response
from callboard.clock import iso
from callboard.errors import UnknownRoute
from callboard.services import admin, incoming


def _admin_enabled(request: Request) -> None:
    if not runtime(request).settings.admin:
        raise UnknownRoute("The admin API is disabled (CALLBOARD_ADMIN_ENABLED).")


router = APIRouter(prefix="/_callboard", tags=["admin"], dependencies=[Depends(_admin_enabled)])
health_router = APIRouter(prefix="/_callboard", tags=["admin"])


Modality = Literal["audio", "video", "videoBasedScreenSharing", "data"]


def _audio_only() -> list[Modality]:
    return ["audio"]


class IncomingCallRequest(BaseModel):
    """A simulated caller (user or phone) calls an application or its instance's number."""

    model_config = ConfigDict(extra="forbid")
    tenantId: str
    fromUserId: str | None = None
    fromPhone: str | None = None
    toAppId: str | None = None
    toApplicationInstanceId: str | None = None
    requestedModalities: list[Modality] = Field(default_factory=_audio_only)
    subject: str | None = None
    hangUpAfterSeconds: Annotated[float, Field(ge=0)] | None = None
    apiVersion: Literal["v1.0", "beta"] = "v1.0"


class BehaviourBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    response: Literal["answer", "decline", "busy", "noAnswer", "unreachable"] = "answer"
    answerAfterSeconds: Annotated[float, Field(ge=0)] | None = None
    hangUpAfterSeconds: Annotated[float, Field(ge=0)] | None = None


class AdvanceBody(BaseModel):
    seconds: Annotated[float, Field(ge=0)]


@health_router.get("/health", summary="liveness")
async def health() -> Response:
    return json_response({"status": "ok"})


@router.post("/reset", status_code=204, summary="reset state")
async def reset(rt: RuntimeDep) -> Response:
    admin.reset(rt)
    return Response(status_code=204)


@router.get("/directory", summary="the directory")
async def get_directory(rt: RuntimeDep) -> Response:
    return json_response(admin.get_directory(rt))


@router.put("/directory", status_code=204, summary="replace the directory")
async def put_directory(rt: RuntimeDep, document: Annotated[dict[str, Any], Body()]) -> Response:
    admin.load_directory(rt, document)
    return Response(status_code=204)


@router.get("/behaviours", summary="simulated-party behaviours")
async def list_behaviours(rt: RuntimeDep) -> Response:
    return json_response({"value": admin.list_behaviours(rt)})


@router.put("/behaviours/{identity_id}", summary="set how an identity responds when called")
async def put_behaviour(identity_id: str, body: BehaviourBody, rt: RuntimeDep) -> Response:
    return json_response(admin.set_behaviour(rt, identity_id, body.model_dump(exclude_none=True)))


@router.delete("/behaviours/{identity_id}", status_code=204, summary="back to the default")
async def delete_behaviour(identity_id: str, rt: RuntimeDep) -> Response:
    admin.delete_behaviour(rt, identity_id)
    return Response(status_code=204)


@router.post("/incoming-calls", status_code=201, summary="place an incoming call")
async def place_incoming_call(
    request: Request, body: IncomingCallRequest, rt: RuntimeDep
) -> Response:
    call = incoming.place_incoming_call(rt, body.model_dump())
    return json_response(render_call(request, call), 201)


@router.get("/deliveries", summary="webhook delivery attempts")
async def list_deliveries(
    rt: RuntimeDep,
    call_id: Annotated[str | None, Query(alias="callId")] = None,
    outcome: Annotated[str | None, Query()] = None,
    skip: Annotated[int, Query(alias="$skip", ge=0)] = 0,
    top: Annotated[int, Query(alias="$top", ge=1, le=1000)] = 100,
) -> Response:
    rows = admin.list_deliveries(rt, call_id=call_id, outcome=outcome, skip=skip, top=top)
    for row in rows:
        row["created_at"] = iso(row["created_at"])
    return json_response({"value": rows})


@router.get("/jobs", summary="jobs (outbox and timers)")
async def list_jobs(
    rt: RuntimeDep,
    status: Annotated[str | None, Query()] = None,
    kind: Annotated[str | None, Query()] = None,
    skip: Annotated[int, Query(alias="$skip", ge=0)] = 0,
    top: Annotated[int, Query(alias="$top", ge=1, le=1000)] = 100,
) -> Response:
    rows = admin.list_jobs(rt, status=status, kind=kind, skip=skip, top=top)
    for row in rows:
        for key in ("run_at", "created_at", "finished_at", "locked_until"):
            if row.get(key) is not None:
                row[key] = iso(row[key])
    return json_response({"value": rows})


@router.get("/clock", summary="the server's current time")
async def get_clock(rt: RuntimeDep) -> Response:
    return json_response({"now": iso(rt.clock.now()), "virtual": rt.settings.virtual_clock})


@router.post("/clock/advance", summary="move the virtual clock forward")
async def advance_clock(body: AdvanceBody, rt: RuntimeDep) -> Response:
    return json_response({"now": iso(admin.advance_clock(rt, body.seconds))})
