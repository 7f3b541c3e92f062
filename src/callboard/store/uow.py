"""Unit of work: ``with uow:`` is one transaction; nothing is written unless committed.

On commit, every call the unit of work touched hands its pending events to the
injected ``outbox`` function, whose jobs are inserted in the same transaction.
So a state change and the notifications it implies are durable together or not at all.

A read-only unit of work (``read_only=True``, what the GET use cases open) ends with
COMMIT, even when an exception that is not the database's leaves it: psycopg throws its
prepared statements away at every ROLLBACK (and sends ``DEALLOCATE ALL`` when it had any),
which made each PostgreSQL read prepare its statements again. Its write methods and
``commit`` raise ``ReadOnlyWrite``; so does a repository's write, which PostgreSQL refuses
(``BEGIN READ ONLY``) and SQLite's is seen at the end and rolled back (``store/db.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from callboard.domain.calls import Call
from callboard.errors import Conflict
from callboard.store.call_records import CallRecordRepository
from callboard.store.calls import CallRepository, OperationRepository
from callboard.store.clock_state import ClockRepository
from callboard.store.db import close_read_only, connect_read_only, failed, wrote
from callboard.store.directory import BehaviourRepository, DirectoryRepository, KeyRepository
from callboard.store.faults import FaultRepository
from callboard.store.jobs import DeliveryRepository, JobRepository, NewJob
from callboard.store.meetings import AttendanceChange, MeetingRepository
from callboard.store.presences import PresenceRepository
from callboard.store.processes import ProcessRepository
from callboard.store.recordings import RecordingRepository
from callboard.store.sms import SmsRepository
from callboard.store.subscriptions import SubscriptionRepository
from callboard.store.ucwa import UcwaApplicationRepository

Outbox = Callable[[Call, float], list[NewJob]]
# Told of each call a commit changed, before its events become jobs (call records, presence).
Observer = Callable[["UnitOfWork", Call], None]
# Told of who came into or left a meeting in the transaction (presence).
AttendanceObserver = Callable[["UnitOfWork", AttendanceChange], None]


class ReadOnlyWrite(RuntimeError):
    """A write in a read-only unit of work: a bug in the use case that opened it."""


class UnitOfWork:
    calls: CallRepository
    operations: OperationRepository
    jobs: JobRepository
    deliveries: DeliveryRepository
    directory: DirectoryRepository
    behaviours: BehaviourRepository
    keys: KeyRepository
    clock: ClockRepository
    meetings: MeetingRepository
    sms: SmsRepository
    ucwa_applications: UcwaApplicationRepository
    subscriptions: SubscriptionRepository
    presences: PresenceRepository
    recordings: RecordingRepository
    call_records: CallRecordRepository
    processes: ProcessRepository
    faults: FaultRepository

    def __init__(
        self,
        engine: Engine,
        *,
        now: float,
        outbox: Outbox | None = None,
        on_commit: Callable[[], None] | None = None,
        observer: Observer | None = None,
        attendance_observer: AttendanceObserver | None = None,
        read_only: bool = False,
    ) -> None:
        self._engine = engine
        self.read_only = read_only
        self.now = now
        self._outbox = outbox
        self._on_commit = on_commit
        self._observer = observer
        self._attendance_observer = attendance_observer
        # Objects, not ids: one call may be loaded and saved twice in a transaction, and the
        # events of both copies must reach the outbox.
        self._touched: list[Call] = []
        self._added_call_ids: set[str] = set()
        self._scheduled: list[NewJob] = []
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        self._conn = connect_read_only(self._engine) if self.read_only else self._engine.connect()
        self._conn.begin()
        conn = self._conn
        self.calls = CallRepository(conn)
        self.operations = OperationRepository(conn)
        self.jobs = JobRepository(conn)
        self.deliveries = DeliveryRepository(conn)
        self.directory = DirectoryRepository(conn)
        self.behaviours = BehaviourRepository(conn)
        self.keys = KeyRepository(conn)
        self.clock = ClockRepository(conn)
        self.meetings = MeetingRepository(conn)
        self.sms = SmsRepository(conn)
        self.ucwa_applications = UcwaApplicationRepository(conn)
        self.subscriptions = SubscriptionRepository(conn)
        self.presences = PresenceRepository(conn)
        self.recordings = RecordingRepository(conn)
        self.call_records = CallRecordRepository(conn)
        self.processes = ProcessRepository(conn)
        self.faults = FaultRepository(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        if self.read_only:
            self._end_read_only(exc)
            return
        try:
            if self._conn.in_transaction():
                self._conn.rollback()
        finally:
            self._conn.close()
            self._conn = None
        if isinstance(exc, DBAPIError) and lost_a_race(exc):
            # Nothing was written: the caller may run the unit of work again.
            raise Conflict("A concurrent transaction won; retry the request.") from exc

    def _writing(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyWrite(f"{what} in a read-only unit of work.")

    def _end_read_only(self, exc: BaseException | None) -> None:
        assert self._conn is not None
        conn, self._conn = self._conn, None
        wrote_here = False
        try:
            wrote_here = wrote(conn)
            if conn.in_transaction():
                if wrote_here or isinstance(exc, DBAPIError) or failed(conn):
                    conn.rollback()
                else:
                    # Nothing can have been written, and COMMIT keeps psycopg's prepared
                    # statements where ROLLBACK throws them away.
                    conn.commit()
        finally:
            close_read_only(conn)
        if wrote_here or (isinstance(exc, DBAPIError) and refused_a_write(exc)):
            raise ReadOnlyWrite("A read-only unit of work tried to write.") from exc

    def add_call(self, call: Call) -> None:
        self._writing("add_call")
        call.stamp_history(self.now)
        self.calls.add(call)
        self._added_call_ids.add(call.id)
        self._touch(call)

    def added_here(self, call: Call) -> bool:
        """Whether this unit of work inserted the call (nothing else has stored about it)."""
        return call.id in self._added_call_ids

    def save_call(self, call: Call) -> None:
        self._writing("save_call")
        call.stamp_history(self.now)
        self.calls.save(call, self.now)
        self._touch(call)

    def _touch(self, call: Call) -> None:
        if not any(seen is call for seen in self._touched):
            self._touched.append(call)

    def schedule(self, job: NewJob) -> None:
        self._writing("schedule")
        self._scheduled.append(job)

    def commit(self) -> None:
        self._writing("commit")
        assert self._conn is not None
        if self._observer is not None:
            for call in [c for c in self._touched if c.events]:
                self._observer(self, call)
        if self._attendance_observer is not None:
            for change in self.meetings.attendance_changes:
                self._attendance_observer(self, change)
        self.meetings.attendance_changes.clear()
        jobs = list(self._scheduled)
        for call in self._touched:
            if self._outbox is not None and call.events:
                jobs.extend(self._outbox(call, self.now))
            call.events.clear()
        self.jobs.add_all(jobs, self.now)
        self._conn.commit()
        self._scheduled.clear()
        self._touched.clear()
        if jobs and self._on_commit is not None:
            self._on_commit()


# PostgreSQL: serialization_failure, deadlock_detected.
_RACE_STATES = frozenset({"40001", "40P01"})


def lost_a_race(exc: DBAPIError) -> bool:
    """Whether the database refused the transaction only because another one won it."""
    state = getattr(exc.orig, "sqlstate", None)
    if state in _RACE_STATES:
        return True
    # SQLite: a write after another connection's commit in a read transaction (WAL).
    return "database is locked" in str(exc.orig)


# PostgreSQL: read_only_sql_transaction. SQLite: SQLITE_READONLY and its extended codes.
_READ_ONLY_STATE = "25006"
_SQLITE_READONLY = 8


def refused_a_write(exc: DBAPIError) -> bool:
    """Whether the database refused a write because the transaction was read-only."""
    if getattr(exc.orig, "sqlstate", None) == _READ_ONLY_STATE:
        return True
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == _SQLITE_READONLY
