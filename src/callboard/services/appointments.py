"""Virtual-appointment SMS (docs/sms.md): ``sendVirtualAppointmentSms``,
``sendVirtualAppointmentReminderSms``, the ``sms.send`` job and the reminder timers.

A message row and its ``sms.send`` job are written in one transaction. A reminder's job runs
at the meeting's start minus the interval; it carries the ``dueAt`` it was scheduled for, so a
reminder moved by a PATCH (a new job) or cancelled by a DELETE leaves its old job harmless.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callboard.clock import to_datetime
from callboard.domain import appointments as d
from callboard.domain.appointments import FINAL, MessageType, SmsMessage, SmsStatus
from callboard.domain.directory import User
from callboard.domain.meetings import OnlineMeeting
from callboard.errors import AccessDenied, BadRequest, ItemNotFound
from callboard.gateways.sms import OutgoingSms, SendResult, SmsGateway
from callboard.services import meetings
from callboard.services.runtime import Runtime
from callboard.store.repositories import ClaimedJob, NewJob
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

log = logging.getLogger("callboard.sms")

SMS_SEND = "sms.send"
TEAMS_PREMIUM = "teamsPremium"
SEND_DELEGATED = ("VirtualAppointmentNotification.Send", "VirtualAppointment.ReadWrite")
# The old beta page (seed 001) also allows an application permission.
SEND_APPLICATION_BETA = ("VirtualAppointment.ReadWrite.All",)
# Attendees of the seed-001 shape (phone numbers only) get their times in UTC.
DEFAULT_TIME_ZONE = "UTC"


@dataclass(frozen=True)
class Attendee:
    phone_number: str
    time_zone: str


# -- request checks ---------------------------------------------------------------------


def _organizer(
    rt: Runtime, uow: UnitOfWork, principal: Principal, user_ref: str, *, allow_app: bool
) -> User:
    directory = rt.directory(uow)
    if principal.is_app_only:
        if not allow_app:
            raise AccessDenied("This operation does not support application permissions.")
        if user_ref == meetings.ME:
            raise BadRequest("/me request is only valid with delegated authentication flow.")
        if not principal.permissions.intersection(SEND_APPLICATION_BETA):
            raise AccessDenied(
                f"The token needs one of these permissions: {', '.join(SEND_APPLICATION_BETA)}."
            )
    elif not principal.permissions.intersection(SEND_DELEGATED):
        raise AccessDenied(
            f"The token needs one of these permissions: {', '.join(SEND_DELEGATED)}."
        )
    ref = principal.user_id or "" if user_ref == meetings.ME else user_ref
    user = directory.user(principal.tenant_id, ref)
    if user is None:
        raise ItemNotFound(f"The user {ref} does not exist in this tenant.")
    if principal.is_app_only:
        if not meetings.policy_allows(directory, principal, user):
            raise AccessDenied("No application access policy found for this app.")
    elif user.id != principal.user_id:
        raise AccessDenied("A delegated token can only reach its own user's meetings.")
    return user


def _meeting(uow: UnitOfWork, user: User, meeting_id: str) -> OnlineMeeting:
    meeting = meetings.load_meeting(uow, user, meeting_id)
    if meeting.organizer_id != user.id:
        raise AccessDenied("Only the meeting's organizer can send virtual-appointment SMS.")
    if TEAMS_PREMIUM not in user.licenses:
        raise AccessDenied(
            f"Virtual-appointment SMS need a Teams Premium licence; {user.user_principal_name} "
            "has none."
        )
    return meeting


def _attendees(body: dict[str, Any]) -> list[Attendee]:
    """Both body shapes: ``attendees`` [{phoneNumber, timeZone}] or ``phoneNumbers`` [str]."""
    attendees = body.get("attendees")
    numbers = body.get("phoneNumbers", body.get("phonenumbers"))
    if attendees is not None and numbers is not None:
        raise BadRequest("Send either attendees or phoneNumbers, not both.")
    result: list[Attendee] = []
    if attendees is not None:
        if not isinstance(attendees, list) or not attendees:
            raise BadRequest("attendees must be a non-empty list.")
        for index, item in enumerate(attendees):
            if not isinstance(item, dict):
                raise BadRequest(f"attendees[{index}] must be an attendeeNotificationInfo.")
            number, zone = item.get("phoneNumber"), item.get("timeZone")
            if not isinstance(number, str) or not number:
                raise BadRequest(f"attendees[{index}].phoneNumber is required.")
            if not isinstance(zone, str) or not zone:
                raise BadRequest(f"attendees[{index}].timeZone is required.")
            result.append(Attendee(number, zone))
    elif numbers is not None:
        if not isinstance(numbers, list) or not numbers:
            raise BadRequest("phoneNumbers must be a non-empty list.")
        for index, number in enumerate(numbers):
            if not isinstance(number, str) or not number:
                raise BadRequest(f"phoneNumbers[{index}] must be a phone number string.")
            result.append(Attendee(number, DEFAULT_TIME_ZONE))
    else:
        raise BadRequest("attendees is required.")
    for attendee in result:
        try:
            d.check_phone_number(attendee.phone_number)
            d.zone(attendee.time_zone)
        except d.InvalidInput as exc:
            raise BadRequest(str(exc)) from None
    return result


def _enum(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or value not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}; got {value!r}.")
    return value


def _message_type(body: dict[str, Any]) -> MessageType:
    given = [k for k in ("messageType", "virtualAppointmentSmsType") if k in body]
    if len(given) != 1:
        raise BadRequest("messageType is required (or the older virtualAppointmentSmsType).")
    allowed = ("confirmation", "reschedule", "cancellation")
    return MessageType(_enum(body[given[0]], given[0], allowed))


def _remind_before(body: dict[str, Any]) -> int:
    if "remindBeforeTimeInMinutesType" not in body:
        raise BadRequest("remindBeforeTimeInMinutesType is required.")
    value = _enum(
        body["remindBeforeTimeInMinutesType"],
        "remindBeforeTimeInMinutesType",
        tuple(d.REMIND_BEFORE),
    )
    return d.REMIND_BEFORE[value]


# -- building messages ------------------------------------------------------------------


def _start(meeting: OnlineMeeting) -> datetime:
    return datetime.fromisoformat(str(meeting.resource["startDateTime"]).replace("Z", "+00:00"))


def _text(meeting: OnlineMeeting, kind: MessageType, time_zone: str, lang: str) -> str:
    return d.render(
        kind,
        subject=meeting.resource.get("subject"),
        start=_start(meeting),
        time_zone=time_zone,
        lang=lang,
        url=str(meeting.resource.get("joinWebUrl") or ""),
    )


def _new_message(
    rt: Runtime,
    uow: UnitOfWork,
    meeting: OnlineMeeting,
    kind: MessageType,
    attendee: Attendee,
    lang: str,
) -> SmsMessage:
    now = uow.now
    message = SmsMessage(
        id=rt.ids.new(),
        meeting_id=meeting.id,
        tenant_id=meeting.tenant_id,
        kind=kind,
        to=d.normalized(attendee.phone_number),
        time_zone=attendee.time_zone,
        language=lang,
        text=_text(meeting, kind, attendee.time_zone, lang),
        status=SmsStatus.QUEUED,
        created_at=now,
        updated_at=now,
    )
    message.history.append({"status": "queued", "at": now, "reason": None})
    reason = d.check_phone_number(attendee.phone_number)
    if reason is not None:
        message.move(SmsStatus.FAILED, now, reason)
    return message


def _job(rt: Runtime, message: SmsMessage, run_at: float) -> NewJob:
    return NewJob(
        SMS_SEND,
        {"messageId": message.id, "dueAt": message.due_at},
        run_at,
        max_attempts=rt.settings.sms_max_attempts,
    )


# -- operations -------------------------------------------------------------------------


def send_virtual_appointment_sms(
    rt: Runtime,
    principal: Principal,
    user_ref: str,
    meeting_id: str,
    body: dict[str, Any],
    *,
    api_version: str,
    accept_language: str | None,
) -> list[SmsMessage]:
    """``POST …/sendVirtualAppointmentSms`` → 202 once every message and its job are stored."""
    kind = _message_type(body)
    attendees = _attendees(body)
    lang = d.language(accept_language)
    with rt.uow() as uow:
        user = _organizer(rt, uow, principal, user_ref, allow_app=api_version == "beta")
        meeting = _meeting(uow, user, meeting_id)
        messages = [_new_message(rt, uow, meeting, kind, a, lang) for a in attendees]
        uow.sms.add_all(messages)
        for message in messages:
            if message.status is SmsStatus.QUEUED:
                uow.schedule(_job(rt, message, uow.now))
        uow.commit()
    return messages


def send_virtual_appointment_reminder_sms(
    rt: Runtime,
    principal: Principal,
    user_ref: str,
    meeting_id: str,
    body: dict[str, Any],
    *,
    accept_language: str | None,
) -> list[SmsMessage]:
    """``POST …/sendVirtualAppointmentReminderSms`` → 202: one timer per attendee at the
    meeting's start minus the interval (at once when that moment has passed)."""
    minutes = _remind_before(body)
    attendees = _attendees(body)
    lang = d.language(accept_language)
    with rt.uow() as uow:
        user = _organizer(rt, uow, principal, user_ref, allow_app=False)
        meeting = _meeting(uow, user, meeting_id)
        start = _start(meeting).timestamp()
        if start <= uow.now:
            raise BadRequest("The meeting has already started: there is nothing to remind of.")
        messages = []
        for attendee in attendees:
            message = _new_message(rt, uow, meeting, MessageType.REMINDER, attendee, lang)
            message.remind_before_minutes = minutes
            message.due_at = start - minutes * 60
            if message.status is SmsStatus.QUEUED:
                message.status = SmsStatus.SCHEDULED
                message.history[-1]["status"] = "scheduled"
            messages.append(message)
        uow.sms.add_all(messages)
        for message in messages:
            if message.status is SmsStatus.SCHEDULED:
                uow.schedule(_job(rt, message, max(uow.now, message.due_at or uow.now)))
        uow.commit()
    return messages


