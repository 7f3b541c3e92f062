"""Online meetings: key columns plus the Graph document, mapped explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from callboard.domain.meetings import OnlineMeeting
from callboard.errors import Conflict
from callboard.json_types import JsonObject
from callboard.store import tables


@dataclass(frozen=True)
class AttendanceChange:
    """Who came into or left a meeting in this transaction (attendee keys, ``user:<id>``…)."""

    tenant_id: str
    meeting_id: str
    joined: tuple[str, ...]
    left: tuple[str, ...]


class MeetingRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        # Read by the unit of work at commit (presence follows who is in a meeting).
        self.attendance_changes: list[AttendanceChange] = []

    def _observe(self, meeting: OnlineMeeting, now: float, *, report: bool = True) -> None:
        """Attendance follows the roster at every write (``domain/attendance.py``)."""
        joined, left = meeting.observe_attendance(now)
        if report and (joined or left):
            self.attendance_changes.append(
                AttendanceChange(meeting.tenant_id, meeting.id, tuple(joined), tuple(left))
            )

    def add(self, meeting: OnlineMeeting) -> None:
        meeting.version = 1
        # The people a meeting is created with (the directory's fixtures) are its scenery:
        # counted as attendance, but their presence is not changed (docs/call-records.md).
        self._observe(meeting, meeting.created_at, report=False)
        self._conn.execute(tables.online_meetings.insert().values(**_meeting_row(meeting)))

    def save(self, meeting: OnlineMeeting, now: float) -> None:
        """Optimistic write: a concurrent writer makes this a Conflict."""
        meeting.modified_at = now
        self._observe(meeting, now)
        values = _meeting_row(meeting)
        values["version"] = meeting.version + 1
        result = self._conn.execute(
            update(tables.online_meetings)
            .where(
                tables.online_meetings.c.id == meeting.id,
                tables.online_meetings.c.version == meeting.version,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            raise Conflict(f"The meeting {meeting.id} was modified concurrently.")
        meeting.version += 1

    def delete(self, meeting_id: str) -> None:
        """Delete the row; ``Conflict`` when it is already gone (a concurrent delete won:
        run again, the request finds no meeting)."""
        result = self._conn.execute(
            tables.online_meetings.delete().where(tables.online_meetings.c.id == meeting_id)
        )
        if result.rowcount != 1:
            raise Conflict(f"The meeting {meeting_id} was deleted concurrently.")

    def existing(self, meeting_ids: list[str]) -> set[str]:
        """Which of these meetings exist, each locked against a delete until the end of the
        transaction (PostgreSQL: FOR SHARE; SQLite has a single writer anyway)."""
        if not meeting_ids:
            return set()
        c = tables.online_meetings.c
        query = select(c.id).where(c.id.in_(sorted(meeting_ids)))
        if self._conn.dialect.name == "postgresql":
            query = query.order_by(c.id).with_for_update(read=True)
        return {str(row.id) for row in self._conn.execute(query)}

    def get(self, meeting_id: str) -> OnlineMeeting | None:
        return self._one(tables.online_meetings.c.id == meeting_id)

    def find_by_join_meeting_id(self, join_meeting_id: str) -> OnlineMeeting | None:
        return self._one(tables.online_meetings.c.join_meeting_id == join_meeting_id)

    def find_by_thread(self, tenant_id: str, thread_id: str) -> OnlineMeeting | None:
        return self._one(
            tables.online_meetings.c.tenant_id == tenant_id,
            tables.online_meetings.c.thread_id == thread_id,
        )

    def find_by_external_id(
        self, tenant_id: str, organizer_id: str, external_id: str
    ) -> OnlineMeeting | None:
        return self._one(
            tables.online_meetings.c.tenant_id == tenant_id,
            tables.online_meetings.c.organizer_id == organizer_id,
            tables.online_meetings.c.external_id == external_id,
        )

    def find(
        self,
        tenant_id: str,
        *,
        join_web_url: str | None = None,
        join_meeting_id: str | None = None,
        video_teleconference_id: str | None = None,
    ) -> list[OnlineMeeting]:
        m = tables.online_meetings.c
        query = (
            select(tables.online_meetings).where(m.tenant_id == tenant_id).order_by(m.created_at)
        )
        if join_web_url is not None:
            query = query.where(m.join_web_url == join_web_url)
        if join_meeting_id is not None:
            query = query.where(m.join_meeting_id == join_meeting_id)
        if video_teleconference_id is not None:
            query = query.where(m.video_teleconference_id == video_teleconference_id)
        return [_meeting_from_row(r) for r in self._conn.execute(query).mappings()]

    def _one(self, *conditions: Any) -> OnlineMeeting | None:
        row = (
            self._conn.execute(select(tables.online_meetings).where(*conditions)).mappings().first()
        )
        return None if row is None else _meeting_from_row(row)


def _meeting_row(meeting: OnlineMeeting) -> JsonObject:
    return {
        "id": meeting.id,
        "tenant_id": meeting.tenant_id,
        "organizer_id": meeting.organizer_id,
        "join_meeting_id": meeting.join_meeting_id,
        "thread_id": meeting.thread_id,
        "join_web_url": meeting.join_web_url,
        "external_id": meeting.external_id,
        "video_teleconference_id": meeting.video_teleconference_id,
        "created_at": meeting.created_at,
        "modified_at": meeting.modified_at,
        "version": meeting.version,
        "document": {"resource": meeting.to_graph(), "live": meeting.live_document()},
    }


def _meeting_from_row(row: Any) -> OnlineMeeting:
    doc = row["document"]
    return OnlineMeeting.from_graph(
        row["id"],
        row["tenant_id"],
        row["organizer_id"],
        doc["resource"],
        doc["live"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        version=row["version"],
    )


# -- virtual-appointment SMS ------------------------------------------------------------
