"""``…/onlineMeetings/{id}/sendVirtualAppointmentSms`` and ``…/sendVirtualAppointmentReminderSms``
on ``/me`` and ``/users/{userId}``: 202 with no body once the messages are queued (the
actions declare no return value; docs/decisions.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from callboard.api.deps import PrincipalDep, RuntimeDep, api_version
from callboard.api.graph import owners
from callboard.api.graph.appointment_schemas import (
    VirtualAppointmentReminderSmsBody,
    VirtualAppointmentSmsBody,
)
from callboard.services import appointments

router = APIRouter(tags=["virtual appointments"])


# Each handler serves both path forms: /me/... and /users/{user_id}/...
async def send_virtual_appointment_sms(
    request: Request,
    meeting_id: str,
    body: VirtualAppointmentSmsBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
) -> Response:
    appointments.send_virtual_appointment_sms(
        rt,
        principal,
        owner,
        meeting_id,
        body.kind(),
        body.recipients(),
        api_version=api_version(request),
        accept_language=request.headers.get("accept-language"),
    )
    return Response(status_code=202)


async def send_virtual_appointment_reminder_sms(
    request: Request,
    meeting_id: str,
    body: VirtualAppointmentReminderSmsBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
    owner: owners.OwnerDep,
) -> Response:
    appointments.send_virtual_appointment_reminder_sms(
        rt,
        principal,
        owner,
        meeting_id,
        body.minutes(),
        body.recipients(),
        accept_language=request.headers.get("accept-language"),
    )
    return Response(status_code=202)


owners.add_owner_routes(
    router,
    "/onlineMeetings/{meeting_id}/sendVirtualAppointmentSms",
    "POST",
    send_virtual_appointment_sms,
    "sendVirtualAppointmentSms",
    202,
)
owners.add_owner_routes(
    router,
    "/onlineMeetings/{meeting_id}/sendVirtualAppointmentReminderSms",
    "POST",
    send_virtual_appointment_reminder_sms,
    "sendVirtualAppointmentReminderSms",
    202,
)
