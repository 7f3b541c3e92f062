"""Call records: a call's log (legs, identities) as a JSON document, key columns to query."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from callboard.domain.call_records import CallLog, Leg
from callboard.store import tables

OPEN, CLOSED, PUBLISHED = "open", "closed", "published"


def _document(log: CallLog) -> dict[str, Any]:
    return dataclasses.asdict(log)


def _log(row: RowMapping) -> CallLog:
    document = dict(row["document"])
    document["legs"] = [Leg(**leg) for leg in document["legs"]]
    return CallLog(**document)


class CallRecordRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def of_call(self, call_id: str) -> tuple[CallLog, str] | None:
        """The log of a call and its status, if the call has one yet."""
        table = tables.call_records
        row = self._conn.execute(select(table).where(table.c.call_id == call_id)).mappings().first()
        return None if row is None else (_log(row), row["status"])

    def get(self, record_id: str) -> tuple[CallLog, str] | None:
        table = tables.call_records
        row = self._conn.execute(select(table).where(table.c.id == record_id)).mappings().first()
        return None if row is None else (_log(row), row["status"])

    def add(self, log: CallLog) -> None:
        self._conn.execute(
            tables.call_records.insert().values(
                id=log.record_id,
                call_id=log.call_id,
                tenant_id=log.tenant_id,
                app_id=log.app_id,
                status=OPEN,
                started_at=log.started_at,
                ended_at=log.ended_at,
                document=_document(log),
            )
        )

    def save(self, log: CallLog, status: str) -> None:
        table = tables.call_records
        self._conn.execute(
            table.update()
            .where(table.c.id == log.record_id)
            .values(status=status, ended_at=log.ended_at, document=_document(log))
        )

    def published_between(self, tenant_id: str, start: float, end: float) -> list[CallLog]:
        """Published records of a tenant whose call started in [start, end], oldest first."""
        table = tables.call_records
        rows = self._conn.execute(
            select(table)
            .where(
                table.c.tenant_id == tenant_id,
                table.c.status == PUBLISHED,
                table.c.started_at >= start,
                table.c.started_at <= end,
            )
            .order_by(table.c.started_at, table.c.id)
        )
        return [_log(r) for r in rows.mappings()]
