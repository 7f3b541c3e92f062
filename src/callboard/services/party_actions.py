"""Driving a simulated party live (``POST /_callboard/calls/{id}/party-actions``) and the
admin view of a call (``GET /_callboard/calls/{id}``): every tenant, ended calls too.

A live action is checked now (the call, the party, what the call allows: 404 or 400) and
then runs as a step due now, through the same path as a scripted step.
"""

from __future__ import annotations

from dataclasses import dataclass

from callboard.domain.calls import Call, CallKind, CallState
from callboard.domain.identities import PartyIdentity
from callboard.domain.invitations import InvitationStatus
from callboard.domain.operations import CommsOperation
from callboard.domain.party_scripts import PartyAction, PartyStep, live_step
from callboard.errors import BadRequest, InvalidStateTransition, ItemNotFound
from callboard.services import party_steps
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork


@dataclass(frozen=True)
class Party:
    """A remote party of a call: its identity key (``user:<id>``, ``phone:<number>``) and,
    once it is in the call, its participant id."""

    key: str
    participant_id: str | None
    invitation: InvitationStatus | None

    @property
    def identity_id(self) -> str:
        return self.key.partition(":")[2]


@dataclass(frozen=True)
class QueuedPartyAction:
    """A live action queued due now: which party (its participant id, else its identity
    id) does what, from when."""

    call_id: str
    party: str
    action: PartyAction
    at: float


@dataclass(frozen=True)
class CallDetail:
    """What the admin view of a call shows beside the call: its remote parties and its
    operations (history, DTMF and recordings are the call's ``media``)."""

    call: Call
    parties: list[Party]
    operations: list[CommsOperation]


def parties(call: Call) -> list[Party]:
    """The call's remote parties: the caller of an incoming call, whoever the call rang or
    invited, and anyone else in its roster but the bot."""
    found: list[Party] = []
    if call.direction == "incoming":
        caller = next((p.id for p in call.participants if p.id != call.my_participant_id), None)
        found.append(Party(call.resource.source.identity.key(), caller, None))
    for key, invitation in call.invitations.items():
        found.append(Party(key, invitation.participant_id, invitation.status))
    known = {p.participant_id for p in found}
    for participant in call.participants:
        if participant.id != call.my_participant_id and participant.id not in known:
            key = PartyIdentity.parse(participant.identity).key()
            found.append(Party(key, participant.id, None))
    return found


def resolve_party(rt: Runtime, uow: UnitOfWork, call: Call, ref: str | None) -> Party:
    """The party ``ref`` names (participant id, user id, UPN or phone number); without one,
    the call's only remote party. 404 when there is no such party."""
    candidates = parties(call)
    if ref is None:
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ItemNotFound(f"The call {call.id} has no remote party.")
        raise BadRequest("The call has several remote parties: name one in party.")
    wanted = {ref}
    user = rt.directory(uow).find_user_anywhere(ref)
    if user is not None:
        wanted.add(user.id)
    for party in candidates:
        if party.participant_id in wanted or party.identity_id in wanted:
            return party
    raise ItemNotFound(f"The call {call.id} has no party {ref}.")


def _is_caller(call: Call, party: Party) -> bool:
    return call.direction == "incoming" and party.key == call.resource.source.identity.key()


def _is_in_call(call: Call, party: Party) -> bool:
    if party.invitation is not None:
        return party.invitation is InvitationStatus.JOINED
    return party.participant_id is not None


def _check_allowed(call: Call, party: Party, step: PartyStep) -> None:
    """400 unless the call, as it is now, allows ``step`` of ``party``."""
    if call.is_over:
        raise InvalidStateTransition(f"The call {call.id} is {call.state.value}.")
    action = step.action
    if action in (PartyAction.ANSWER, PartyAction.DECLINE):
        if party.invitation is not InvitationStatus.RINGING:
            raise InvalidStateTransition(f"Cannot {action.value}: {party.key} is not ringing.")
        return
    if action is PartyAction.HANG_UP:
        if party.invitation is None and not _is_caller(call, party):
            raise BadRequest(
                f"{party.key} is in the meeting, not invited by the bot: it leaves through "
                "DELETE /_callboard/meetings/{id}/participants/{participantId}."
            )
        if party.invitation is None and call.state is CallState.INCOMING:
            raise InvalidStateTransition("Cannot hang up: the bot has not answered yet.")
        if party.invitation is not None and party.invitation is not InvitationStatus.JOINED:
            raise InvalidStateTransition(f"Cannot hang up: {party.key} is not in the call.")
        return
    if not _is_in_call(call, party):
        raise InvalidStateTransition(f"Cannot {action.value}: {party.key} is not in the call.")
    if action in (PartyAction.HOLD, PartyAction.UNHOLD) and call.kind is not CallKind.PEER_TO_PEER:
        raise BadRequest("A party holds the bot in peer-to-peer calls only.")
    if action is PartyAction.HOLD and call.state is not CallState.ESTABLISHED:
        raise InvalidStateTransition(f"Cannot hold: the call is {call.state.value}.")
    if action is PartyAction.UNHOLD and call.state is not CallState.HOLD:
        raise InvalidStateTransition(f"Cannot unhold: the call is {call.state.value}.")
    if call.state not in (CallState.ESTABLISHED, CallState.HOLD):
        raise InvalidStateTransition(f"Cannot {action.value}: the call is {call.state.value}.")


def party_action(
    rt: Runtime,
    call_id: str,
    *,
    action: str,
    party: str | None,
    tones: str | None,
    seconds: float | None,
) -> QueuedPartyAction:
    """Queue a live action of a simulated party, due now; what was queued, and when."""
    step = live_step(action, tones, seconds)
    with rt.uow() as uow:
        call = uow.calls.get(call_id)
        if call is None:
            raise ItemNotFound(f"The call {call_id} does not exist.")
        who = resolve_party(rt, uow, call, party)
        _check_allowed(call, who, step)
        party_steps.schedule_step(uow, call, who.key, step, delay=0.0)
        now = uow.now
        uow.commit()
    return QueuedPartyAction(call_id, who.participant_id or who.identity_id, step.action, now)


def call_detail(rt: Runtime, call_id: str) -> CallDetail:
    """The call, any tenant's and ended ones too, with its parties and operations."""
    with rt.uow() as uow:
        call = uow.calls.get(call_id)
        if call is None:
            raise ItemNotFound(f"The call {call_id} does not exist.")
        operations = uow.operations.list(call_id)
    return CallDetail(call, parties(call), operations)
