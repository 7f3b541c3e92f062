"""``/communications/callRecords``: get one record (``$expand``), its ``sessions`` and
``participants_v2``, ``getPstnCalls`` and ``getDirectRoutingCalls`` (paged with
``@odata.nextLink``)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response

from callboard.api.deps import PrincipalDep, RuntimeDep, graph_root
from callboard.api.responses import json_response
from callboard.domain.call_record_json import render_record
from callboard.errors import BadRequest
from callboard.json_types import JsonObject
from callboard.services import call_records
from callboard.services.runtime import Runtime
from callboard.tokens import Principal

router = APIRouter(tags=["callRecords"])

# ``getPstnCalls(fromDateTime=…,toDateTime=…)``, also under its qualified name (the SDKs').
_FUNCTION = re.compile(
    r"(?:microsoft\.graph\.callRecords\.)?(getPstnCalls|getDirectRoutingCalls)\((.*)\)",
    re.IGNORECASE,
)
_ROW_TYPES = {
    "getpstncalls": "microsoft.graph.callRecords.pstnCallLogRow",
    "getdirectroutingcalls": "microsoft.graph.callRecords.directRoutingLogRow",
}
_MAX_PAGE = 1000


def _expansions(expand: str | None) -> tuple[bool, bool, bool]:
    """(sessions, segments, participants_v2) asked for by ``$expand``:
    ``sessions($expand=segments)``, ``participants_v2``."""
    text = (expand or "").replace(" ", "")
    sessions = "sessions" in text
    return sessions, sessions and "segments" in text, "participants_v2" in text


_ARGUMENT = re.compile(r"(fromDateTime|toDateTime)=", re.IGNORECASE)


def _function_arguments(text: str) -> dict[str, str]:
    """``fromDateTime=…,toDateTime=…``. The msgraph SDKs' URL template drops the comma
    between the two (``…+00:00toDateTime=…``), so the names, not the comma, separate them."""
    marks = list(_ARGUMENT.finditer(text))
    if not marks or marks[0].start() != 0:
        raise BadRequest(f"Malformed function parameters {text!r}.")
    arguments = {}
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following is not None else len(text)
        arguments[mark.group(1)] = text[mark.end() : end].rstrip(",").strip()
    return arguments


def _page_size(request: Request) -> int:
    prefer = request.headers.get("prefer", "")
    found = re.search(r"odata\.maxpagesize=(\d+)", prefer)
    return min(int(found.group(1)), _MAX_PAGE) if found and int(found.group(1)) > 0 else _MAX_PAGE


_LIST_PAGE = 60


@router.get("/communications/callRecords", summary="list callRecords")
async def list_call_records(
    request: Request,
    rt: RuntimeDep,
    principal: PrincipalDep,
    odata_filter: Annotated[str | None, Query(alias="$filter")] = None,
    skiptoken: Annotated[str | None, Query(alias="$skiptoken")] = None,
) -> Response:
    logs = call_records.list_call_records(rt, principal, odata_filter)
    try:
        offset = int(skiptoken or 0)
    except ValueError:
        raise BadRequest(f"Invalid $skiptoken: {skiptoken!r}.") from None
    size = (
        min(_page_size(request), _LIST_PAGE)
        if "maxpagesize" in request.headers.get("prefer", "")
        else _LIST_PAGE
    )
    root = graph_root(request)
    body: JsonObject = {
        "@odata.context": f"{root}/$metadata#communications/callRecords",
        "value": [
            render_record(log, expand_sessions=False) for log in logs[offset : offset + size]
        ],
    }
    if offset + size < len(logs):
        query = {"$skiptoken": offset + size, **({"$filter": odata_filter} if odata_filter else {})}
        body["@odata.nextLink"] = f"{root}/communications/callRecords?{urlencode(query)}"
    return json_response(body)


@router.get("/communications/callRecords/{segment}", summary="get callRecord")
async def get_call_record(
    request: Request,
    segment: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    expand: Annotated[str | None, Query(alias="$expand")] = None,
    skip: Annotated[str | None, Query(alias="$skip")] = None,
) -> Response:
    function = _FUNCTION.fullmatch(segment)
    if function is not None:
        return _log_rows(request, segment, function, rt, principal, skip)
    log = call_records.get_call_record(rt, principal, segment)
    sessions, segments, participants = _expansions(expand)
    body = render_record(log, expand_sessions=sessions, expand_participants=participants)
    if sessions and not segments:
        for session in body["sessions"]:
            session.pop("segments", None)
    shape = "(sessions(segments()))" if segments else "(sessions())" if sessions else ""
    shape = "(participants_v2())" if participants and not sessions else shape
    context = f"{graph_root(request)}/$metadata#communications/callRecords{shape}/$entity"
    return json_response({"@odata.context": context, **body})


def _log_rows(
    request: Request,
    segment: str,
    function: re.Match[str],
    rt: Runtime,
    principal: Principal,
    skip: str | None,
) -> Response:
    name = function.group(1).lower()
    arguments = _function_arguments(function.group(2))
    start, end = call_records.parse_range(
        arguments.get("fromDateTime"), arguments.get("toDateTime")
    )
    if name == "getpstncalls":
        rows = call_records.get_pstn_calls(rt, principal, start, end)
    else:
        rows = call_records.get_direct_routing_calls(rt, principal, start, end)
    try:
        offset = int(skip or 0)
    except ValueError:
        raise BadRequest(f"Invalid value for $skip: {skip!r}.") from None
    if offset < 0:
        raise BadRequest("$skip must not be negative.")
    size = _page_size(request)
    root = graph_root(request)
    body: JsonObject = {
        "@odata.context": f"{root}/$metadata#Collection({_ROW_TYPES[name]})",
        "@odata.count": len(rows[offset : offset + size]),
        "value": rows[offset : offset + size],
    }
    if offset + size < len(rows):
        query = urlencode({"$skip": offset + size})
        path = quote(segment, safe="(),=:'.-_")
        body["@odata.nextLink"] = f"{root}/communications/callRecords/{path}?{query}"
    return json_response(body)


@router.get("/communications/callRecords/{record_id}/sessions", summary="list sessions")
async def list_sessions(
    request: Request,
    record_id: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    expand: Annotated[str | None, Query(alias="$expand")] = None,
) -> Response:
    log = call_records.get_call_record(rt, principal, record_id)
    sessions = render_record(log, expand_sessions=True)["sessions"]
    if "segments" not in (expand or ""):
        for session in sessions:
            session.pop("segments", None)
    context = f"{graph_root(request)}/$metadata#communications/callRecords('{record_id}')/sessions"
    return json_response({"@odata.context": context, "value": sessions})


@router.get(
    "/communications/callRecords/{record_id}/participants_v2", summary="list participants_v2"
)
async def list_participants_v2(
    request: Request, record_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    log = call_records.get_call_record(rt, principal, record_id)
    participants = render_record(log, expand_sessions=False, expand_participants=True)[
        "participants_v2"
    ]
    context = (
        f"{graph_root(request)}/$metadata#communications/callRecords('{record_id}')/participants_v2"
    )
    return json_response({"@odata.context": context, "value": participants})
