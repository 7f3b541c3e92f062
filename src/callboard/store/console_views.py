"""What the web console reads that no repository offers: a cheap "something changed" marker
for its live updates, and the meetings, newest first."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from callboard.store import tables


def change_marker(engine: Engine) -> str:
    """A short string that changes whenever a call, meeting, delivery attempt, job, SMS or the
    virtual clock does: a few aggregate queries over indexed or small tables. Several
    processes (serve, workers) write the database, so the marker is read from it."""
    calls, meetings, deliveries = tables.calls.c, tables.online_meetings.c, tables.deliveries.c
    jobs, sms, clock = tables.jobs.c, tables.sms_messages.c, tables.clock_state.c
    parts = [
        select(func.count(), func.max(calls.modified_at), func.sum(calls.version)),
        select(func.count(), func.max(meetings.modified_at), func.sum(meetings.version)),
        select(func.max(deliveries.id)),
        select(func.max(jobs.id), func.count().filter(jobs.status == "pending")),
        select(func.count(), func.max(sms.updated_at)),
        select(func.max(clock.offset_seconds)),
    ]
    with engine.connect() as conn:
        rows = [conn.execute(part).one() for part in parts]
    return "|".join(",".join("" if v is None else str(v) for v in row) for row in rows)


def meeting_ids(engine: Engine, *, top: int) -> list[str]:
    """The ids of the ``top`` newest meetings."""
    m = tables.online_meetings.c
    query = select(m.id).order_by(m.created_at.desc(), m.id).limit(top)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())
