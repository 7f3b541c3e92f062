"""``/communications/calls/**``: parse, call one service function, render."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from callboard.api.deps import (
    PrincipalDep,
    RuntimeDep,
    api_version,
    authenticate,
    authenticates_itself,
    graph_root,
    runtime,
)
from callboard.api.graph import schemas
from callboard.api.responses import json_response
from callboard.domain import graph_json
from callboard.domain.calls import Call, CallOptions, CallState, MediaConfig
from callboard.domain.operations import CommsOperation
from callboard.json_types import JsonObject
from callboard.odata import page
from callboard.services import actions, calls, incoming

router = APIRouter(prefix="/communications/calls", tags=["calls"])


def render_call(request: Request, call: Call) -> JsonObject:
    state = call.state
    if state is CallState.RINGING and api_version(request) == "v1.0":
        state = CallState.ESTABLISHING  # v1.0's callState has no "ringing"
    return {
        "@odata.context": f"{graph_root(request)}/$metadata#communications/calls/$entity",
        **graph_json.call(call, state=state.value),
    }


def operation_response(
    request: Request, call_id: str, operation: CommsOperation, *, status_code: int = 200
) -> Response:
    """200 (202 for some actions) with the operation and a Location header pointing at it."""
    root = graph_root(request)
    body = {
        "@odata.context": f"{root}/$metadata#communications/calls('{call_id}')/operations/$entity",
        **graph_json.operation(operation),
    }
    location = f"{root}/communications/calls/{call_id}/operations/{operation.id}"
    return json_response(body, status_code, {"Location": location})


def _page(
    request: Request,
    call_id: str,
    segment: str,
    items: list[JsonObject],
    top: str | None,
    skiptoken: str | None,
) -> Response:
    """A page of one of the call's collections, with its @odata.nextLink."""
    root = graph_root(request)
    return json_response(
        page(
            items,
            url=f"{root}/communications/calls/{call_id}/{segment}",
            context=f"{root}/$metadata#communications/calls('{call_id}')/{segment}",
            top=top,
            skiptoken=skiptoken,
        )
    )


# The two hottest routes authenticate in their body: a FastAPI dependency per request cost
# more than the rest of the route (``deps.authenticates_itself``).
@router.post("", status_code=201, summary="create call")
@authenticates_itself
async def create_call(request: Request, body: schemas.CallCreate) -> Response:
    principal = authenticate(request)
    call = calls.create_call(
        runtime(request), principal, body.new_call(), api_version=api_version(request)
    )
    location = f"{graph_root(request)}/communications/calls/{call.id}"
    return json_response(render_call(request, call), 201, {"Location": location})


@router.get("/{call_id}", summary="get call")
@authenticates_itself
async def get_call(request: Request, call_id: str) -> Response:
    principal = authenticate(request)
    return json_response(render_call(request, calls.get_call(runtime(request), principal, call_id)))


@router.delete("/{call_id}", status_code=204, summary="delete call")
async def delete_call(call_id: str, rt: RuntimeDep, principal: PrincipalDep) -> Response:
    calls.delete_call(rt, principal, call_id)
    return Response(status_code=204)


@router.get("/{call_id}/participants", summary="list participants")
async def list_participants(
    request: Request,
    call_id: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    top: Annotated[str | None, Query(alias="$top")] = None,
    skiptoken: Annotated[str | None, Query(alias="$skiptoken")] = None,
) -> Response:
    participants = calls.list_participants(rt, principal, call_id)
    items = [graph_json.participant(p) for p in participants]
    return _page(request, call_id, "participants", items, top, skiptoken)


