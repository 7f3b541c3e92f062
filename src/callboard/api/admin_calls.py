"""``GET /_callboard/calls/{id}``: one call in any state. Graph answers 404 once a call has
ended; its history stays readable here (and in ``GET /_callboard/calls``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from callboard.api.admin import _AdminRoute
from callboard.api.admin_guard import admin_guard
from callboard.api.deps import RuntimeDep
from callboard.api.graph.calls import render_call
from callboard.api.responses import json_response
from callboard.services import control_plane

router = APIRouter(
    prefix="/_callboard",
    tags=["admin"],
    route_class=_AdminRoute,
    dependencies=[Depends(admin_guard)],
)


@router.get("/calls/{call_id}", summary="one call, ended ones included")
async def get_call(request: Request, call_id: str, rt: RuntimeDep) -> Response:
    return json_response(render_call(request, control_plane.get_call(rt, call_id)))
