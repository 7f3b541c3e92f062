"""Alembic environment: runs on the engine handed in by ``callboard.store.db.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from callboard.store.tables import metadata

target_metadata = metadata


def run_migrations_online() -> None:
    engine: Engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
