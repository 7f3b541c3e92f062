"""Call records: a call's log (legs, identities) as a JSON document, key columns to query."""

from __future__ import annotations

from sqlalchemy import Connection, Insert, RowMapping, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from callboard.domain.call_records import CallLog
from callboard.json_types import JsonObject
from callboard.store import tables

OPEN, CLOSED, PUBLISHED = "open", "closed", "published"

# Built once, as in store/calls.py: a statement built per call makes SQLAlchemy derive its
# cache key from every bound value each time, which costs more than running it.
_TABLE = tables.call_records
_OF_CALL = select(_TABLE).where(_TABLE.c.call_id == bindparam("call_id"))
_GET = select(_TABLE).where(_TABLE.c.id == bindparam("record_id"))
_INSERT = _TABLE.insert()
# A new log whose record id may be taken (a chain id another call used): one statement where
# a look-up and an insert took two. ``preserve_rowcount``: psycopg's cursor forgets an
# INSERT's row count once SQLAlchemy closes it.
_INSERT_UNLESS_TAKEN: dict[str, Insert] = {
    name: dialect.insert(_TABLE)
    .on_conflict_do_nothing(index_elements=[_TABLE.c.id])
    .execution_options(preserve_rowcount=True)
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
_SAVE = (
    _TABLE.update()
    .where(_TABLE.c.id == bindparam("b_id"))
    .values(
        status=bindparam("status"),
        ended_at=bindparam("ended_at"),
        document=bindparam("document", type_=_TABLE.c.document.type),
    )
)


def _log(row: RowMapping) -> CallLog:
    return CallLog.from_document(row["document"])


def _row(log: CallLog) -> JsonObject:
    return {
        "id": log.record_id,
        "call_id": log.call_id,
        "tenant_id": log.tenant_id,
        "app_id": log.app_id,
        "status": OPEN,
        "started_at": log.started_at,
        "ended_at": log.ended_at,
        "document": log.to_document(),
    }


class CallRecordRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def of_call(self, call_id: str) -> tuple[CallLog, str] | None:
        """The log of a call and its status, if the call has one yet."""
        row = self._conn.execute(_OF_CALL, {"call_id": call_id}).mappings().first()
        return None if row is None else (_log(row), row["status"])

    def get(self, record_id: str) -> tuple[CallLog, str] | None:
        row = self._conn.execute(_GET, {"record_id": record_id}).mappings().first()
        return None if row is None else (_log(row), row["status"])

    def add(self, log: CallLog) -> None:
        self._conn.execute(_INSERT, _row(log))

    def add_unless_taken(self, log: CallLog) -> bool:
        """Insert the log unless a record already has its id; whether it was inserted."""
        statement = _INSERT_UNLESS_TAKEN[self._conn.dialect.name]
        return self._conn.execute(statement, _row(log)).rowcount == 1

    def save(self, log: CallLog, status: str) -> None:
        self._conn.execute(
            _SAVE,
            {
                "b_id": log.record_id,
                "status": status,
                "ended_at": log.ended_at,
                "document": log.to_document(),
            },
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

    def published(self, tenant_id: str) -> list[CallLog]:
        """Every published record of a tenant, oldest call first."""
        table = tables.call_records
        rows = self._conn.execute(
            select(table)
            .where(table.c.tenant_id == tenant_id, table.c.status == PUBLISHED)
            .order_by(table.c.started_at, table.c.id)
        )
        return [_log(r) for r in rows.mappings()]
