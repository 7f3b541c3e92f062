"""The recorded virtual-appointment SMS, for the admin API and the ``sms list`` command."""

from __future__ import annotations

from datetime import UTC, datetime

from callboard.domain.appointments import SmsMessage
from callboard.json_types import JsonObject
from callboard.services.runtime import Runtime


def list_messages(
    rt: Runtime, *, meeting_id: str | None, status: str | None, to: str | None, skip: int, top: int
) -> tuple[list[SmsMessage], bool]:
    """A page of messages, and whether more follow."""
    with rt.uow() as uow:
        rows = uow.sms.list_page(
            meeting_id=meeting_id, status=status, to=to, skip=skip, top=top + 1
        )
    return rows[:top], len(rows) > top


def _at(value: float | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, tz=UTC).isoformat().replace("+00:00", "Z")


def render_message(message: SmsMessage) -> JsonObject:
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
        "dueDateTime": _at(message.due_at),
        "createdDateTime": _at(message.created_at),
        "updatedDateTime": _at(message.updated_at),
        "sentDateTime": _at(message.sent_at),
        "deliveredDateTime": _at(message.delivered_at),
        "providerId": message.provider_id,
        "history": [
            {"status": h.status.value, "at": _at(h.at), "reason": h.reason} for h in message.history
        ],
    }
