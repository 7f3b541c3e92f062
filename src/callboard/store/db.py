"""Engine creation and schema migration for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

# The engine is part of the store's interface: the runtime holds one and hands it to units
# of work, so services name its type without speaking SQL.
__all__ = [
    "Engine",
    "alembic_config",
    "close_read_only",
    "connect_read_only",
    "failed",
    "is_sqlite",
    "make_engine",
    "normalise_url",
    "reset_state",
    "startup_lock",
    "upgrade",
    "wrote",
]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite start-up is not serialised there
    fcntl = None  # type: ignore[assignment]

from psycopg.pq import TransactionStatus

from callboard import json_codec
from callboard.store.tables import STATE_TABLES

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy would pick psycopg2)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            json_serializer=json_codec.dumps_text,
            json_deserializer=json_codec.loads,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets readers run beside the one writer; NORMAL keeps commits durable
            # across process crashes (only an OS crash can lose the last commits).
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(
        url,
        json_serializer=json_codec.dumps_text,
        json_deserializer=json_codec.loads,
        pool_size=10,
        max_overflow=10,
    )


def connect_read_only(engine: Engine) -> Connection:
    """A connection for a transaction that must not write, to end with ``close_read_only``.

    PostgreSQL: psycopg's ``read_only``, so its BEGIN is ``BEGIN READ ONLY`` (no round trip
    of its own) and a write fails at once (SQLSTATE 25006). SQLite has no cheap switch:
    ``PRAGMA query_only`` expires every prepared statement of the connection, so each read
    after it compiles its statements again (measured: 2.7 -> 14 µs a SELECT); there
    ``wrote`` tells afterwards whether anything was written.
    """
    conn = engine.connect()
    if not is_sqlite(engine):
        try:
            conn.connection.dbapi_connection.read_only = True  # type: ignore[union-attr]
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
    return conn


def wrote(conn: Connection) -> bool:
    """Whether the connection's transaction has written (SQLite only; PostgreSQL refused).

    Python's sqlite3 (the legacy transaction control SQLAlchemy's pysqlite dialect uses)
    begins a transaction only before an INSERT, UPDATE, DELETE or REPLACE: a connection
    in a transaction has run one, whether or not it changed a row.
    """
    if conn.dialect.name != "sqlite":
        return False
    return bool(conn.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]


def failed(conn: Connection) -> bool:
    """Whether a statement of the connection's transaction failed (PostgreSQL; SQLite keeps
    no such state): the transaction can then only be rolled back."""
    if conn.dialect.name == "sqlite":
        return False
    info = conn.connection.dbapi_connection.info  # type: ignore[union-attr]
    return bool(info.transaction_status == TransactionStatus.INERROR)


def close_read_only(conn: Connection) -> None:
    """Back to the pool as an ordinary connection, or out of it when it cannot be made one
    (a pooled connection left read-only would refuse every later write)."""
    try:
        if conn.dialect.name != "sqlite" and not conn.invalidated:
            conn.connection.dbapi_connection.read_only = False  # type: ignore[union-attr]
    except BaseException:
        conn.invalidate()
        raise
    finally:
        conn.close()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply every migration (idempotent); called on start by serve, worker and token."""
    command.upgrade(alembic_config(engine), "head")


@contextlib.contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serialise start-up work (migrations, the first signing key, directory and fixtures)
    between processes that start together on one database, e.g. ``serve`` and ``worker``:
    otherwise both may create the same tables or insert the same rows.

    PostgreSQL: a session advisory lock, one per schema. SQLite: an exclusive ``flock`` on
    ``<database>-lock`` beside the file (nothing for in-memory databases).
    """
    if engine.dialect.name == "postgresql":
        key = text("SELECT hashtext('callboard.startup:' || current_schema())")
        with engine.connect() as conn:
            lock_id = conn.execute(key).scalar_one()
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock_id})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
                conn.commit()
        return
    database = engine.url.database if is_sqlite(engine) else None
    if fcntl is None or not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    with open(f"{database}-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def reset_state(engine: Engine) -> None:
    """Empty every state table (the signing keys stay, so issued tokens stay valid)."""
    with engine.begin() as conn:
        for table in STATE_TABLES:
            conn.execute(table.delete())
