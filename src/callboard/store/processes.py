"""The process registry: serve and worker processes with their heartbeats, and the release
of the jobs a dead one held."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from callboard.store import tables


@dataclass(frozen=True)
class ProcessRow:
    id: str
    host: str
    pid: int
    started_at: float
    heartbeat_at: float


class ProcessRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def beat(self, process_id: str, host: str, pid: int, now: float) -> None:
        """Record that the process lives (registering it when it has no row, say after it
        was taken for dead while paused)."""
        p = tables.processes
        updated = self._conn.execute(
            update(p).where(p.c.id == process_id).values(heartbeat_at=now)
        ).rowcount
        if not updated:
            self._conn.execute(
                p.insert().values(
                    id=process_id, host=host, pid=pid, started_at=now, heartbeat_at=now
                )
            )

    def release_dead(self, cutoff: float) -> list[str]:
        """Forget every process whose last heartbeat is older than ``cutoff`` and make the
        jobs it held pending again; returns the ids of those processes."""
        p, j = tables.processes, tables.jobs
        dead = [
            str(row.id)
            for row in self._conn.execute(select(p.c.id).where(p.c.heartbeat_at < cutoff))
        ]
        if not dead:
            return []
        self._conn.execute(
            update(j)
            .where(j.c.status == "running", j.c.locked_by.in_(dead))
            .values(status="pending", locked_until=None, locked_by=None)
        )
        self._conn.execute(delete(p).where(p.c.id.in_(dead)))
        return dead

    def leave(self, process_id: str) -> None:
        """A clean shutdown: release what the process still holds and forget it."""
        p, j = tables.processes, tables.jobs
        self._conn.execute(
            update(j)
            .where(j.c.status == "running", j.c.locked_by == process_id)
            .values(status="pending", locked_until=None, locked_by=None)
        )
        self._conn.execute(delete(p).where(p.c.id == process_id))

    def list_all(self) -> list[ProcessRow]:
        p = tables.processes
        rows = self._conn.execute(select(p).order_by(p.c.started_at))
        return [ProcessRow(r.id, r.host, r.pid, r.started_at, r.heartbeat_at) for r in rows]
