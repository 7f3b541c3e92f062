"""Invitations: the identities a call rings (its targets, and participants/invite).

An invitation is keyed by the identity it rings (``target_key``); an invite operation's
invitations settle together: the operation finishes once none of them is ringing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from callboard.domain.phone_numbers import require_e164
from callboard.domain.results import ResultInfo
from callboard.errors import BadRequest
from callboard.json_types import JsonObject

# Invitations (participant invite): how many a group call holds.
GROUP_CALL_CAPACITY = 20

IDENTITY_KINDS = (
    "user",
    "phone",
    "guest",
    "applicationInstance",
    "application",
    "device",
    "encrypted",
    "onPremises",
    "acsUser",
    "spoolUser",
    "azureCommunicationServicesUser",
)


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
    participants: list[JsonObject],
    *,
    source_phone: str | None,
    new_participant_id: Callable[[], str],
    moved_from: str | None = None,
    keeps_participant_ids: bool = False,
) -> list[Invitee]:
    """An invite's participants (invitationParticipantInfo JSON) as invitees: each names an
    identity with an id; a phone needs an E.164 number and a call from a number.
    ``moved_from``: the call whose party moves in (replacesCallId); a participant moved
    between meetings keeps its id (``keeps_participant_ids``)."""
    result = []
    for index, participant in enumerate(participants):
        key = target_key(participant)
        if key.endswith(":"):
            raise BadRequest(f"participants[{index}].identity needs an identity with an id.")
        phone = participant["identity"].get("phone")
        if phone is not None:
            require_e164(phone.get("id"), f"participants[{index}].identity.phone.id")
            if source_phone is None:
                raise BadRequest(
                    "Inviting a phone number needs a call whose source is an "
                    "applicationInstance with an assigned phone number."
                )
        participant_id = (
            participant["participantId"] if keeps_participant_ids else new_participant_id()
        )
        result.append(Invitee(key, participant, participant_id, moved_from))
    return result


def target_key(target: JsonObject) -> str:
    """The identity an invitation rings: the first identity in the target's identitySet."""
    identity_set = target.get("identity") or {}
    for kind in IDENTITY_KINDS:
        ident = identity_set.get(kind)
        if isinstance(ident, dict) and ident.get("id"):
            return f"{kind}:{ident['id']}"
    return "unknown:"
