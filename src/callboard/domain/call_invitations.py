"""A call's invitations: its targets ring, answer, fail or leave; participants/invite rings
more of them (all or nothing), and an invite operation finishes once its invitations settle.
"""

from __future__ import annotations

from callboard.domain import results
from callboard.domain.call_core import AnsweredBy, CallCore, CallKind, CallState
from callboard.domain.events import InvitationsSettled
from callboard.domain.identities import PartyIdentity
from callboard.domain.invitations import (
    GROUP_CALL_CAPACITY,
    Invitation,
    InvitationStatus,
    Invitee,
)
from callboard.domain.participants import Participant
from callboard.domain.results import ResultInfo
from callboard.errors import BadRequest, InvalidStateTransition, ItemNotFound


class InvitationRules(CallCore):
    def target_answered(self, key: str, participant: Participant, bot: Participant) -> None:
        invitation = self.invitations.get(key)
        if self.is_over or invitation is None or not invitation.is_ringing:
            return
        invitation.status = InvitationStatus.JOINED
        invitation.participant_id = participant.id
        if self.kind is CallKind.PEER_TO_PEER:
            self._transition(CallState.ESTABLISHED)
            self.resource.answered_by = AnsweredBy.of(participant)
            self._state_event("updated")
            # Peer-to-peer calls notify state only (seed 003); the roster is still readable.
            self.participants.extend([bot, participant])
            self.roster_sequence += 1
            return
        self.participants.append(participant)
        self._settle_invitation(key)
        self._roster_event()

    def target_failed(self, key: str, reason: ResultInfo) -> None:
        invitation = self.invitations.get(key)
        if self.is_over or invitation is None or not invitation.is_ringing:
            return
        invitation.status = InvitationStatus.FAILED
        invitation.result_info = reason
        self._settle_invitation(key)
        if self.kind is CallKind.PEER_TO_PEER:
            self._terminate(reason)
        elif self.state is CallState.ESTABLISHED and self._nobody_else_can_join():
            someone_left = any(
                inv.status is InvitationStatus.LEFT for inv in self.invitations.values()
            )
            self._terminate(results.ALL_OTHERS_LEFT if someone_left else results.NO_ONE_JOINED)

    def remote_hung_up(self, key: str) -> None:
        invitation = self.invitations.get(key)
        if self.is_over or invitation is None or invitation.status is not InvitationStatus.JOINED:
            return
        invitation.status = InvitationStatus.LEFT
        if self.kind is CallKind.PEER_TO_PEER:
            self._terminate(results.REMOTE_HUNG_UP)
            return
        self.participants = [p for p in self.participants if p.id != invitation.participant_id]
        self._roster_event()
        if self._nobody_else_can_join():
            self._terminate(results.ALL_OTHERS_LEFT)

    def _nobody_else_can_join(self) -> bool:
        """True when no invitee is ringing or present: the bot would be alone. A meeting goes
        on whoever the bot invited (the people in it are the meeting's, not the bot's)."""
        if self.kind is CallKind.MEETING:
            return False
        return all(
            inv.status in (InvitationStatus.FAILED, InvitationStatus.LEFT)
            for inv in self.invitations.values()
        )

    def invite(self, operation_id: str, invitees: list[Invitee]) -> None:
        """Ring ``invitees`` for one inviteParticipantsOperation; all or nothing."""
        if self.state is not CallState.ESTABLISHED:
            raise InvalidStateTransition(
                f"Cannot invite participants: the call is {self.state.value}, not established."
            )
        if self.kind is CallKind.PEER_TO_PEER:
            raise BadRequest("Cannot invite participants into a peer-to-peer call.")
        ringing = [key for key, invitation in self.invitations.items() if invitation.is_ringing]
        present = {PartyIdentity.parse(p.identity).key() for p in self.participants}
        present.update(ringing)
        seen: set[str] = set()
        for invitee in invitees:
            if invitee.key in present:
                raise BadRequest(f"{invitee.key} is already in the call or being invited.")
            if invitee.key in seen:
                raise BadRequest(f"{invitee.key} is invited twice in this request.")
            seen.add(invitee.key)
        count = len(self.participants) + len(ringing)
        if count + len(invitees) > GROUP_CALL_CAPACITY:
            raise BadRequest(
                f"A group call holds at most {GROUP_CALL_CAPACITY} participants (counting the "
                f"application and pending invitations); it has {count}."
            )
        for invitee in invitees:
            # A re-invited identity (it left or failed before) gets a fresh entry.
            self.invitations[invitee.key] = Invitation(
                InvitationStatus.RINGING,
                participant_id=invitee.participant_id,
                operation_id=operation_id,
                target=invitee.target,
                replaces_call_id=invitee.replaces_call_id,
            )

    def _settle_invitation(self, key: str) -> None:
        """An invitation was answered or failed: once every invitation of its operation has,
        the operation finishes, failed with the first failure's reason if any failed
        (``InvitationsSettled``: the service layer finishes the stored operation)."""
        invitation = self.invitations[key]
        operation_id = invitation.operation_id
        if operation_id is None:
            return
        siblings = [i for i in self.invitations.values() if i.operation_id == operation_id]
        if invitation.status is InvitationStatus.FAILED:
            # Kept on every sibling: a failed identity may be re-invited before the rest settle.
            for sibling in siblings:
                if sibling.operation_result is None:
                    sibling.operation_result = invitation.result_info
        if any(s.is_ringing for s in siblings):
            return
        self.events.append(InvitationsSettled(operation_id, invitation.operation_result))

    def abandon_invitations(self) -> None:
        """The call has ended: its pending invitations fail, and their operations with them."""
        if self.state is not CallState.TERMINATED:
            return
        for key, invitation in self.invitations.items():
            if invitation.is_ringing and invitation.operation_id:
                invitation.status = InvitationStatus.FAILED
                invitation.result_info = results.CALL_ENDED_FIRST
                self._settle_invitation(key)

    def remove_participant(self, participant_id: str) -> None:
        """DELETE .../participants/{id}: a joined participant leaves (roster notified); an
        invited one's pending invitation is cancelled (its operation fails)."""
        if participant_id == self.my_participant_id:
            raise BadRequest(
                "The application's own participant cannot be removed: hang up with "
                "DELETE /communications/calls/{id} instead."
            )
        for key, invitation in self.invitations.items():
            if invitation.participant_id != participant_id:
                continue
            if invitation.is_ringing:
                self.target_failed(key, results.INVITE_CANCELLED)
                return
            if invitation.status is InvitationStatus.JOINED:
                self.remote_hung_up(key)
                return
        if self.participant(participant_id) is None:
            raise ItemNotFound(f"The participant {participant_id} is not in call {self.id}.")
        self.participants = [p for p in self.participants if p.id != participant_id]
        self._roster_event()

    def peer_key(self) -> str | None:
        """The other party of an established peer-to-peer call (what replacesCallId moves)."""
        if self.kind is not CallKind.PEER_TO_PEER or self.state is not CallState.ESTABLISHED:
            return None
        if self.direction == "incoming":
            return self.resource.source.identity.key()
        return next(
            (k for k, i in self.invitations.items() if i.status is InvitationStatus.JOINED), None
        )

    def check_replacement(self, replaced: InvitationRules, moved_key: str) -> None:
        """Whether ``replaced``'s party may move into this call (invite with replacesCallId):
        between two meeting calls (the meetings' own rule is ``meeting_calls.check_move``),
        or the other party of an established peer-to-peer call into a group call."""
        if replaced.id == self.id:
            raise BadRequest("replacesCallId names the call the participant is invited into.")
        if replaced.kind is CallKind.MEETING or self.kind is CallKind.MEETING:
            if replaced.kind is not CallKind.MEETING or self.kind is not CallKind.MEETING:
                raise BadRequest(
                    "A participant moves between two meeting calls, or from a "
                    "peer-to-peer call into a group call."
                )
            return
        if replaced.kind is not CallKind.PEER_TO_PEER:
            raise BadRequest(f"replacesCallId must name a peer-to-peer call; {replaced.id} is not.")
        if replaced.state is not CallState.ESTABLISHED:
            raise BadRequest(
                f"The call {replaced.id} named by replacesCallId is {replaced.state.value}, "
                "not established."
            )
        if replaced.peer_key() != moved_key:
            raise BadRequest(
                f"The invited identity is not the other party of call {replaced.id} "
                f"(replacesCallId); that is {replaced.peer_key()}."
            )

    def replaced(self) -> None:
        """Its other party was moved into another call (invite with replacesCallId)."""
        if self.state is CallState.ESTABLISHED:
            self._terminate(results.REPLACED)
