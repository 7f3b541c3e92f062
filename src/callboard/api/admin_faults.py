"""``/_callboard/faults``: fault injection rules for bot developers (docs/fault-injection.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Response

from callboard.api.admin import _AdminRoute
from callboard.api.admin_guard import admin_guard
from callboard.api.deps import RuntimeDep
from callboard.api.responses import json_response
from callboard.json_types import JsonObject
from callboard.services import faults

router = APIRouter(
    prefix="/_callboard",
    tags=["admin"],
    route_class=_AdminRoute,
    dependencies=[Depends(admin_guard)],
)


@router.post("/faults", status_code=201, summary="inject a fault")
async def create_fault(body: Annotated[JsonObject, Body()], rt: RuntimeDep) -> Response:
    return json_response(faults.create_fault(rt, body).to_json(), 201)


@router.get("/faults", summary="the fault injection rules")
async def list_faults(rt: RuntimeDep) -> Response:
    return json_response({"value": [f.to_json() for f in faults.list_faults(rt)]})


@router.delete("/faults/{fault_id}", status_code=204, summary="remove a fault")
async def delete_fault(fault_id: str, rt: RuntimeDep) -> Response:
    faults.delete_fault(rt, fault_id)
    return Response(status_code=204)


@router.delete("/faults", status_code=204, summary="remove every fault")
async def clear_faults(rt: RuntimeDep) -> Response:
    faults.clear_faults(rt)
    return Response(status_code=204)
