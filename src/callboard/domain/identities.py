"""Graph ``identitySet`` values for the directory's people."""

from __future__ import annotations

from callboard.domain.directory import User
from callboard.json_types import JsonObject

IDENTITY_SET = "#microsoft.graph.identitySet"
IDENTITY = "#microsoft.graph.identity"


def user_identity_set(user: User, *, identity_provider: str | None = "AAD") -> JsonObject:
    """``{"user": {...}}`` naming a directory user; ``identity_provider`` None leaves
    ``identityProvider`` out (call sources carry none)."""
    identity: JsonObject = {
        "@odata.type": IDENTITY,
        "id": user.id,
        "displayName": user.display_name,
        "tenantId": user.tenant_id,
    }
    if identity_provider is not None:
        identity["identityProvider"] = identity_provider
    return {"@odata.type": IDENTITY_SET, "user": identity}


def phone_identity_set(number: str) -> JsonObject:
    """Someone who dialled in from ``number``."""
    return {"@odata.type": IDENTITY_SET, "phone": {"@odata.type": IDENTITY, "id": number}}


def guest_identity_set(guest_id: str, display_name: str) -> JsonObject:
    """An anonymous guest (joined by link, not signed in)."""
    return {
        "@odata.type": IDENTITY_SET,
        "guest": {"@odata.type": IDENTITY, "id": guest_id, "displayName": display_name},
    }
