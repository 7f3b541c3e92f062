"""Invitations: the identities a call rings (its targets, and participants/invite).

An invitation is keyed by the identity it rings (``target_key``); an invite operation's
invitations settle together: the operation finishes once none of them is ringing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from callboard.domain.results import ResultInfo

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
    target: dict[str, Any] | None = None
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
    target: dict[str, Any]
    participant_id: str
    replaces_call_id: str | None = None


def target_key(target: dict[str, Any]) -> str:
    """The identity an invitation rings: the first identity in the target's identitySet."""
    identity_set = target.get("identity") or {}
    for kind in IDENTITY_KINDS:
        ident = identity_set.get(kind)
        if isinstance(ident, dict) and ident.get("id"):
            return f"{kind}:{ident['id']}"
    return "unknown:"