# -- reminders follow their meeting (called by services/meetings.py) --------------------


def meeting_rescheduled(rt: Runtime, uow: UnitOfWork, meeting: OnlineMeeting) -> None:
    """After a PATCH: move every pending reminder to the new start (re-rendering the text).
    A reminder whose new moment has passed goes out at once; one whose meeting now starts in
    the past is cancelled."""
    start = _start(meeting).timestamp()
    for message in uow.sms.scheduled_reminders(meeting.id):
        due = start - (message.remind_before_minutes or 0) * 60
        if due == message.due_at:
            continue
        if start <= uow.now:
            message.move(SmsStatus.CANCELLED, uow.now, "The meeting was moved into the past.")
            uow.sms.save(message)
            continue
        message.due_at = due
        message.text = _text(meeting, MessageType.REMINDER, message.time_zone, message.language)
        message.updated_at = uow.now
        message.history.append({"status": "scheduled", "at": uow.now, "reason": "rescheduled"})
        uow.sms.save(message)
        uow.schedule(_job(rt, message, max(uow.now, due)))


def meeting_deleted(uow: UnitOfWork, meeting: OnlineMeeting) -> None:
    """After a DELETE: pending reminders are cancelled (their jobs then do nothing)."""
    for message in uow.sms.scheduled_reminders(meeting.id):
        message.move(SmsStatus.CANCELLED, uow.now, "The meeting was deleted.")
        uow.sms.save(message)


