"""``/_callboard/*``: Callboard's own control plane (off unless enabled)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from callboard.api.admin_guard import admin_guard
from callboard.api.deps import RuntimeDep, runtime
from callboard.api.graph.calls import render_call
from callboard.api.responses import json_response
from callboard.clock import iso
from callboard.domain.directory import Behaviour
from callboard.domain.phone_numbers import require_e164
from callboard.errors import UnknownRoute
from callboard.json_types import JsonObject
from callboard.services import control_plane, incoming, meeting_rosters, sms_records, token_issuing


class _AdminRoute(APIRoute):
    """Checks that the admin API is enabled before anything else, the body included: a
    disabled admin API answers 404 to every request, even a malformed one."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            if not runtime(request).settings.admin:
                raise UnknownRoute("The admin API is disabled (CALLBOARD_ADMIN_ENABLED).")
            return await handler(request)

        return guarded


# Host, Origin and credential checks on every admin route (not /health, which tells nothing).
router = APIRouter(
    prefix="/_callboard",
    tags=["admin"],
    route_class=_AdminRoute,
    dependencies=[Depends(admin_guard)],
)
health_router = APIRouter(prefix="/_callboard", tags=["admin"])

# Far enough for any test; bounded so that the clock stays a valid date.
MAX_ADVANCE_SECONDS = 10 * 366 * 86400


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
    # Timed steps once in the call (docs/simulation.md); validated by the domain's parser.
    script: list[JsonObject] | None = None
    transfer: Literal["accept", "refuse"] | None = None

    def behaviour(self) -> Behaviour:
        return Behaviour.parse(self.model_dump(exclude_none=True))


class AdvanceBody(BaseModel):
    seconds: Annotated[float, Field(ge=0, le=MAX_ADVANCE_SECONDS, allow_inf_nan=False)]


def _page(request: Request, rows: list[JsonObject], more: bool, skip: int, top: int) -> JsonObject:
    """``{"value": [...]}`` plus ``@odata.nextLink`` (same filters, next $skip) when more follow."""
    body: JsonObject = {"value": rows}
    if more:
        body["@odata.nextLink"] = str(
            request.url.include_query_params(**{"$skip": skip + top, "$top": top})
        )
    return body


@health_router.get("/health", summary="liveness")
async def health() -> Response:
    return json_response({"status": "ok"})


@router.post("/reset", status_code=204, summary="reset state")
async def reset(rt: RuntimeDep) -> Response:
    control_plane.reset(rt)
    return Response(status_code=204)


class TokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    app: str | None = None
    user: str | None = None
    tenant: str | None = None


@router.post("/token", summary="an access token, as `callboard token` prints it")
async def issue_token(body: TokenBody, rt: RuntimeDep) -> Response:
    """Signed with the running server's keys and clock (what ``callboard token`` asks for)."""
    token = token_issuing.issue_token(rt, app_id=body.app, user=body.user, tenant_id=body.tenant)
    return json_response({"token_type": "Bearer", "access_token": token})


@router.get("/directory", summary="the directory")
async def get_directory(rt: RuntimeDep) -> Response:
    return json_response(control_plane.get_directory(rt))


@router.put("/directory", status_code=204, summary="replace the directory")
async def put_directory(rt: RuntimeDep, document: Annotated[JsonObject, Body()]) -> Response:
    control_plane.load_directory(rt, document)
    return Response(status_code=204)


@router.get("/behaviours", summary="simulated-party behaviours")
async def list_behaviours(rt: RuntimeDep) -> Response:
    behaviours = control_plane.list_behaviours(rt)
    return json_response({"value": {key: b.to_dict() for key, b in behaviours.items()}})


@router.put("/behaviours/{identity_id}", summary="set how an identity responds when called")
async def put_behaviour(identity_id: str, body: BehaviourBody, rt: RuntimeDep) -> Response:
    behaviour = body.behaviour()
    control_plane.set_behaviour(rt, identity_id, behaviour)
    return json_response(behaviour.to_dict())


@router.delete("/behaviours/{identity_id}", status_code=204, summary="back to the default")
async def delete_behaviour(identity_id: str, rt: RuntimeDep) -> Response:
    control_plane.delete_behaviour(rt, identity_id)
    return Response(status_code=204)


@router.post("/incoming-calls", status_code=201, summary="place an incoming call")
async def place_incoming_call(
    request: Request, body: IncomingCallRequest, rt: RuntimeDep
) -> Response:
    call = incoming.place_incoming_call(rt, body.model_dump())
    return json_response(render_call(request, call), 201)


@router.get("/jobs", summary="jobs (outbox and timers)")
async def list_jobs(
    request: Request,
    rt: RuntimeDep,
    status: Annotated[Literal["pending", "running", "done", "dead"] | None, Query()] = None,
    kind: Annotated[str | None, Query()] = None,
    skip: Annotated[int, Query(alias="$skip", ge=0)] = 0,
    top: Annotated[int, Query(alias="$top", ge=1, le=1000)] = 100,
) -> Response:
    rows, more = control_plane.list_jobs(rt, status=status, kind=kind, skip=skip, top=top)
    for row in rows:
        for key in ("run_at", "created_at", "finished_at", "locked_until"):
            if row.get(key) is not None:
                row[key] = iso(row[key])
    return json_response(_page(request, rows, more, skip, top))


@router.get("/clock", summary="the server's current time")
async def get_clock(rt: RuntimeDep) -> Response:
    return json_response({"now": iso(rt.clock.now()), "virtual": rt.settings.virtual_clock})


