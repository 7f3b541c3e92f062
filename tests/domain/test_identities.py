"""Graph identitySet values for directory people, and a client's identitySet read once."""

from __future__ import annotations

from callboard.domain.directory import User
from callboard.domain.identities import (
    IdentityKind,
    NamedIdentity,
    PartyIdentity,
    application_identity_set,
    guest_identity_set,
    phone_identity_set,
    user_identity_set,
)

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


# -- an identitySet read once (PartyIdentity) --------------------------------------------


def test_an_identity_set_is_read_into_its_kinds_and_kept_as_sent() -> None:
    sent = {
        "@odata.type": "#microsoft.graph.identitySet",
        "application": {"id": "app", "displayName": "Bot"},
        "user": {"id": "u1", "tenantId": TENANT, "extra": 1},
        "endpointType": "default",
    }
    party = PartyIdentity.parse(sent)
    assert party.echo is sent
    assert party.members == (
        NamedIdentity(IdentityKind.APPLICATION, "app", "Bot", None),
        NamedIdentity(IdentityKind.USER, "u1", None, TENANT),
    )
    assert party.member(IdentityKind.APPLICATION) == NamedIdentity(
        IdentityKind.APPLICATION, "app", "Bot"
    )
    assert party.member(IdentityKind.PHONE) is None
    assert party.id_of(IdentityKind.USER) == "u1"
    assert party.id_of(IdentityKind.GUEST) is None


def test_the_named_identity_is_the_first_kind_with_an_id() -> None:
    party = PartyIdentity.parse({"user": {}, "phone": {"id": "+1"}, "guest": {"id": "g"}})
    assert party.named() == NamedIdentity(IdentityKind.PHONE, "+1")
    assert party.key() == "phone:+1"
    record_order = (IdentityKind.GUEST, IdentityKind.PHONE)
    assert party.key(record_order) == "guest:g"


def test_an_identity_set_naming_no_id_has_the_unknown_key() -> None:
    for sent in ({}, {"user": {}}, {"user": "not an object"}, None):
        party = PartyIdentity.parse(sent)
        assert party.named() is None
        assert party.key() == "unknown:"


def test_a_stored_numeric_id_is_keyed_as_text() -> None:
    assert PartyIdentity.parse({"user": {"id": 42}}).key() == "user:42"


def test_a_missing_display_name_is_filled_in_and_a_sent_one_kept() -> None:
    sent = {"application": {"id": "app"}, "user": {"id": "u1"}}
    filled = PartyIdentity.parse(sent).with_display_name(IdentityKind.APPLICATION, "Bot")
    assert filled.echo == {"application": {"id": "app", "displayName": "Bot"}, "user": {"id": "u1"}}
    assert list(filled.echo) == ["application", "user"]  # the client's order
    assert sent == {"application": {"id": "app"}, "user": {"id": "u1"}}  # not edited
    assert filled.member(IdentityKind.APPLICATION) == NamedIdentity(
        IdentityKind.APPLICATION, "app", "Bot"
    )
    named = PartyIdentity.parse({"application": {"id": "app", "displayName": None}})
    assert named.with_display_name(IdentityKind.APPLICATION, "Bot") is named
    assert filled.with_display_name(IdentityKind.PHONE, "x") is filled


def test_an_application_or_its_instance_as_a_callee() -> None:
    assert application_identity_set(IdentityKind.APPLICATION, "app", "Bot") == {
        "@odata.type": "#microsoft.graph.identitySet",
        "application": {
            "@odata.type": "#microsoft.graph.identity",
            "id": "app",
            "displayName": "Bot",
        },
    }
    bare = application_identity_set(
        IdentityKind.APPLICATION_INSTANCE, "i1", "Desk", annotated=False
    )
    assert bare == {
        "@odata.type": "#microsoft.graph.identitySet",
        "applicationInstance": {"id": "i1", "displayName": "Desk"},
    }