# -- the sms.send job ------------------------------------------------------------------


def _begin(rt: Runtime, jobs: list[ClaimedJob]) -> list[tuple[ClaimedJob, SmsMessage]]:
    """Claim the messages for sending (``sending``, attempts + 1) in one transaction, and
    finish the jobs that have nothing to do: a final message, a moved or cancelled reminder,
    or a send interrupted by a crash (never retried, so nothing is sent twice)."""
    claimed: list[tuple[ClaimedJob, SmsMessage]] = []
    with rt.uow() as uow:
        ids = sorted({str(job.payload["messageId"]) for job in jobs})
        found = {m.id: m for m in uow.sms.get_many(ids, for_update=True)}
        idle: list[int] = []
        changed: dict[str, SmsMessage] = {}
        for job in jobs:
            message = found.get(job.payload["messageId"])
            if message is None or message.status in FINAL:
                idle.append(job.id)
            elif message.status is SmsStatus.SCHEDULED and message.due_at != job.payload.get(
                "dueAt"
            ):
                idle.append(job.id)  # a timer the reminder has moved away from
            elif message.status is SmsStatus.SENDING:
                # Sending before this batch (a runner died mid-send), or claimed just now by
                # another job of this batch for the same message: either way, not again.
                if message.id not in changed:
                    message.move(
                        SmsStatus.FAILED,
                        uow.now,
                        "The send was interrupted; not retried to avoid sending twice.",
                    )
                    changed[message.id] = message
                idle.append(job.id)
            else:
                message.attempts += 1
                message.move(SmsStatus.SENDING, uow.now)
                changed[message.id] = message
                claimed.append((job, message))
        uow.sms.save_many(list(changed.values()))
        uow.jobs.finish(idle, uow.now)
        uow.commit()
    return claimed


