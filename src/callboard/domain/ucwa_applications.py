"""A UCWA application: what a client registers before it reaches the meeting resources.

It belongs to the user whose delegated token created it (docs/ucwa.md, "Authentication");
its stored document is what the client sent, read back into this one type by store/ucwa.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from callboard.domain.ucwa_state import digest_id
from callboard.json_types import JsonObject


@dataclass(frozen=True)
class ApplicationRequest:
    """``POST /applications``: what the client says about itself (syntax already checked)."""

    culture: str
    endpoint_id: str
    user_agent: str
    instance_id: str | None = None

    def to_document(self) -> JsonObject:
        """The stored document, in the order UCWA shows it."""
        return {
            "culture": self.culture,
            "endpointId": self.endpoint_id,
            "instanceId": self.instance_id,
            "userAgent": self.user_agent,
        }

    @classmethod
    def parse(cls, document: JsonObject) -> ApplicationRequest:
        """Back from the stored document (the one reading of it)."""
        instance = document.get("instanceId")
        return cls(
            culture=str(document["culture"]),
            endpoint_id=str(document["endpointId"]),
            user_agent=str(document["userAgent"]),
            instance_id=None if instance is None else str(instance),
        )


@dataclass(frozen=True)
class UcwaApplication:
    id: str
    tenant_id: str
    user_id: str
    request: ApplicationRequest

    def belongs_to(self, tenant_id: str, user_id: str) -> bool:
        return self.tenant_id == tenant_id and self.user_id == user_id

    @property
    def etag(self) -> str:
        """A content digest: an application does not change once created."""
        content = {
            **self.request.to_document(),
            "id": self.id,
            "tenantId": self.tenant_id,
            "userId": self.user_id,
        }
        return digest_id(content)
