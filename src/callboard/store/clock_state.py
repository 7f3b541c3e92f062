"""The virtual clock's stored offset (shared by serve, workers and restarts)."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from callboard.store import tables


class ClockRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def offset(self) -> float:
        value = self._conn.execute(
            select(tables.clock_state.c.offset_seconds).where(tables.clock_state.c.id == 1)
        ).scalar()
        return 0.0 if value is None else float(value)

    def save_offset(self, offset: float) -> None:
        """Only ever forward: a slower writer cannot move the clock back."""
        updated = self._conn.execute(
            update(tables.clock_state)
            .where(tables.clock_state.c.id == 1, tables.clock_state.c.offset_seconds < offset)
            .values(offset_seconds=offset)
        )
        if (
            updated.rowcount == 0
            and self._conn.execute(
                select(tables.clock_state.c.id).where(tables.clock_state.c.id == 1)
            ).first()
            is None
        ):
            self._conn.execute(tables.clock_state.insert().values(id=1, offset_seconds=offset))
