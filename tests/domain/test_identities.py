"""Graph identitySet values for directory people."""

from __future__ import annotations

from callboard.domain.directory import User
from callboard.domain.identities import guest_identity_set, phone_identity_set, user_identity_set

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


def test_phone_and_guest_identity_sets() -> None:
    assert phone_identity_set("+14255550100") == {
        "@odata.type": "#microsoft.graph.identitySet",
        "phone": {"@odata.type": "#microsoft.graph.identity", "id": "+14255550100"},
    }
    assert guest_identity_set("g1", "Guest")["guest"] == {
        "@odata.type": "#microsoft.graph.identity",
        "id": "g1",
        "displayName": "Guest",
    }
