"""The directory, simulated-party behaviours and signing keys. The directory's entries are
stored as they were sent (the admin API shows them back); behaviours are read back into
``Behaviour`` here."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select

from callboard.domain.directory import Behaviour, DirectoryEntry
from callboard.store import tables


class DirectoryRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def entries(self) -> list[DirectoryEntry]:
        rows = self._conn.execute(
            select(tables.directory_entries).order_by(tables.directory_entries.c.position)
        ).all()
        return [DirectoryEntry(r.kind, r.tenant_id, r.id, r.document) for r in rows]

    def replace(self, entries: list[DirectoryEntry]) -> None:
        self._conn.execute(tables.directory_entries.delete())
        if entries:
            self._conn.execute(
                tables.directory_entries.insert(),
                [
                    {
                        "kind": e.kind,
                        "tenant_id": e.tenant_id,
                        "id": e.id,
                        "position": n,
                        "document": e.document,
                    }
                    for n, e in enumerate(entries)
                ],
            )


_GET_BEHAVIOUR = select(tables.behaviours.c.document).where(
    tables.behaviours.c.identity_id == bindparam("identity_id")
)


class BehaviourRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, identity_id: str) -> Behaviour | None:
        row = self._conn.execute(_GET_BEHAVIOUR, {"identity_id": identity_id}).first()
        return None if row is None else Behaviour.parse(dict(row[0]))

    def put(self, identity_id: str, behaviour: Behaviour) -> None:
        self.delete(identity_id)
        self._conn.execute(
            tables.behaviours.insert().values(identity_id=identity_id, document=behaviour.to_dict())
        )

    def delete(self, identity_id: str) -> bool:
        result = self._conn.execute(
            tables.behaviours.delete().where(tables.behaviours.c.identity_id == identity_id)
        )
        return result.rowcount > 0

    def all(self) -> dict[str, Behaviour]:
        rows = self._conn.execute(select(tables.behaviours)).all()
        return {r.identity_id: Behaviour.parse(r.document) for r in rows}


class KeyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def all(self) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            select(tables.signing_keys.c.kid, tables.signing_keys.c.private_pem).order_by(
                tables.signing_keys.c.created_at
            )
        ).all()
        return [(r.kid, r.private_pem) for r in rows]

    def add(self, kid: str, private_pem: str, now: float) -> None:
        self._conn.execute(
            tables.signing_keys.insert().values(kid=kid, private_pem=private_pem, created_at=now)
        )
