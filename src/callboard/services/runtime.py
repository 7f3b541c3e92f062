"""The collaborators every use case needs, built once by ``create_app`` or the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from callboard.clock import Clock
from callboard.config import Settings
from callboard.domain.calls import Call
from callboard.domain.directory import Directory
from callboard.domain.faults import FaultBook
from callboard.ids import IdFactory
from callboard.net import resolve_host
from callboard.services import notifications
from callboard.services.directory_loading import DirectoryCache
from callboard.store.db import Engine
from callboard.store.meetings import AttendanceChange
from callboard.store.uow import UnitOfWork
from callboard.tokens import KeyRing


@dataclass
class Runtime:
    engine: Engine
    settings: Settings
    clock: Clock
    ids: IdFactory
    keyring: KeyRing
    directory_cache: DirectoryCache = field(default_factory=DirectoryCache)
    # Called after a commit that wrote jobs: wakes the in-process runner.
    wake_runner: Callable[[], None] = lambda: None
    # Told of every call a commit changed (``services/call_records.observe``: call records
    # and presence follow the call), wired by ``create_app``.
    observer: Callable[[Runtime, UnitOfWork, Call], None] | None = None
    # Told of who came into or left a meeting (``services/call_presence.follow_meeting``).
    attendance_observer: Callable[[Runtime, UnitOfWork, AttendanceChange], None] | None = None
    # Host name -> addresses, for the callback destination check (tests inject a fake).
    resolve: Callable[[str], list[str]] = resolve_host
    # This process's copy of the fault injection rules (services/faults.py).
    fault_book: FaultBook = field(default_factory=FaultBook)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A unit of work; ``read_only=True`` for a use case that only reads (it ends with
        COMMIT, cheaper on PostgreSQL, and refuses every write: ``store/uow.py``)."""
        if read_only:
            return UnitOfWork(self.engine, now=self.clock.now(), read_only=True)
        observer, attendance_observer = self.observer, self.attendance_observer
        return UnitOfWork(
            self.engine,
            now=self.clock.now(),
            outbox=lambda call, now: notifications.jobs_for(call, now, self.settings),
            on_commit=self.wake_runner,
            observer=None if observer is None else lambda uow, call: observer(self, uow, call),
            attendance_observer=None
            if attendance_observer is None
            else lambda uow, change: attendance_observer(self, uow, change),
        )

    def directory(self, uow: UnitOfWork) -> Directory:
        return self.directory_cache.get(uow)
