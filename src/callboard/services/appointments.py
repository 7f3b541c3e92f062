"""Virtual-appointment SMS (docs/sms.md): ``sendVirtualAppointmentSms`` and
``sendVirtualAppointmentReminderSms``.

Bodies arrive parsed (api/graph/appointment_schemas.py); here are the semantic rules
(phone numbers, time zones, permissions, licence, ownership). Sending is the ``sms.send``
job (services/sms_sending.py); reminders follow their meeting through
services/meeting_lifecycle.py.
"""

from __future__ import annotations

from callboard.domain import appointments
from callboard.domain.appointments import Attendee, MessageType, SmsMessage, SmsStatus
from callboard.domain.directory import User
from callboard.domain.meetings import OnlineMeeting
from callboard.errors import AccessDenied, BadRequest
from callboard.services import meeting_access
from callboard.services.meeting_access import Permissions
from callboard.services.runtime import Runtime
from callboard.services.sms_sending import send_job
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

TEAMS_PREMIUM = "teamsPremium"
DELEGATED = ("VirtualAppointmentNotification.Send", "VirtualAppointment.ReadWrite")
# The old beta page of sendVirtualAppointmentSms also allows an application permission.
SEND_BETA = Permissions(DELEGATED, ("VirtualAppointment.ReadWrite.All",))
SEND = Permissions(DELEGATED, None)


def _meeting(uow: UnitOfWork, user: User, meeting_id: str) -> OnlineMeeting:
    meeting = meeting_access.load_meeting(uow, user, meeting_id)
    if meeting.organizer_id != user.id:
        raise AccessDenied("Only the meeting's organizer can send virtual-appointment SMS.")
    if TEAMS_PREMIUM not in user.licenses:
        raise AccessDenied(
            f"Virtual-appointment SMS need a Teams Premium licence; {user.user_principal_name} "
            "has none."
        )
    return meeting


def _check(attendees: list[Attendee]) -> None:
    if not attendees:
        raise BadRequest("attendees must be a non-empty list.")
    for attendee in attendees:
        attendee.check()


def send_virtual_appointment_sms(
    rt: Runtime,
    principal: Principal,
    user_ref: str,
    meeting_id: str,
    kind: MessageType,
    attendees: list[Attendee],
    *,
    api_version: str,
    accept_language: str | None,
) -> list[SmsMessage]:
    """``POST …/sendVirtualAppointmentSms`` → 202 once every message and its job are stored."""
    _check(attendees)
    lang = appointments.language(accept_language)
    needs = SEND_BETA if api_version == "beta" else SEND
    with rt.uow() as uow:
        user = meeting_access.resolve_owner(rt, uow, principal, user_ref, needs)
        meeting = _meeting(uow, user, meeting_id)
        messages = [
            appointments.new_message(rt.ids.new(), meeting, kind, attendee, lang, uow.now)
            for attendee in attendees
        ]
        uow.sms.add_all(messages)
        for message in messages:
            if message.status is SmsStatus.QUEUED:
                uow.schedule(send_job(rt.settings, message, uow.now))
        uow.commit()
    return messages


def send_virtual_appointment_reminder_sms(
    rt: Runtime,
    principal: Principal,
    user_ref: str,
    meeting_id: str,
    remind_before_minutes: int,
    attendees: list[Attendee],
    *,
    accept_language: str | None,
) -> list[SmsMessage]:
    """``POST …/sendVirtualAppointmentReminderSms`` → 202: one timer per attendee at the
    meeting's start minus the interval (at once when that moment has passed)."""
    _check(attendees)
    lang = appointments.language(accept_language)
    with rt.uow() as uow:
        user = meeting_access.resolve_owner(rt, uow, principal, user_ref, SEND)
        meeting = _meeting(uow, user, meeting_id)
        if meeting.start.timestamp() <= uow.now:
            raise BadRequest("The meeting has already started: there is nothing to remind of.")
        messages = [
            appointments.new_reminder(
                rt.ids.new(), meeting, attendee, lang, uow.now, remind_before_minutes
            )
            for attendee in attendees
        ]
        uow.sms.add_all(messages)
        for message in messages:
            if message.status is SmsStatus.SCHEDULED:
                run_at = max(uow.now, message.due_at or uow.now)
                uow.schedule(send_job(rt.settings, message, run_at))
        uow.commit()
    return messages
