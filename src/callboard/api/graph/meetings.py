"""``/me/onlineMeetings`` and ``/users/{id}/onlineMeetings``; content-sharing sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from callboard.api.deps import PrincipalDep, RuntimeDep, api_version, graph_root
from callboard.api.graph import owners
from callboard.api.graph.attendance import unserved_meeting_segment
from callboard.api.graph.meeting_schemas import READ_ONLY, OnlineMeetingBody, hide_evolvable
from callboard.api.responses import json_response
from callboard.domain.meeting_parts import MeetingPatch, MeetingRequest
from callboard.domain.meetings import OnlineMeeting
from callboard.errors import BadRequest, ItemNotFound
from callboard.json_types import JsonObject
from callboard.services import meetings
from callboard.services.calls import get_content_sharing_sessions

router = APIRouter(tags=["onlineMeetings"])
Filter = Annotated[str | None, Query(alias="$filter")]

PREFER_EVOLVABLE = "include-unknown-enum-members"


def _opted_in(request: Request) -> bool:
    return PREFER_EVOLVABLE in request.headers.get("prefer", "")


def _properties(request: Request, body: OnlineMeetingBody) -> JsonObject:
    used = body.evolvable_values()
    if used and not _opted_in(request):
        raise BadRequest(
            f"{', '.join(sorted(used))}: send 'Prefer: include-unknown-enum-members' to use "
            "these values."
        )
    data = body.dump()
    for name in READ_ONLY:
        data.pop(name, None)
    return data


def _context(request: Request, user_ref: str, entity: bool) -> str:
    return f"{graph_root(request)}/$metadata#{owners.context_path(user_ref)}/onlineMeetings" + (
        "/$entity" if entity else ""
    )


def _render(request: Request, meeting: OnlineMeeting) -> JsonObject:
    resource = meeting.to_graph()
    if api_version(request) == "v1.0":
        # joinUrl is beta's deprecated alias of joinWebUrl; v1.0 does not declare it.
        resource.pop("joinUrl", None)
    return resource if _opted_in(request) else dict(hide_evolvable(resource))


def _one(request: Request, user_ref: str, meeting: OnlineMeeting, status: int = 200) -> Response:
    body = {"@odata.context": _context(request, user_ref, True), **_render(request, meeting)}
    return json_response(body, status)


def _collection(request: Request, user_ref: str, found: list[OnlineMeeting]) -> Response:
    return json_response(
        {
            "@odata.context": _context(request, user_ref, False),
            "value": [_render(request, m) for m in found],
        }
    )


# Each handler serves both path forms: /me/... and /users/{user_id}/...
async def create_online_meeting(
    request: Request,
    body: OnlineMeetingBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
) -> Response:
    meeting = meetings.create_online_meeting(
        rt, principal, owner, MeetingRequest.parse(_properties(request, body))
    )
    return _one(request, owner, meeting, 201)


async def create_or_get(
    request: Request,
    body: OnlineMeetingBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
) -> Response:
    meeting, created = meetings.create_or_get_online_meeting(
        rt, principal, owner, MeetingRequest.parse(_properties(request, body))
    )
    return _one(request, owner, meeting, 201 if created else 200)


async def list_online_meetings(
    request: Request,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
    odata_filter: Filter = None,
) -> Response:
    found = meetings.list_online_meetings(rt, principal, owner, odata_filter)
    return _collection(request, owner, found)


async def get_online_meeting(
    request: Request,
    meeting_id: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
) -> Response:
    # ``onlineMeetings/getAllTranscripts(…)`` and the like are not meeting ids.
    unserved_meeting_segment(meeting_id)
    return _one(request, owner, meetings.get_online_meeting(rt, principal, owner, meeting_id))


async def update_online_meeting(
    request: Request,
    meeting_id: str,
    body: OnlineMeetingBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
) -> Response:
    patch = _properties(request, body)
    if "joinMeetingIdSettings" in patch:
        raise BadRequest("joinMeetingIdSettings cannot change after the meeting is created.")
    if "externalId" in patch:
        raise BadRequest("externalId cannot change after the meeting is created.")
    meeting = meetings.update_online_meeting(
        rt, principal, owner, meeting_id, MeetingPatch.parse(patch)
    )
    return _one(request, owner, meeting)


async def delete_online_meeting(
    meeting_id: str, rt: RuntimeDep, principal: PrincipalDep, owner: owners.OwnerDep
) -> Response:
    meetings.delete_online_meeting(rt, principal, owner, meeting_id)
    return Response(status_code=204)


_MEETING = "/onlineMeetings/{meeting_id}"
owners.add_owner_routes(
    router, "/onlineMeetings", "POST", create_online_meeting, "create onlineMeeting", 201
)
owners.add_owner_routes(
    router, "/onlineMeetings/createOrGet", "POST", create_or_get, "createOrGet onlineMeeting"
)
owners.add_owner_routes(
    router, "/onlineMeetings", "GET", list_online_meetings, "list onlineMeetings ($filter)"
)
owners.add_owner_routes(router, _MEETING, "GET", get_online_meeting, "get onlineMeeting")
owners.add_owner_routes(router, _MEETING, "PATCH", update_online_meeting, "update onlineMeeting")
owners.add_owner_routes(
    router, _MEETING, "DELETE", delete_online_meeting, "delete onlineMeeting", 204
)


@router.get("/communications/onlineMeetings", summary="onlineMeetings by VideoTeleconferenceId")
async def list_communications_meetings(
    request: Request, rt: RuntimeDep, principal: PrincipalDep, odata_filter: Filter = None
) -> Response:
    found = meetings.find_by_video_teleconference_id(rt, principal, odata_filter)
    return json_response(
        {
            "@odata.context": f"{graph_root(request)}/$metadata#communications/onlineMeetings",
            "value": [_render(request, m) for m in found],
        }
    )


@router.get(
    "/communications/calls/{call_id}/contentSharingSessions",
    summary="list contentSharingSessions",
    tags=["calls"],
)
async def list_content_sharing_sessions(
    request: Request, call_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    sessions = get_content_sharing_sessions(rt, principal, call_id)
    context = (
        f"{graph_root(request)}/$metadata#communications/calls('{call_id}')/contentSharingSessions"
    )
    return json_response({"@odata.context": context, "value": sessions})


@router.get(
    "/communications/calls/{call_id}/contentSharingSessions/{session_id}",
    summary="get contentSharingSession",
    tags=["calls"],
)
async def get_content_sharing_session(
    request: Request, call_id: str, session_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    sessions = get_content_sharing_sessions(rt, principal, call_id)
    found = next((s for s in sessions if s["id"] == session_id), None)
    if found is None:
        raise ItemNotFound(f"No content-sharing session {session_id} in call {call_id}.")
    context = (
        f"{graph_root(request)}/$metadata#communications/calls('{call_id}')"
        "/contentSharingSessions/$entity"
    )
    return json_response({"@odata.context": context, **found})
