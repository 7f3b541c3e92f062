"""Graph identitySet values for directory people."""

from __future__ import annotations

from callboard.domain.directory import User
from callboard.domain.identities import user_identity_set

TENANT = "t0000000-0000-4000-8000-000000000001"
ALICE = User("a1", TENANT, "Alice Adams", "alice@example.com")


def test_user_identity_set_with_and_without_a_provider() -> None:
    assert user_identity_set(ALICE) == {
        "@odata.type": "#microsoft.graph.identitySet",
        "user": {
            "@odata.type": "#microsoft.graph.identity",
            "id": "a1",
            "displayName": "Alice Adams",
            "tenantId": TENANT,
            "identityProvider": "AAD",
        },
    }
    assert "identityProvider" not in user_identity_set(ALICE, identity_provider=None)["user"]
