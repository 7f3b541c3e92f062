"""The databases the servers run on: a fresh SQLite file per server (copied from a migrated
template), or a private PostgreSQL schema that the benchmark creates and drops. The bench
counts rows (backlog, calls, deliveries) with its own read-only queries."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

# The CI database, as the test suite uses it.
POSTGRES_URL = os.environ.get(
    "CALLBOARD_BENCH_POSTGRES_URL",
    os.environ.get("CALLBOARD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
)

PENDING_DELIVERIES = (
    "SELECT count(*) FROM jobs WHERE kind = 'webhook.deliver' AND status IN ('pending', 'running')"
)
DUE_JOBS = "SELECT count(*) FROM jobs WHERE status IN ('pending', 'running') AND run_at <= "


class Database:
    """A server's database as the benchmark sees it: its URL and a way to count rows."""

    def __init__(self, url: str, sqlite_path: Path | None = None) -> None:
        self.url = url
        self._sqlite_path = sqlite_path
        self._pg: psycopg.Connection[tuple[int]] | None = None

    @classmethod
    def sqlite_copy(cls, template: Path, target: Path) -> Database:
        shutil.copy(template, target)
        return cls(f"sqlite:///{target}", target)

    def count(self, sql: str) -> int:
        if self._sqlite_path is not None:
            conn = sqlite3.connect(f"file:{self._sqlite_path}?mode=ro", uri=True, timeout=30)
            try:
                value: int = conn.execute(sql).fetchone()[0]
                return value
            finally:
                conn.close()
        if self._pg is None:
            self._pg = psycopg.connect(self.url, autocommit=True)
        row = self._pg.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def backlog(self) -> int:
        """Notifications queued and not yet delivered (or being delivered)."""
        return self.count(PENDING_DELIVERIES)

    def settle(self, horizon: float = 2.0, timeout: float = 120.0) -> float:
        """Wait until no job is pending or running that falls due within ``horizon`` seconds
        (every notification delivered, every near timer run); returns the seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.count(DUE_JOBS + f"{time.time() + horizon}") == 0:
                break
            time.sleep(0.05)
        return time.monotonic() - started

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()
            self._pg = None


def checkpoint(path: Path) -> None:
    """Fold a template's WAL into the file, so that a plain copy is complete."""
    with contextlib.suppress(sqlite3.Error), sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it can."""
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except (psycopg.Error, OSError) as exc:
        return f"PostgreSQL is not reachable at {POSTGRES_URL}: {type(exc).__name__}: {exc}"
    return None


@contextlib.contextmanager
def postgres_schema() -> Iterator[Database]:
    """A private schema on the PostgreSQL server, dropped afterwards; its database."""
    schema = f"cbbench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    database = Database(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield database
    finally:
        database.close()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