@router.post("/clock/advance", summary="move the virtual clock forward")
async def advance_clock(body: AdvanceBody, rt: RuntimeDep) -> Response:
    return json_response({"now": iso(control_plane.advance_clock(rt, body.seconds))})


class AttendeeBody(BaseModel):
    """A simulated person joins a meeting: a directory user, a phone, or a named guest."""

    model_config = ConfigDict(extra="forbid")
    userId: str | None = None
    phone: str | None = None
    displayName: str | None = None
    muted: bool = False
    modalities: list[Modality] | None = None


class AttendeeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    isMuted: bool


class SharingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participantId: str


@router.get("/meetings/{meeting_id}", summary="a meeting with its live roster")
async def get_meeting(meeting_id: str, rt: RuntimeDep) -> Response:
    return json_response(meeting_rosters.describe(rt, meeting_id))


@router.post(
    "/meetings/{meeting_id}/participants",
    status_code=201,
    summary="a simulated person joins a meeting (maybe into its lobby)",
)
async def join_meeting(meeting_id: str, body: AttendeeBody, rt: RuntimeDep) -> Response:
    spec = body.model_dump(exclude_none=True)
    if "phone" in spec:
        spec["phone"] = require_e164(spec["phone"], "phone")
    return json_response(meeting_rosters.join_person(rt, meeting_id, spec), 201)


@router.patch(
    "/meetings/{meeting_id}/participants/{participant_id}",
    status_code=204,
    summary="mute or unmute a simulated person",
)
async def change_attendee(
    meeting_id: str, participant_id: str, body: AttendeeChange, rt: RuntimeDep
) -> Response:
    meeting_rosters.set_muted(rt, meeting_id, participant_id, body.isMuted)
    return Response(status_code=204)


@router.delete(
    "/meetings/{meeting_id}/participants/{participant_id}",
    status_code=204,
    summary="a simulated person leaves a meeting",
)
async def leave_meeting(meeting_id: str, participant_id: str, rt: RuntimeDep) -> Response:
    meeting_rosters.leave(rt, meeting_id, participant_id)
    return Response(status_code=204)


@router.post(
    "/meetings/{meeting_id}/participants/{participant_id}/admit",
    status_code=204,
    summary="the organizer admits someone from the lobby",
)
async def admit(meeting_id: str, participant_id: str, rt: RuntimeDep) -> Response:
    meeting_rosters.admit(rt, meeting_id, participant_id)
    return Response(status_code=204)


@router.post(
    "/meetings/{meeting_id}/contentSharingSessions",
    status_code=201,
    summary="a participant starts sharing content",
)
async def start_sharing(meeting_id: str, body: SharingBody, rt: RuntimeDep) -> Response:
    return json_response(meeting_rosters.start_sharing(rt, meeting_id, body.participantId), 201)


@router.patch(
    "/meetings/{meeting_id}/contentSharingSessions/{session_id}",
    status_code=204,
    summary="the shared content changes",
)
async def update_sharing(meeting_id: str, session_id: str, rt: RuntimeDep) -> Response:
    meeting_rosters.update_sharing(rt, meeting_id, session_id)
    return Response(status_code=204)


@router.delete(
    "/meetings/{meeting_id}/contentSharingSessions/{session_id}",
    status_code=204,
    summary="content sharing stops",
)
async def stop_sharing(meeting_id: str, session_id: str, rt: RuntimeDep) -> Response:
    meeting_rosters.stop_sharing(rt, meeting_id, session_id)
    return Response(status_code=204)


@router.get("/sms", summary="virtual-appointment SMS messages")
async def list_sms(
    request: Request,
    rt: RuntimeDep,
    meeting_id: Annotated[str | None, Query(alias="meetingId")] = None,
    status: Annotated[
        Literal["scheduled", "queued", "sending", "sent", "delivered", "failed", "cancelled"]
        | None,
        Query(),
    ] = None,
    to: Annotated[str | None, Query()] = None,
    skip: Annotated[int, Query(alias="$skip", ge=0)] = 0,
    top: Annotated[int, Query(alias="$top", ge=1, le=1000)] = 100,
) -> Response:
    messages, more = sms_records.list_messages(
        rt, meeting_id=meeting_id, status=status, to=to, skip=skip, top=top
    )
    rows = [sms_records.render_message(m) for m in messages]
    return json_response(_page(request, rows, more, skip, top))


@router.get("/calls", summary="calls (every application and tenant)")
async def list_calls(
    request: Request,
    rt: RuntimeDep,
    app_id: Annotated[str | None, Query(alias="appId")] = None,
    tenant_id: Annotated[str | None, Query(alias="tenantId")] = None,
    state: Annotated[
        Literal[
            "incoming",
            "establishing",
            "ringing",
            "established",
            "hold",
            "transferring",
            "transferAccepted",
            "redirecting",
            "terminating",
            "terminated",
        ]
        | None,
        Query(),
    ] = None,
    skip: Annotated[int, Query(alias="$skip", ge=0)] = 0,
    top: Annotated[int, Query(alias="$top", ge=1, le=1000)] = 100,
) -> Response:
    # ``state`` filters on the stored state; each call is rendered as Graph v1.0's GET
    # renders it (where a ringing call reads "establishing").
    calls, more = control_plane.list_calls(
        rt, app_id=app_id, tenant_id=tenant_id, state=state, skip=skip, top=top
    )
    rows = [render_call(request, call) for call in calls]
    return json_response(_page(request, rows, more, skip, top))
