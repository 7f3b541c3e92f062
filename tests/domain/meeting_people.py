"""The people and moments the meeting domain tests share: a tenant with Alice and Bob, a
fixed seed for generated ids, and a morning in 2030."""

from __future__ import annotations

from datetime import UTC, datetime

from callboard.domain.directory import Directory, User

TENANT = "t0000000-0000-4000-8000-000000000001"
ALICE = User("a1", TENANT, "Alice Adams", "alice@example.com")
BOB = User("b2", TENANT, "Bob Brown", "bob@example.com")
SEED = "12345678-1234-4234-8234-123456789abc"
NOW = datetime(2030, 1, 1, 9, tzinfo=UTC).timestamp()


def alice_and_bob() -> Directory:
    return Directory(users={(TENANT, u.id): u for u in (ALICE, BOB)})
