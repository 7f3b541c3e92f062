"""Call control on ``/communications/calls/**``: transfer, hold music, the large gallery view,
audio routing groups and logTeleconferenceDeviceQuality. Parse, call one service, render."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from callboard.api.deps import PrincipalDep, RuntimeDep, api_version, graph_root
from callboard.api.graph import control_schemas as bodies
from callboard.api.graph.calls import operation_response
from callboard.api.graph.schemas import ClientContextBody
from callboard.api.responses import json_response
from callboard.domain import graph_json
from callboard.domain.audio_routing import AudioRoutingGroup
from callboard.errors import UnknownRoute
from callboard.odata import page
from callboard.services import audio_routing, call_control, hold_music, transfers

router = APIRouter(prefix="/communications/calls", tags=["call control"])

GROUPS = "audioRoutingGroups"


@router.post(
    "/logTeleconferenceDeviceQuality", status_code=200, summary="logTeleconferenceDeviceQuality"
)
async def log_teleconference_device_quality(
    body: bodies.LogTeleconferenceDeviceQualityBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    call_control.log_teleconference_device_quality(rt, principal, body.quality.request())
    return Response(status_code=200)


@router.post("/{call_id}/transfer", status_code=202, summary="transfer")
async def transfer(
    call_id: str, body: bodies.TransferBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    transfers.transfer_call(rt, principal, call_id, body.request())
    return Response(status_code=202)


@router.post("/{call_id}/addLargeGalleryView", status_code=202, summary="addLargeGalleryView")
async def add_large_gallery_view(
    request: Request,
    call_id: str,
    body: ClientContextBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = call_control.add_large_gallery_view(rt, principal, call_id, body.clientContext)
    return operation_response(request, call_id, operation, status_code=202)


@router.post(
    "/{call_id}/participants/{participant_id}/startHoldMusic",
    status_code=202,
    summary="startHoldMusic",
)
async def start_hold_music(
    request: Request,
    call_id: str,
    participant_id: str,
    body: bodies.StartHoldMusicBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = hold_music.start_hold_music(rt, principal, call_id, participant_id, body.request())
    return operation_response(request, call_id, operation, status_code=202)


@router.post(
    "/{call_id}/participants/{participant_id}/stopHoldMusic",
    status_code=202,
    summary="stopHoldMusic",
)
async def stop_hold_music(
    request: Request,
    call_id: str,
    participant_id: str,
    body: ClientContextBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = hold_music.stop_hold_music(
        rt, principal, call_id, participant_id, body.clientContext
    )
    return operation_response(request, call_id, operation, status_code=202)


@router.post(
    "/{call_id}/participants/configureMixer", status_code=202, summary="configureMixer (beta)"
)
async def configure_mixer(
    request: Request,
    call_id: str,
    body: bodies.ConfigureMixerBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    if api_version(request) != "beta":
        raise UnknownRoute("participant: configureMixer is a beta action.")
    operation = call_control.configure_mixer(rt, principal, call_id, body.request())
    return operation_response(request, call_id, operation, status_code=202)


# -- audioRoutingGroups ---------------------------------------------------------------


def _group_body(request: Request, call_id: str, group: AudioRoutingGroup) -> dict[str, object]:
    context = f"{graph_root(request)}/$metadata#communications/calls('{call_id}')/{GROUPS}/$entity"
    return {"@odata.context": context, **graph_json.audio_routing_group(group)}


@router.post(f"/{{call_id}}/{GROUPS}", status_code=200, summary="create audioRoutingGroup")
async def create_audio_routing_group(
    request: Request,
    call_id: str,
    body: bodies.AudioRoutingGroupCreate,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    group = audio_routing.create_audio_routing_group(
        rt,
        principal,
        call_id,
        group_id=body.id,
        routing_mode=body.routing_mode,
        sources=body.sources,
        receivers=body.receivers,
    )
    return json_response(_group_body(request, call_id, group))


@router.get(f"/{{call_id}}/{GROUPS}", summary="list audioRoutingGroups")
async def list_audio_routing_groups(
    request: Request,
    call_id: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    top: Annotated[str | None, Query(alias="$top")] = None,
    skiptoken: Annotated[str | None, Query(alias="$skiptoken")] = None,
) -> Response:
    groups = audio_routing.list_audio_routing_groups(rt, principal, call_id)
    root = graph_root(request)
    return json_response(
        page(
            [graph_json.audio_routing_group(g) for g in groups],
            url=f"{root}/communications/calls/{call_id}/{GROUPS}",
            context=f"{root}/$metadata#communications/calls('{call_id}')/{GROUPS}",
            top=top,
            skiptoken=skiptoken,
        )
    )


@router.get(f"/{{call_id}}/{GROUPS}/{{group_id}}", summary="get audioRoutingGroup")
async def get_audio_routing_group(
    request: Request, call_id: str, group_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    group = audio_routing.get_audio_routing_group(rt, principal, call_id, group_id)
    return json_response(_group_body(request, call_id, group))


@router.patch(f"/{{call_id}}/{GROUPS}/{{group_id}}", summary="update audioRoutingGroup")
async def update_audio_routing_group(
    request: Request,
    call_id: str,
    group_id: str,
    body: bodies.AudioRoutingGroupUpdate,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    group = audio_routing.update_audio_routing_group(
        rt,
        principal,
        call_id,
        group_id,
        routing_mode=body.routing_mode,
        sources=body.sources,
        receivers=body.receivers,
    )
    return json_response(_group_body(request, call_id, group))


@router.delete(
    f"/{{call_id}}/{GROUPS}/{{group_id}}", status_code=204, summary="delete audioRoutingGroup"
)
async def delete_audio_routing_group(
    call_id: str, group_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    audio_routing.delete_audio_routing_group(rt, principal, call_id, group_id)
    return Response(status_code=204)
