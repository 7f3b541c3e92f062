"""Virtual-appointment SMS: message records, phone-number rules, time zones and the text.

Pure Python (no I/O): the Windows zone names come from tzlocal's mapping of the CLDR
windowsZones data, localized dates and language negotiation from babel (CLDR).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import phonenumbers
from babel import Locale
from babel.dates import format_skeleton, format_time, get_timezone_name
from tzlocal.windows_tz import win_tz


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


class InvalidInput(ValueError):
    """A value a client sent that is wrong (400)."""


def zone(name: str) -> zoneinfo.ZoneInfo:
    """A Windows zone name ("Pacific Standard Time") or an IANA name, as a ZoneInfo."""
    iana = win_tz.get(name, name)
    try:
        return zoneinfo.ZoneInfo(iana)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown time zone {name!r}: use a Windows zone name.") from None


def check_phone_number(number: str) -> str | None:
    """Raise InvalidInput for a number that is not a phone number at all; return None for a
    valid US number, else the reason it cannot receive an SMS (the message is recorded failed).
    """
    if (
        not isinstance(number, str)
        or not number.startswith("+")
        or any(c.isalpha() for c in number)
    ):
        raise InvalidInput(f"{number!r} is not a phone number in E.164 form (+ and digits).")
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"{number!r} is not a phone number: {exc}.") from None
    if phonenumbers.is_valid_number(parsed) and phonenumbers.region_code_for_number(parsed) == "US":
        return None
    region = phonenumbers.region_code_for_number(parsed)
    return (
        f"{number} is not a valid United States phone number"
        + (f" (it belongs to {region})" if region and region != "US" else "")
        + "; virtual-appointment SMS go to US numbers only."
    )


def normalized(number: str) -> str:
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(number, None), phonenumbers.PhoneNumberFormat.E164
        )
    except phonenumbers.NumberParseException:  # pragma: no cover - checked before
        return number


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
    history: list[dict[str, Any]] = field(default_factory=list)

    def move(self, status: SmsStatus, now: float, reason: str | None = None) -> None:
        self.status = status
        self.updated_at = now
        if reason is not None:
            self.reason = reason
        self.history.append({"status": status.value, "at": now, "reason": reason})
