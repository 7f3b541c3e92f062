"""``call: transfer``: the application hands the other party of its call to a transfer target.

The call goes ``transferring``; once the target accepts, ``transferAccepted`` and then
``terminated`` (0/7015); when the target declines, is busy, does not answer or cannot be
reached, the call is ``established`` again with a failure resultInfo (500/7000, or 500/7700
for a consultative transfer), as Graph's *call: transfer* examples show.
"""

from __future__ import annotations

from dataclasses import dataclass

from callboard.domain.call_control import Transfer
from callboard.domain.call_core import CallCore, CallKind, CallState
from callboard.domain.identities import PartyIdentity
from callboard.domain.invitations import InvitationTarget
from callboard.domain.participants import Participant
from callboard.domain.phone_numbers import require_e164
from callboard.domain.results import ResultInfo, result_info
from callboard.errors import BadRequest

TRANSFER_COMPLETED = result_info(0, 7015, "GracefulTransferCompleted")
# The consultative example shows the end as terminationReason "AppTransferred".
CONSULTATIVE_TRANSFER_COMPLETED = result_info(0, 7015, "AppTransferred")
# The call a consultative transfer replaced: its other party now talks to the transferee.
REPLACED_BY_TRANSFER = result_info(200, 7015, "The call was replaced by a transfer.")


def transfer_failure(reason: ResultInfo, *, consultative: bool) -> ResultInfo:
    """Graph's failure resultInfo (500/7000, consultative 500/7700), saying why."""
    return result_info(500, 7700 if consultative else 7000, f"Transfer failed: {reason.message}")


@dataclass(frozen=True)
class TransferCall:
    """``call: transfer``: the transferTarget (who it rings; kept as sent) and, from a group
    call, the transferee (a participantInfo, read like a target)."""

    target: InvitationTarget
    transferee: InvitationTarget | None = None
    client_context: str | None = None

    def check(self) -> None:
        """The target names an identity with an id; a phone target, an E.164 number."""
        if self.target.key.endswith(":"):
            raise BadRequest("transferTarget.identity needs an identity with an id.")
        phone = self.target.phone
        if phone is not None:
            require_e164(phone or None, "transferTarget.identity.phone.id")


class TransferRules(CallCore):
    def transfer_peer(self, transferee: InvitationTarget | None) -> Participant:
        """Who a transfer hands over: the other party of a peer-to-peer call (``transferee``
        is not needed), or the ``transferee`` of a group call, which must be in its roster."""
        if self.kind is CallKind.MEETING:
            raise BadRequest("transfer is supported in peer-to-peer and group calls only.")
        if self.kind is CallKind.PEER_TO_PEER:
            peer = next((p for p in self.participants if p.id != self.my_participant_id), None)
            if peer is None:
                raise BadRequest("The call has no other party to transfer.")
            return peer
        if transferee is None:
            raise BadRequest("transferee is required to transfer from a group call.")
        wanted_id = transferee.participant_id
        wanted_key = transferee.key
        for participant in self.participants:
            if participant.id == self.my_participant_id:
                continue
            if participant.id == wanted_id or (
                not wanted_id and PartyIdentity.parse(participant.identity).key() == wanted_key
            ):
                return participant
        raise BadRequest("transferee is not a participant of the call.")

    def start_transfer(self, transfer: Transfer) -> None:
        self._require(CallState.ESTABLISHED, action="transfer")
        present = {PartyIdentity.parse(p.identity).key() for p in self.participants}
        if transfer.key in present:
            raise BadRequest(f"The transfer target {transfer.key} is already in the call.")
        self.transfer = transfer
        self._transition(CallState.TRANSFERRING)
        # The state notification carries no resultInfo (an earlier failed transfer's is gone).
        self.result_info = None
        self._state_event("updated")

    def _pending(self, transfer_id: str, state: CallState) -> Transfer | None:
        transfer = self.transfer
        if transfer is None or transfer.id != transfer_id or self.state is not state:
            return None
        return transfer

    def transfer_accepted(self, transfer_id: str) -> bool:
        """The target took the call; False when that transfer is no longer pending."""
        if self._pending(transfer_id, CallState.TRANSFERRING) is None:
            return False
        self._transition(CallState.TRANSFER_ACCEPTED)
        self._state_event("updated")
        return True

    def transfer_completed(self, transfer_id: str) -> bool:
        transfer = self._pending(transfer_id, CallState.TRANSFER_ACCEPTED)
        if transfer is None:
            return False
        self._terminate(
            CONSULTATIVE_TRANSFER_COMPLETED if transfer.consultative else TRANSFER_COMPLETED
        )
        return True

    def transfer_failed(self, transfer_id: str, reason: ResultInfo) -> None:
        """The target declined, was busy, did not answer or could not be reached."""
        transfer = self._pending(transfer_id, CallState.TRANSFERRING)
        if transfer is None:
            return
        self.transfer = None
        self._transition(CallState.ESTABLISHED)
        self.result_info = transfer_failure(reason, consultative=transfer.consultative)
        self._state_event("updated")

    def replaced_by_transfer(self) -> None:
        """The call a consultative transfer named in replacesCallId ends."""
        if self.state is CallState.ESTABLISHED:
            self._terminate(REPLACED_BY_TRANSFER)
