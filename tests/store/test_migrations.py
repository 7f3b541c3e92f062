"""The migrations build exactly the schema that tables.py declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from callboard.store.db import upgrade
from callboard.store.tables import metadata


def test_no_drift_between_migrations_and_tables(engine: Engine) -> None:
    upgrade(engine)  # idempotent on an up-to-date database
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