@router.get("/{call_id}/participants/{participant_id}", summary="get participant")
async def get_participant(
    request: Request, call_id: str, participant_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    participant = calls.get_participant(rt, principal, call_id, participant_id)
    context = (
        f"{graph_root(request)}/$metadata#communications/calls('{call_id}')/participants/$entity"
    )
    return json_response({"@odata.context": context, **graph_json.participant(participant)})


@router.get("/{call_id}/operations", summary="list operations")
async def list_operations(
    request: Request,
    call_id: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    top: Annotated[str | None, Query(alias="$top")] = None,
    skiptoken: Annotated[str | None, Query(alias="$skiptoken")] = None,
) -> Response:
    # The operations navigation of call is a contained collection (docs/decisions.md).
    operations = calls.list_operations(rt, principal, call_id)
    items = [graph_json.operation(o) for o in operations]
    return _page(request, call_id, "operations", items, top, skiptoken)


@router.get("/{call_id}/operations/{operation_id}", summary="get operation")
async def get_operation(
    request: Request, call_id: str, operation_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    operation = calls.get_operation(rt, principal, call_id, operation_id)
    context = (
        f"{graph_root(request)}/$metadata#communications/calls('{call_id}')/operations/$entity"
    )
    return json_response({"@odata.context": context, **graph_json.operation(operation)})


@router.post("/{call_id}/answer", status_code=202, summary="answer")
async def answer_call(
    call_id: str, body: schemas.AnswerBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    incoming.answer_call(
        rt,
        principal,
        call_id,
        callback_uri=body.callbackUri,
        media_config=MediaConfig.parse(body.mediaConfig.dump()),
        accepted_modalities=list(body.acceptedModalities or []),
        call_options=None
        if body.callOptions is None
        else CallOptions.parse(body.callOptions.dump()),
    )
    return Response(status_code=202)


@router.post("/{call_id}/reject", status_code=202, summary="reject")
async def reject_call(
    call_id: str, body: schemas.RejectBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    incoming.reject_call(rt, principal, call_id, reason=body.reason, callback_uri=body.callbackUri)
    return Response(status_code=202)


@router.post("/{call_id}/redirect", status_code=202, summary="redirect")
async def redirect_call(
    call_id: str, body: schemas.RedirectBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    incoming.redirect_call(
        rt, principal, call_id, targets=body.dump()["targets"], callback_uri=body.callbackUri
    )
    return Response(status_code=202)


@router.post("/{call_id}/keepAlive", summary="keepAlive")
async def keep_alive(call_id: str, rt: RuntimeDep, principal: PrincipalDep) -> Response:
    actions.keep_alive(rt, principal, call_id)
    return Response(status_code=200)


@router.post("/{call_id}/mute", summary="mute")
async def mute(
    request: Request, call_id: str, body: schemas.MuteBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    operation = actions.mute_call(rt, principal, call_id, body.clientContext, muted=True)
    return operation_response(request, call_id, operation)


@router.post("/{call_id}/unmute", summary="unmute")
async def unmute(
    request: Request, call_id: str, body: schemas.MuteBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    operation = actions.mute_call(rt, principal, call_id, body.clientContext, muted=False)
    return operation_response(request, call_id, operation)


@router.post("/{call_id}/playPrompt", summary="playPrompt")
async def play_prompt(
    request: Request,
    call_id: str,
    body: schemas.PlayPromptBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = actions.play_prompt(rt, principal, call_id, body.request())
    return operation_response(request, call_id, operation)


@router.post("/{call_id}/subscribeToTone", summary="subscribeToTone")
async def subscribe_to_tone(
    request: Request,
    call_id: str,
    body: schemas.ClientContextBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = actions.subscribe_to_tone(rt, principal, call_id, body.clientContext)
    return operation_response(request, call_id, operation)


@router.post("/{call_id}/cancelMediaProcessing", summary="cancelMediaProcessing")
async def cancel_media_processing(
    request: Request,
    call_id: str,
    body: schemas.ClientContextBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = actions.cancel_media_processing(rt, principal, call_id, body.clientContext)
    return operation_response(request, call_id, operation)


@router.post("/{call_id}/sendDtmfTones", summary="sendDtmfTones")
async def send_dtmf_tones(
    request: Request,
    call_id: str,
    body: schemas.SendDtmfTonesBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = actions.send_dtmf_tones(rt, principal, call_id, body.request())
    return operation_response(request, call_id, operation)


@router.post("/{call_id}/updateRecordingStatus", summary="updateRecordingStatus")
async def update_recording_status(
    request: Request,
    call_id: str,
    body: schemas.UpdateRecordingStatusBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = actions.update_recording_status(rt, principal, call_id, body.request())
    return operation_response(request, call_id, operation)


@router.post(
    "/{call_id}/changeScreenSharingRole", status_code=202, summary="changeScreenSharingRole"
)
async def change_screen_sharing_role(
    call_id: str, body: schemas.ChangeScreenSharingRoleBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    actions.change_screen_sharing_role(rt, principal, call_id, body.role)
    return Response(status_code=202)
