"""``…/onlineMeetings/{id}/attendanceReports`` (and their ``attendanceRecords``),
``getVirtualAppointmentJoinWebUrl``, and the meeting segments Callboard does not serve
(501 after authentication, or Graph's 404 for a segment Graph does not have either)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from callboard.api.deps import PrincipalDep, RuntimeDep, graph_root
from callboard.api.graph import owners
from callboard.api.responses import json_response
from callboard.domain.attendance import render_report
from callboard.errors import NotImplementedOperation, UnknownRoute
from callboard.services import appointment_links, attendance

router = APIRouter(tags=["onlineMeetings"])
Expand = Annotated[str | None, Query(alias="$expand")]

# Graph's onlineMeeting segments (navigation properties and bound functions) Callboard does
# not serve, and the collection's functions: 501 rather than a misleading 404.
UNSERVED = frozenset(
    {
        "attendeeReport",
        "recordings",
        "transcripts",
        "meetingAttendanceReport",
        "aiInsights",
        "getAllRecordings",
        "getAllTranscripts",
    }
)


def unserved_meeting_segment(segment: str) -> None:
    """For a meeting id that is really a segment: 501 for Graph's, 404 for any other."""
    name = segment.split("(", 1)[0]
    if name in UNSERVED:
        raise NotImplementedOperation(
            f"The Graph operation '{name}' on onlineMeetings is not implemented by Callboard yet."
        )
    if "(" in segment:
        raise UnknownRoute(f"Resource not found for the segment '{name}'.")


def _meeting_context(request: Request, owner: str, meeting_id: str) -> str:
    path = f"{owners.context_path(owner)}/onlineMeetings('{meeting_id}')"
    return f"{graph_root(request)}/$metadata#{path}"


# Each handler serves both path forms: /me/... and /users/{user_id}/...
async def list_attendance_reports(
    request: Request,
    meeting_id: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
) -> Response:
    found = attendance.list_attendance_reports(rt, principal, owner, meeting_id)
    context = f"{_meeting_context(request, owner, meeting_id)}/attendanceReports"
    value = [render_report(session) for session in found]
    return json_response({"@odata.context": context, "value": value})


async def get_attendance_report(
    request: Request,
    meeting_id: str,
    report_id: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
    expand: Expand = None,
) -> Response:
    report = attendance.get_attendance_report(
        rt,
        principal,
        owner,
        meeting_id,
        report_id,
        expand_records="attendanceRecords" in (expand or ""),
    )
    context = f"{_meeting_context(request, owner, meeting_id)}/attendanceReports/$entity"
    return json_response({"@odata.context": context, **report.to_graph()})


async def list_attendance_records(
    request: Request,
    meeting_id: str,
    report_id: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
) -> Response:
    report = attendance.list_attendance_records(rt, principal, owner, meeting_id, report_id)
    context = (
        f"{_meeting_context(request, owner, meeting_id)}"
        f"/attendanceReports('{report_id}')/attendanceRecords"
    )
    return json_response({"@odata.context": context, "value": report.records_to_graph()})


async def get_virtual_appointment_join_web_url(
    request: Request,
    meeting_id: str,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
) -> Response:
    url = appointment_links.get_virtual_appointment_join_web_url(rt, principal, owner, meeting_id)
    context = f"{graph_root(request)}/$metadata#Edm.String"
    return json_response({"@odata.context": context, "value": url})


async def unserved_segment(
    meeting_id: str, segment: str, principal: PrincipalDep, owner: owners.OwnerDep
) -> Response:
    unserved_meeting_segment(segment.split("/", 1)[0])
    raise UnknownRoute(f"Resource not found for the segment '{segment.split('/', 1)[0]}'.")


_MEETING = "/onlineMeetings/{meeting_id}"
_REPORT = f"{_MEETING}/attendanceReports/{{report_id}}"
owners.add_owner_routes(
    router,
    f"{_MEETING}/attendanceReports",
    "GET",
    list_attendance_reports,
    "list attendanceReports",
)
owners.add_owner_routes(
    router, _REPORT, "GET", get_attendance_report, "get meetingAttendanceReport"
)
owners.add_owner_routes(
    router,
    f"{_REPORT}/attendanceRecords",
    "GET",
    list_attendance_records,
    "list attendanceRecords",
)
for _path in ("getVirtualAppointmentJoinWebUrl", "getVirtualAppointmentJoinWebUrl()"):
    owners.add_owner_routes(
        router,
        f"{_MEETING}/{_path}",
        "GET",
        get_virtual_appointment_join_web_url,
        "getVirtualAppointmentJoinWebUrl",
    )
for _method in ("GET", "POST", "PATCH", "DELETE", "PUT"):
    owners.add_owner_routes(
        router,
        f"{_MEETING}/{{segment:path}}",
        _method,
        unserved_segment,
        f"unserved segment {_method}",
    )
