"""Virtual-appointment SMS messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from callboard.domain.appointments import MessageType, SmsMessage, SmsStatus, StatusChange
from callboard.json_types import JsonObject
from callboard.store import tables


class SmsRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_all(self, messages: list[SmsMessage]) -> None:
        if messages:
            self._conn.execute(tables.sms_messages.insert(), [_sms_row(m) for m in messages])

    def save(self, message: SmsMessage) -> None:
        self._conn.execute(
            update(tables.sms_messages)
            .where(tables.sms_messages.c.id == message.id)
            .values(_sms_row(message))
        )

    def get(self, message_id: str, *, for_update: bool = False) -> SmsMessage | None:
        query = select(tables.sms_messages).where(tables.sms_messages.c.id == message_id)
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).mappings().first()
        return None if row is None else _sms_from_row(row)

    def get_many(self, message_ids: list[str], *, for_update: bool = False) -> list[SmsMessage]:
        if not message_ids:
            return []
        query = select(tables.sms_messages).where(tables.sms_messages.c.id.in_(message_ids))
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.order_by(tables.sms_messages.c.id).with_for_update()
        return [_sms_from_row(r) for r in self._conn.execute(query).mappings()]

    def save_many(self, messages: list[SmsMessage]) -> None:
        """One executemany for a batch (the runner's claim and outcome transactions)."""
        if not messages:
            return
        c = tables.sms_messages.c
        self._conn.execute(
            update(tables.sms_messages)
            .where(c.id == bindparam("b_id"))
            .values(
                status=bindparam("b_status"),
                due_at=bindparam("b_due_at"),
                updated_at=bindparam("b_updated_at"),
                document=bindparam("b_document"),
            ),
            [
                {
                    "b_id": row["id"],
                    "b_status": row["status"],
                    "b_due_at": row["due_at"],
                    "b_updated_at": row["updated_at"],
                    "b_document": row["document"],
                }
                for row in map(_sms_row, messages)
            ],
        )

    def scheduled_reminders(self, meeting_id: str) -> list[SmsMessage]:
        rows = self._conn.execute(
            select(tables.sms_messages)
            .where(
                tables.sms_messages.c.meeting_id == meeting_id,
                tables.sms_messages.c.kind == "reminder",
                tables.sms_messages.c.status == "scheduled",
            )
            .order_by(tables.sms_messages.c.seq)
        ).mappings()
        return [_sms_from_row(r) for r in rows]

    def count_by_status(self) -> dict[str, int]:
        """How many messages are in each status (the metrics scrape)."""
        c = tables.sms_messages.c
        rows = self._conn.execute(select(c.status, func.count()).group_by(c.status))
        return {status: int(n) for status, n in rows}

    def list_page(
        self,
        *,
        meeting_id: str | None,
        status: str | None,
        to: str | None,
        skip: int,
        top: int,
    ) -> list[SmsMessage]:
        c = tables.sms_messages.c
        query = select(tables.sms_messages).order_by(c.seq).offset(skip).limit(top)
        if meeting_id:
            query = query.where(c.meeting_id == meeting_id)
        if status:
            query = query.where(c.status == status)
        if to:
            query = query.where(c.to_number == to)
        return [_sms_from_row(r) for r in self._conn.execute(query).mappings()]


def _sms_row(message: SmsMessage) -> JsonObject:
    document = {
        "timeZone": message.time_zone,
        "language": message.language,
        "text": message.text,
        "reason": message.reason,
        "attempts": message.attempts,
        "remindBeforeMinutes": message.remind_before_minutes,
        "sentAt": message.sent_at,
        "deliveredAt": message.delivered_at,
        "providerId": message.provider_id,
        "history": [change.to_document() for change in message.history],
    }
    return {
        "id": message.id,
        "meeting_id": message.meeting_id,
        "tenant_id": message.tenant_id,
        "kind": message.kind.value,
        "to_number": message.to,
        "status": message.status.value,
        "due_at": message.due_at,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
        "document": document,
    }


def _sms_from_row(row: Any) -> SmsMessage:
    d = row["document"]
    return SmsMessage(
        id=row["id"],
        meeting_id=row["meeting_id"],
        tenant_id=row["tenant_id"],
        kind=MessageType(row["kind"]),
        to=row["to_number"],
        time_zone=d["timeZone"],
        language=d["language"],
        text=d["text"],
        status=SmsStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        reason=d.get("reason"),
        attempts=d.get("attempts", 0),
        remind_before_minutes=d.get("remindBeforeMinutes"),
        due_at=row["due_at"],
        sent_at=d.get("sentAt"),
        delivered_at=d.get("deliveredAt"),
        provider_id=d.get("providerId"),
        history=[StatusChange.parse(h) for h in d.get("history") or []],
    )
