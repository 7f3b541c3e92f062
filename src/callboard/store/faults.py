"""Fault injection rules."""

from __future__ import annotations

from sqlalchemy import Connection, select

from callboard.domain.faults import Fault
from callboard.store import tables


class FaultRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, fault: Fault, now: float) -> None:
        self._conn.execute(
            tables.faults.insert().values(id=fault.id, created_at=now, document=fault.document())
        )

    def list_all(self) -> list[Fault]:
        f = tables.faults
        rows = self._conn.execute(select(f.c.document).order_by(f.c.created_at, f.c.id))
        return [Fault.from_document(row.document) for row in rows]

    def delete(self, fault_id: str) -> bool:
        f = tables.faults
        return bool(self._conn.execute(f.delete().where(f.c.id == fault_id)).rowcount)

    def clear(self) -> None:
        self._conn.execute(tables.faults.delete())
