"""Graph ``identitySet`` values: built for the directory's people, and read once from a
client's JSON into ``PartyIdentity`` (the identities it names, typed, and the set as sent)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum

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


def application_identity_set(
    kind: IdentityKind, identity_id: str, display_name: str, *, annotated: bool = True
) -> JsonObject:
    """An application or its instance (``kind``), as an incoming call's callee. ``annotated``
    False leaves the identity's ``@odata.type`` out (a transfer's offered call has none)."""
    identity: JsonObject = {"@odata.type": IDENTITY} if annotated else {}
    identity.update({"id": identity_id, "displayName": display_name})
    return {"@odata.type": IDENTITY_SET, kind.value: identity}


def guest_identity_set(guest_id: str, display_name: str) -> JsonObject:
    """An anonymous guest (joined by link, not signed in)."""
    return {
        "@odata.type": IDENTITY_SET,
        "guest": {"@odata.type": IDENTITY, "id": guest_id, "displayName": display_name},
    }


class IdentityKind(StrEnum):
    """The identities an ``identitySet`` may name, in the order a ring key looks for one."""

    USER = "user"
    PHONE = "phone"
    GUEST = "guest"
    APPLICATION_INSTANCE = "applicationInstance"
    APPLICATION = "application"
    DEVICE = "device"
    ENCRYPTED = "encrypted"
    ON_PREMISES = "onPremises"
    ACS_USER = "acsUser"
    SPOOL_USER = "spoolUser"
    AZURE_COMMUNICATION_SERVICES_USER = "azureCommunicationServicesUser"


_KINDS = tuple(IdentityKind)
_KIND_OF = {kind.value: kind for kind in IdentityKind}


@functools.cache
def _ranks(kinds: tuple[IdentityKind, ...]) -> dict[IdentityKind, int]:
    """Each kind's place in ``kinds`` (a handful of orders, computed once each)."""
    return {kind: rank for rank, kind in enumerate(kinds)}


@dataclass(frozen=True, slots=True)
class NamedIdentity:
    """One identity of a set (its ``user``, ``phone``...): the fields Callboard reads."""

    kind: IdentityKind
    id: str | None = None
    display_name: str | None = None
    tenant_id: str | None = None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _id(value: object) -> str | None:
    """An id as a ring key spells it (a stored document may hold a number)."""
    return str(value) if value and not isinstance(value, dict | list) else None


@dataclass(frozen=True, slots=True)
class PartyIdentity:
    """An ``identitySet`` read once: the identities it names, typed, and the set as the
    client sent it (``echo``, rendered back unchanged: Graph's identity types are open)."""

    # The identities of the set, in the order the client sent them.
    members: tuple[NamedIdentity, ...]
    echo: JsonObject

    @classmethod
    def parse(cls, identity_set: JsonObject | None) -> PartyIdentity:
        """Any JSON object: a member that is not an object is no identity (the set is kept
        as sent all the same)."""
        echo = identity_set if isinstance(identity_set, dict) else {}
        members = []
        for name, member in echo.items():
            kind = _KIND_OF.get(name)
            if kind is not None and isinstance(member, dict):
                members.append(
                    NamedIdentity(
                        kind,
                        _id(member.get("id")),
                        _text(member.get("displayName")),
                        _text(member.get("tenantId")),
                    )
                )
        return cls(tuple(members), echo)

    def member(self, kind: IdentityKind) -> NamedIdentity | None:
        return next((m for m in self.members if m.kind is kind), None)

    def named(self, kinds: tuple[IdentityKind, ...] = _KINDS) -> NamedIdentity | None:
        """The first identity with an id, in the order of ``kinds``."""
        ranks = _ranks(kinds)
        found: NamedIdentity | None = None
        found_rank = len(ranks)
        for member in self.members:
            rank = ranks.get(member.kind, found_rank)
            if member.id and rank < found_rank:
                found, found_rank = member, rank
        return found

    def key(self, kinds: tuple[IdentityKind, ...] = _KINDS) -> str:
        """``user:<id>``, ``phone:<number>``... of ``named``; ``unknown:`` when it names none."""
        named = self.named(kinds)
        return "unknown:" if named is None else f"{named.kind.value}:{named.id}"

    def id_of(self, kind: IdentityKind) -> str | None:
        member = self.member(kind)
        return None if member is None else member.id

    def with_display_name(self, kind: IdentityKind, display_name: str) -> PartyIdentity:
        """The set with ``kind``'s displayName filled in where the client left it out."""
        member = self.echo.get(kind)
        if not isinstance(member, dict) or "displayName" in member:
            return self
        return PartyIdentity.parse(
            {**self.echo, kind.value: {**member, "displayName": display_name}}
        )
