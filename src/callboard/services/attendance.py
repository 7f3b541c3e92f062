"""Attendance reports of an online meeting: one per ended session (``domain/attendance``),
read by the meeting's organizer with ``OnlineMeetingArtifact.Read.All``."""

from __future__ import annotations

from callboard.domain.attendance import AttendanceReport, AttendanceSession
from callboard.domain.meetings import OnlineMeeting
from callboard.services import meeting_access
from callboard.services.meeting_access import Permissions
from callboard.services.runtime import Runtime
from callboard.tokens import Principal

ARTIFACTS_READ = Permissions(
    ("OnlineMeetingArtifact.Read.All",), ("OnlineMeetingArtifact.Read.All",)
)


def _meeting(rt: Runtime, principal: Principal, user_ref: str, meeting_id: str) -> OnlineMeeting:
    with rt.uow() as uow:
        user = meeting_access.resolve_owner(rt, uow, principal, user_ref, ARTIFACTS_READ)
        return meeting_access.load_organized(uow, user, meeting_id, "read the attendance of")


def list_attendance_reports(
    rt: Runtime, principal: Principal, user_ref: str, meeting_id: str
) -> list[AttendanceSession]:
    return _meeting(rt, principal, user_ref, meeting_id).attendance.reports()


def get_attendance_report(
    rt: Runtime,
    principal: Principal,
    user_ref: str,
    meeting_id: str,
    report_id: str,
    *,
    expand_records: bool,
) -> AttendanceReport:
    meeting = _meeting(rt, principal, user_ref, meeting_id)
    session = meeting.attendance.report(report_id)
    if not expand_records:
        return AttendanceReport(session)
    return AttendanceReport(session, _emails(rt, meeting, session))


def list_attendance_records(
    rt: Runtime, principal: Principal, user_ref: str, meeting_id: str, report_id: str
) -> AttendanceReport:
    meeting = _meeting(rt, principal, user_ref, meeting_id)
    session = meeting.attendance.report(report_id)
    return AttendanceReport(session, _emails(rt, meeting, session))


def _emails(rt: Runtime, meeting: OnlineMeeting, session: AttendanceSession) -> dict[str, str]:
    """The e-mail address of the attendees who are directory users, by attendee key."""
    with rt.uow() as uow:
        directory = rt.directory(uow)
    emails = {}
    for key in session.attendee_keys():
        kind, _, ident = key.partition(":")
        user = directory.user(meeting.tenant_id, ident) if kind == "user" else None
        if user is None and kind == "user":
            user = directory.find_user_anywhere(ident)
        if user is not None:
            emails[key] = user.user_principal_name
    return emails
