"""``…/onlineMeetings/{id}/getVirtualAppointmentJoinWebUrl``: the link a virtual
appointment's guests join with (Graph's *onlineMeeting: getVirtualAppointmentJoinWebUrl*)."""

from __future__ import annotations

from urllib.parse import urlencode

from callboard.services import meeting_access
from callboard.services.meeting_access import Permissions
from callboard.services.runtime import Runtime
from callboard.tokens import Principal

JOIN_LINK_READ = Permissions(
    ("VirtualAppointment.Read", "VirtualAppointment.ReadWrite"),
    ("VirtualAppointment.Read.All", "VirtualAppointment.ReadWrite.All"),
)
VISIT_URL = "https://visit.teams.microsoft.com/webrtc-svc/api/route"


def get_virtual_appointment_join_web_url(
    rt: Runtime, principal: Principal, user_ref: str, meeting_id: str
) -> str:
    with rt.uow() as uow:
        user = meeting_access.resolve_owner(rt, uow, principal, user_ref, JOIN_LINK_READ)
        meeting = meeting_access.load_meeting(uow, user, meeting_id)
    return f"{VISIT_URL}?{urlencode({'tid': meeting.tenant_id, 'convId': meeting.thread_id})}"
