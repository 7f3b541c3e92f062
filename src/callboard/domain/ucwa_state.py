"""What UCWA keeps beside a Graph meeting, typed, and its stored form.

A meeting's ``UcwaState`` (its onlineMeetingId and PUT property name, the assigned flag, the
UCWA-only properties, the extensions) is kept beside the meeting as ``OnlineMeeting.ucwa``,
stored in its live document under ``"ucwa"``; ``parse`` and ``to_document`` are the one
reading and writing of it (domain/ucwa_meetings.py's ``UcwaMeeting`` uses them on every
change).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field

from callboard.json_types import JsonObject


def digest_id(content: object) -> str:
    """A UUID-shaped digest of JSON content (key order ignored): UCWA's content ETags."""
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16]))


@dataclass(frozen=True)
class Extension:
    """An onlineMeetingExtension: an id and a type, embedded in its meeting."""

    id: str
    type: str = "Undefined"

    @classmethod
    def parse(cls, document: JsonObject) -> Extension:
        return cls(str(document["id"]), str(document.get("type") or "Undefined"))

    def to_document(self) -> JsonObject:
        return {"id": self.id, "type": self.type}

    @property
    def etag(self) -> str:
        """A content digest: an extension does not change once created."""
        return digest_id(self.to_document())


@dataclass
class UcwaState:
    """What UCWA keeps beside a Graph meeting. None: never written through UCWA (the value
    is derived from the Graph meeting or a default)."""

    online_meeting_id: str | None = None
    put_property: str | None = None
    assigned: bool = False
    access_level: str | None = None
    automatic_leader_assignment: str | None = None
    phone_user_admission: str | None = None
    description: str | None = None
    extensions: list[Extension] = field(default_factory=list)

    @classmethod
    def parse(cls, document: JsonObject | None) -> UcwaState:
        """From the stored document (the one reading of it)."""
        doc = document or {}

        def text(key: str) -> str | None:
            value = doc.get(key)
            return None if value is None else str(value)

        return cls(
            online_meeting_id=text("onlineMeetingId"),
            put_property=text("putProperty"),
            assigned=bool(doc.get("assigned")),
            access_level=text("accessLevel"),
            automatic_leader_assignment=text("automaticLeaderAssignment"),
            phone_user_admission=text("phoneUserAdmission"),
            description=text("description"),
            extensions=[Extension.parse(e) for e in doc.get("extensions") or []],
        )

    def to_document(self) -> JsonObject:
        """The stored document (the one writing of it): only what has been set."""
        document: JsonObject = {}
        for key, value in (
            ("onlineMeetingId", self.online_meeting_id),
            ("putProperty", self.put_property),
            ("accessLevel", self.access_level),
            ("automaticLeaderAssignment", self.automatic_leader_assignment),
            ("phoneUserAdmission", self.phone_user_admission),
            ("description", self.description),
        ):
            if value is not None:
                document[key] = value
        if self.assigned:
            document["assigned"] = True
        document["extensions"] = [e.to_document() for e in self.extensions]
        return document
