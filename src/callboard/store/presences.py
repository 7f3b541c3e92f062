"""Users' presence: one row per user, versioned by its sequence number."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import IntegrityError

from callboard.domain.presence import Presence, Session, StatusMessage
from callboard.errors import Conflict
from callboard.json_types import JsonObject
from callboard.store import tables

# Built once, as in store/calls.py: every call a user joins or leaves reads and writes their
# row, and a statement built per use makes SQLAlchemy derive its cache key each time.
_TABLE = tables.presences
_GET = select(_TABLE.c.sequence, _TABLE.c.document).where(
    _TABLE.c.tenant_id == bindparam("tenant_id"), _TABLE.c.user_id == bindparam("user_id")
)
_INSERT = _TABLE.insert()
_SAVE = (
    _TABLE.update()
    .where(
        _TABLE.c.tenant_id == bindparam("b_tenant_id"),
        _TABLE.c.user_id == bindparam("b_user_id"),
        _TABLE.c.sequence == bindparam("b_sequence"),
    )
    .values(
        sequence=bindparam("sequence"),
        document=bindparam("document", type_=_TABLE.c.document.type),
    )
)


def _session(data: JsonObject) -> Session:
    return Session(data["availability"], data["activity"], data["set_at"], data["expires_at"])


def _session_doc(session: Session) -> JsonObject:
    return {
        "availability": session.availability,
        "activity": session.activity,
        "set_at": session.set_at,
        "expires_at": session.expires_at,
    }


def _document(presence: Presence) -> JsonObject:
    message = presence.status_message
    return {
        "sessions": {k: _session_doc(v) for k, v in presence.sessions.items()},
        "calls": presence.calls,
        "preferred": None if presence.preferred is None else _session_doc(presence.preferred),
        "status_message": None
        if message is None
        else {
            "message": message.message,
            "expiry": message.expiry,
            "expires_at": message.expires_at,
            "published_at": message.published_at,
        },
    }


def _presence(tenant_id: str, user_id: str, sequence: int, doc: JsonObject) -> Presence:
    message = doc.get("status_message")
    sessions = {k: _session(v) for k, v in doc["sessions"].items()}
    calls: dict[str, int] = dict(doc.get("calls") or {})
    # Documents written before calls were counted hold one session per call or meeting.
    for key in [k for k in sessions if k.startswith(("call:", "meeting:"))]:
        activity = sessions.pop(key).activity
        calls[activity] = calls.get(activity, 0) + 1
    return Presence(
        tenant_id=tenant_id,
        user_id=user_id,
        sessions=sessions,
        calls=calls,
        preferred=None if doc.get("preferred") is None else _session(doc["preferred"]),
        status_message=None if message is None else StatusMessage(**message),
        sequence=sequence,
    )


class PresenceRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, tenant_id: str, user_id: str) -> Presence:
        """The user's stored presence, or a fresh one (no sessions: Offline)."""
        row = self._conn.execute(_GET, {"tenant_id": tenant_id, "user_id": user_id}).first()
        if row is None:
            return Presence(tenant_id=tenant_id, user_id=user_id)
        return _presence(tenant_id, user_id, row.sequence, row.document)

    def get_many(self, tenant_id: str, user_ids: list[str]) -> dict[str, Presence]:
        table = tables.presences
        rows = self._conn.execute(
            select(table.c.user_id, table.c.sequence, table.c.document).where(
                table.c.tenant_id == tenant_id, table.c.user_id.in_(user_ids)
            )
        )
        return {r.user_id: _presence(tenant_id, r.user_id, r.sequence, r.document) for r in rows}

    def save(self, presence: Presence, previous_sequence: int) -> None:
        """Write ``presence`` if nobody else changed the row since ``previous_sequence``."""
        key = {"tenant_id": presence.tenant_id, "user_id": presence.user_id}
        document = _document(presence)
        if previous_sequence == 0:
            exists = self._conn.execute(_GET, key).first()
            if exists is None:
                try:
                    self._conn.execute(
                        _INSERT, {**key, "sequence": presence.sequence, "document": document}
                    )
                except IntegrityError:  # another writer created the row first
                    raise Conflict("The presence changed concurrently; retry.") from None
                return
        result = self._conn.execute(
            _SAVE,
            {
                "b_tenant_id": presence.tenant_id,
                "b_user_id": presence.user_id,
                "b_sequence": previous_sequence,
                "sequence": presence.sequence,
                "document": document,
            },
        )
        if result.rowcount != 1:
            raise Conflict("The presence changed concurrently; retry the request.")