def _backoff(rt: Runtime, attempts: int) -> float:
    s = rt.settings
    return float(min(s.sms_backoff_base_seconds * 2 ** (attempts - 1), s.sms_backoff_max_seconds))


def _finish(rt: Runtime, results: list[tuple[ClaimedJob, SmsMessage, SendResult]]) -> None:
    """Record every outcome of a batch in one transaction."""
    with rt.uow() as uow:
        now = uow.now
        done: list[int] = []
        for job, message, result in results:
            if result.outcome in ("sent", "delivered"):
                message.provider_id = result.provider_id
                message.sent_at = now
                if result.outcome == "delivered":
                    message.delivered_at = now
                message.move(SmsStatus(result.outcome), now)
                done.append(job.id)
            elif result.outcome == "retry" and job.attempts < job.max_attempts:
                message.move(SmsStatus.QUEUED, now, result.error)
                uow.jobs.retry(job.id, now + _backoff(rt, job.attempts), result.error or "retry")
            else:
                message.move(SmsStatus.FAILED, now, result.error or "failed")
                uow.jobs.dead(job.id, now, result.error or "failed")
        uow.sms.save_many([message for _, message, _ in results])
        uow.jobs.finish(done, now)
        uow.commit()


async def run_sends(rt: Runtime, gateway: SmsGateway, jobs: list[ClaimedJob]) -> None:
    """The ``sms.send`` handler for a batch of claimed jobs: one transaction to claim the
    messages, concurrent gateway calls, one transaction to record the outcomes."""
    claimed = _begin(rt, jobs)
    if not claimed:
        return
    limit = asyncio.Semaphore(rt.settings.runner_concurrency)

    async def one(message: SmsMessage) -> SendResult:
        async with limit:
            try:
                return await gateway.send(OutgoingSms(message.id, message.to, message.text))
            except Exception as exc:  # noqa: BLE001 - an adapter bug must not lose the row
                log.exception("SMS gateway failed on message %s", message.id)
                return SendResult("retry", error=f"{type(exc).__name__}: {exc}")

    results = await asyncio.gather(*(one(m) for _, m in claimed))
    _finish(rt, [(j, m, r) for (j, m), r in zip(claimed, results, strict=True)])


def list_messages(
    rt: Runtime, *, meeting_id: str | None, status: str | None, to: str | None, skip: int, top: int
) -> tuple[list[SmsMessage], bool]:
    with rt.uow() as uow:
        rows = uow.sms.list_page(
            meeting_id=meeting_id, status=status, to=to, skip=skip, top=top + 1
        )
    return rows[:top], len(rows) > top


def render_message(message: SmsMessage) -> dict[str, Any]:
    def at(value: float | None) -> str | None:
        return None if value is None else to_datetime(value).isoformat().replace("+00:00", "Z")

    return {
        "id": message.id,
        "meetingId": message.meeting_id,
        "tenantId": message.tenant_id,
        "type": message.kind.value,
        "to": message.to,
        "timeZone": message.time_zone,
        "language": message.language,
        "text": message.text,
        "status": message.status.value,
        "reason": message.reason,
        "attempts": message.attempts,
        "remindBeforeMinutes": message.remind_before_minutes,
        "dueDateTime": at(message.due_at),
        "createdDateTime": at(message.created_at),
        "updatedDateTime": at(message.updated_at),
        "sentDateTime": at(message.sent_at),
        "deliveredDateTime": at(message.delivered_at),
        "providerId": message.provider_id,
        "history": [{**h, "at": at(h["at"])} for h in message.history],
    }
