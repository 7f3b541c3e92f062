"""``/_callboard/deliveries``: every notification attempt with what was sent and answered
(the web console reads it), and redelivery."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from callboard.api.admin import _AdminRoute, _page
from callboard.api.admin_guard import admin_guard
from callboard.api.deps import RuntimeDep
from callboard.api.responses import json_response
from callboard.clock import iso
from callboard.json_types import JsonObject
from callboard.services import deliveries

router = APIRouter(
    prefix="/_callboard",
    tags=["admin"],
    route_class=_AdminRoute,
    dependencies=[Depends(admin_guard)],
)


def render(row: JsonObject) -> JsonObject:
    """One attempt: the stored columns (snake_case, as before) plus ``request``,
    ``response``, ``latencyMs`` and ``fault``."""
    payload = row.pop("payload", None) or {}
    headers = row.pop("request_headers", None) or {}
    answer = row.pop("response_body", None)
    row["created_at"] = iso(row["created_at"])
    row["request"] = {"url": row["url"], "headers": headers, "body": payload.get("body")}
    row["response"] = {"status": row["status_code"], "body": answer}
    row["latencyMs"] = row["latency_ms"]
    return row


@router.get("/deliveries", summary="webhook delivery attempts")
async def list_deliveries(
    request: Request,
    rt: RuntimeDep,
    call_id: Annotated[str | None, Query(alias="callId")] = None,
    outcome: Annotated[Literal["delivered", "retry", "dead"] | None, Query()] = None,
    skip: Annotated[int, Query(alias="$skip", ge=0)] = 0,
    top: Annotated[int, Query(alias="$top", ge=1, le=1000)] = 100,
) -> Response:
    rows, more = deliveries.list_deliveries(
        rt, call_id=call_id, outcome=outcome, skip=skip, top=top
    )
    return json_response(_page(request, [render(r) for r in rows], more, skip, top))


@router.post(
    "/deliveries/{delivery_id}/redeliver", status_code=202, summary="send a notification again"
)
async def redeliver(delivery_id: int, rt: RuntimeDep) -> Response:
    job_id = deliveries.redeliver(rt, delivery_id)
    return json_response({"jobId": job_id}, 202)
