"""Invitations: the identities a call rings (its targets, and participants/invite).

An invitation is keyed by the identity it rings (``target_key``); an invite operation's
invitations settle together: the operation finishes once none of them is ringing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from callboard.domain.identities import IdentityKind, PartyIdentity
from callboard.domain.phone_numbers import require_e164
from callboard.domain.results import ResultInfo
from callboard.errors import BadRequest
from callboard.json_types import JsonObject

# Invitations (participant invite): how many a group call holds.
GROUP_CALL_CAPACITY = 20


class InvitationStatus(StrEnum):
    RINGING = "ringing"
    JOINED = "joined"
    FAILED = "failed"
    LEFT = "left"


@dataclass
class Invitation:
    status: InvitationStatus
    # The roster id of the participant it rings (set when invited, or when answered).
    participant_id: str | None = None
    # The inviteParticipantsOperation it belongs to (none for a call's own targets).
    operation_id: str | None = None
    # The invitationParticipantInfo as sent (participants/invite only).
    target: JsonObject | None = None
    replaces_call_id: str | None = None
    # Why it failed.
    result_info: ResultInfo | None = None
    # The first failure among its operation's invitations: the operation's result.
    operation_result: ResultInfo | None = None

    @property
    def is_ringing(self) -> bool:
        return self.status is InvitationStatus.RINGING


@dataclass(frozen=True, slots=True)
class InvitationTarget:
    """An ``invitationParticipantInfo`` read once: who it rings (typed), the participant id
    and replacesCallId it names, and the JSON as the client sent it (``echo``: stored and
    rendered back unchanged)."""

    identity: PartyIdentity
    echo: JsonObject
    participant_id: str | None = None
    replaces_call_id: str | None = None

    @classmethod
    def parse(cls, info: JsonObject) -> InvitationTarget:
        participant_id = info.get("participantId")
        replaces = info.get("replacesCallId")
        return cls(
            PartyIdentity.parse(info.get("identity")),
            info,
            participant_id if isinstance(participant_id, str) else None,
            replaces if isinstance(replaces, str) else None,
        )

    @property
    def key(self) -> str:
        """The identity it rings (``target_key``)."""
        return self.identity.key()

    @property
    def phone(self) -> str | None:
        """The number it rings when it names a phone: None when it names none, "" when its
        phone has no number (a 400 for whoever checks the number)."""
        member = self.identity.member(IdentityKind.PHONE)
        return None if member is None else member.id or ""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A call's ``source`` participantInfo read once: who calls (typed) and the JSON as sent."""

    identity: PartyIdentity
    echo: JsonObject

    @classmethod
    def parse(cls, info: JsonObject) -> SourceInfo:
        return cls(PartyIdentity.parse(info.get("identity")), info)

    def with_display_name(self, kind: IdentityKind, display_name: str) -> SourceInfo:
        """The source with ``kind``'s displayName filled in where the client left it out."""
        identity = self.identity.with_display_name(kind, display_name)
        if identity is self.identity:
            return self
        return SourceInfo(identity, {**self.echo, "identity": identity.echo})


@dataclass(frozen=True)
class Invitee:
    """One participant of an invite: its ring key, the invitationParticipantInfo as sent, the
    participant id it will have in the roster, and the peer-to-peer call it replaces."""

    key: str
    target: JsonObject
    participant_id: str
    replaces_call_id: str | None = None

    def to_graph(self) -> JsonObject:
        """The invitationParticipantInfo as sent, with Graph's nulls and the participant id
        the invitee has in the roster (so that DELETE .../participants/{id} can cancel it)."""
        shown = dict(self.target)
        shown.setdefault("id", None)  # as in the *participant: invite* page's responses
        shown.setdefault("endpointType", None)
        shown.setdefault("replacesCallId", None)
        shown.setdefault("participantId", self.participant_id)
        return shown


def invitees(
    participants: list[InvitationTarget],
    *,
    source_phone: str | None,
    new_participant_id: Callable[[], str],
    moved_from: str | None = None,
    keeps_participant_ids: bool = False,
) -> list[Invitee]:
    """An invite's participants as invitees: each names an identity with an id; a phone
    needs an E.164 number and a call from a number. ``moved_from``: the call whose party
    moves in (replacesCallId); a participant moved between meetings keeps its id
    (``keeps_participant_ids``)."""
    result = []
    for index, participant in enumerate(participants):
        key = participant.key
        if key.endswith(":"):
            raise BadRequest(f"participants[{index}].identity needs an identity with an id.")
        phone = participant.phone
        if phone is not None:
            require_e164(phone or None, f"participants[{index}].identity.phone.id")
            if source_phone is None:
                raise BadRequest(
                    "Inviting a phone number needs a call whose source is an "
                    "applicationInstance with an assigned phone number."
                )
        participant_id = (
            participant.echo["participantId"] if keeps_participant_ids else new_participant_id()
        )
        result.append(Invitee(key, participant.echo, participant_id, moved_from))
    return result


def target_key(target: JsonObject) -> str:
    """The identity an invitation rings: the first identity in the target's identitySet."""
    return PartyIdentity.parse(target.get("identity")).key()
