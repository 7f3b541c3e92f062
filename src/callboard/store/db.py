"""Engine creation and schema migration for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

# The engine is part of the store's interface: the runtime holds one and hands it to units
# of work, so services name its type without speaking SQL.
__all__ = [
    "Engine",
    "alembic_config",
    "is_sqlite",
    "make_engine",
    "normalise_url",
    "reset_state",
    "startup_lock",
    "upgrade",
]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite start-up is not serialised there
    fcntl = None  # type: ignore[assignment]

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
