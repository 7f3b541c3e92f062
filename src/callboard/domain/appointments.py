"""Virtual-appointment SMS: message records, reminder times, time zones and the text.

Pure Python (no I/O): the Windows zone names come from tzlocal's mapping of the CLDR
windowsZones data, localized dates and language negotiation from babel (CLDR).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from babel import Locale
from babel.dates import format_skeleton, format_time, get_timezone_name
from tzlocal.windows_tz import win_tz

from callboard.domain import phone_numbers
from callboard.domain.meetings import OnlineMeeting
from callboard.errors import BadRequest
from callboard.json_types import JsonObject


class MessageType(StrEnum):
    CONFIRMATION = "confirmation"
    RESCHEDULE = "reschedule"
    CANCELLATION = "cancellation"
    REMINDER = "reminder"


class SmsStatus(StrEnum):
    SCHEDULED = "scheduled"  # a reminder waiting for its moment
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"  # a reminder whose meeting was deleted


FINAL = frozenset({SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.FAILED, SmsStatus.CANCELLED})

# Attendees of the older shape (phone numbers only) get their times in UTC.
DEFAULT_TIME_ZONE = "UTC"

# remindBeforeTimeInMinutesType members and their minutes (v1.0 and beta have only mins15).
REMIND_BEFORE: dict[str, int] = {"mins15": 15}

DEFAULT_LANGUAGE = "en"

# The message templates, by language. {subject} {when} {url}.
TEMPLATES: dict[str, dict[MessageType, str]] = {
    "en": {
        MessageType.CONFIRMATION: 'Your appointment "{subject}" is confirmed for {when}. '
        "Join: {url}",
        MessageType.RESCHEDULE: 'Your appointment "{subject}" has been rescheduled to {when}. '
        "Join: {url}",
        MessageType.CANCELLATION: 'Your appointment "{subject}" on {when} has been cancelled.',
        MessageType.REMINDER: 'Reminder: your appointment "{subject}" starts at {when}. '
        "Join: {url}",
    },
    "es": {
        MessageType.CONFIRMATION: 'Su cita "{subject}" está confirmada para el {when}. '
        "Únase: {url}",
        MessageType.RESCHEDULE: 'Su cita "{subject}" se ha cambiado al {when}. Únase: {url}',
        MessageType.CANCELLATION: 'Su cita "{subject}" del {when} se ha cancelado.',
        MessageType.REMINDER: 'Recordatorio: su cita "{subject}" empieza el {when}. Únase: {url}',
    },
    "fr": {
        MessageType.CONFIRMATION: "Votre rendez-vous « {subject} » est confirmé pour le {when}. "
        "Rejoindre : {url}",
        MessageType.RESCHEDULE: "Votre rendez-vous « {subject} » a été déplacé au {when}. "
        "Rejoindre : {url}",
        MessageType.CANCELLATION: "Votre rendez-vous « {subject} » du {when} a été annulé.",
        MessageType.REMINDER: "Rappel : votre rendez-vous « {subject} » commence le {when}. "
        "Rejoindre : {url}",
    },
    "de": {
        MessageType.CONFIRMATION: "Ihr Termin „{subject}“ ist bestätigt für {when}. "
        "Teilnehmen: {url}",
        MessageType.RESCHEDULE: "Ihr Termin „{subject}“ wurde verschoben auf {when}. "
        "Teilnehmen: {url}",
        MessageType.CANCELLATION: "Ihr Termin „{subject}“ am {when} wurde abgesagt.",
        MessageType.REMINDER: "Erinnerung: Ihr Termin „{subject}“ beginnt {when}. "
        "Teilnehmen: {url}",
    },
}


def zone(name: str) -> zoneinfo.ZoneInfo:
    """A Windows zone name ("Pacific Standard Time") or an IANA name, as a ZoneInfo."""
    iana = win_tz.get(name, name)
    try:
        return zoneinfo.ZoneInfo(iana)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise BadRequest(f"Unknown time zone {name!r}: use a Windows zone name.") from None


def language(accept_language: str | None) -> str:
    """The best of TEMPLATES' languages for an Accept-Language header; English otherwise."""
    preferred: list[tuple[float, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            preferred.append((-quality + index * 1e-6, tag.replace("_", "-")))
    tags = [tag for _, tag in sorted(preferred)]
    found = Locale.negotiate(tags, list(TEMPLATES), sep="-") if tags else None
    return str(found) if found is not None else DEFAULT_LANGUAGE


def render(
    kind: MessageType, *, subject: str | None, start: datetime, time_zone: str, lang: str, url: str
) -> str:
    tz = zone(time_zone)
    local = start.astimezone(tz)
    when = (
        f"{format_skeleton('yMMMEd', local, tzinfo=tz, locale=lang)} "
        f"{format_time(local, 'short', tzinfo=tz, locale=lang)} "
        f"{get_timezone_name(local, 'short', locale=lang)}"
    )
    # CLDR puts (narrow) no-break spaces in times; plain spaces keep an SMS in GSM-7.
    when = when.replace("\u202f", " ").replace("\u00a0", " ")
    template = TEMPLATES.get(lang, TEMPLATES[DEFAULT_LANGUAGE])[kind]
    return template.format(subject=subject or "Virtual appointment", when=when, url=url)


@dataclass(frozen=True)
class StatusChange:
    """One step of a message's history: the status it moved to, when, and why."""

    status: SmsStatus
    at: float
    reason: str | None = None

    @classmethod
    def parse(cls, data: JsonObject) -> StatusChange:
        """A history entry of the stored document."""
        return cls(SmsStatus(data["status"]), data["at"], data.get("reason"))

    def to_document(self) -> JsonObject:
        """The stored form (the admin listing renders ``at`` as a date-time)."""
        return {"status": self.status.value, "at": self.at, "reason": self.reason}


@dataclass
class SmsMessage:
    id: str
    meeting_id: str
    tenant_id: str
    kind: MessageType
    to: str
    time_zone: str
    language: str
    text: str
    status: SmsStatus
    created_at: float
    updated_at: float
    reason: str | None = None
    attempts: int = 0
    remind_before_minutes: int | None = None
    due_at: float | None = None
    sent_at: float | None = None
    delivered_at: float | None = None
    provider_id: str | None = None
    history: list[StatusChange] = field(default_factory=list)

    def move(self, status: SmsStatus, now: float, reason: str | None = None) -> None:
        self.status = status
        self.updated_at = now
        if reason is not None:
            self.reason = reason
        self.history.append(StatusChange(status, now, reason))


@dataclass(frozen=True)
class Attendee:
    """Who gets a message: ``attendeeNotificationInfo`` (a number and a time zone name)."""

    phone_number: str
    time_zone: str = DEFAULT_TIME_ZONE

    def check(self) -> None:
        """BadRequest for a value that is not a phone number or an unknown time zone."""
        phone_numbers.sms_refusal(self.phone_number)
        zone(self.time_zone)


def reminder_due(start: float, remind_before_minutes: int) -> float:
    """When a reminder goes out: the meeting's start minus the interval."""
    return start - remind_before_minutes * 60


def meeting_text(meeting: OnlineMeeting, kind: MessageType, time_zone: str, lang: str) -> str:
    return render(
        kind,
        subject=meeting.subject,
        start=meeting.start,
        time_zone=time_zone,
        lang=lang,
        url=meeting.join_web_url,
    )


def new_message(
    message_id: str,
    meeting: OnlineMeeting,
    kind: MessageType,
    attendee: Attendee,
    lang: str,
    now: float,
) -> SmsMessage:
    """A ``queued`` message, or ``failed`` at once for a number that cannot get an SMS."""
    message = SmsMessage(
        id=message_id,
        meeting_id=meeting.id,
        tenant_id=meeting.tenant_id,
        kind=kind,
        to=phone_numbers.normalized(attendee.phone_number),
        time_zone=attendee.time_zone,
        language=lang,
        text=meeting_text(meeting, kind, attendee.time_zone, lang),
        status=SmsStatus.QUEUED,
        created_at=now,
        updated_at=now,
    )
    message.history.append(StatusChange(SmsStatus.QUEUED, now))
    reason = phone_numbers.sms_refusal(attendee.phone_number)
    if reason is not None:
        message.move(SmsStatus.FAILED, now, reason)
    return message


def new_reminder(
    message_id: str,
    meeting: OnlineMeeting,
    attendee: Attendee,
    lang: str,
    now: float,
    remind_before_minutes: int,
) -> SmsMessage:
    """A ``scheduled`` reminder due before the meeting's start (``failed`` for a number that
    cannot get an SMS)."""
    message = new_message(message_id, meeting, MessageType.REMINDER, attendee, lang, now)
    message.remind_before_minutes = remind_before_minutes
    message.due_at = reminder_due(meeting.start.timestamp(), remind_before_minutes)
    if message.status is SmsStatus.QUEUED:
        message.status = SmsStatus.SCHEDULED
        message.history[-1] = replace(message.history[-1], status=SmsStatus.SCHEDULED)
    return message


def follow_start(message: SmsMessage, meeting: OnlineMeeting, now: float) -> bool:
    """Move a pending reminder after its meeting's start changed (re-rendering the text).
    A reminder whose meeting now starts in the past is cancelled. True when the reminder
    has a new moment and so needs a new timer."""
    start = meeting.start.timestamp()
    due = reminder_due(start, message.remind_before_minutes or 0)
    if due == message.due_at:
        return False
    if start <= now:
        message.move(SmsStatus.CANCELLED, now, "The meeting was moved into the past.")
        return False
    message.due_at = due
    message.text = meeting_text(meeting, MessageType.REMINDER, message.time_zone, message.language)
    message.updated_at = now
    message.history.append(StatusChange(SmsStatus.SCHEDULED, now, "rescheduled"))
    return True
