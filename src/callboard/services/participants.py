"""Participant use cases: ``POST .../participants/invite``, ``DELETE .../participants/{id}``
and ``POST .../participants/{id}/mute``.

Each runs in one unit of work that locks the call (``SELECT ... FOR UPDATE`` on PostgreSQL)
and is retried from the start when a concurrent writer wins the optimistic version check
(SQLite, or several processes), so simultaneous requests on one call never lose a change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from callboard.domain import invitations
from callboard.domain.call_requests import InviteParticipants
from callboard.domain.calls import Call, CallKind, CallState
from callboard.domain.identities import IdentityKind
from callboard.domain.invitations import InvitationTarget
from callboard.domain.operations import CommsOperation, OperationKind
from callboard.errors import (
    BadRequest,
    Conflict,
    InvalidStateTransition,
    ItemNotFound,
)
from callboard.services import meeting_rosters, simulation
from callboard.services.calls import (
    INITIATE_GROUP,
    JOIN_GROUP,
    JOIN_GROUP_GUEST,
    require_any,
    require_app,
)
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

# How often a request is re-run after losing an optimistic-concurrency race. Each run has a
# winner, so this many simultaneous writers on one call all get through.
CONFLICT_ATTEMPTS = 32

INVITE = "invite participants"

T = TypeVar("T")


def _retrying(attempt: Callable[[], T]) -> T:
    for _ in range(CONFLICT_ATTEMPTS - 1):
        try:
            return attempt()
        except Conflict:
            continue
    return attempt()


def _group_call(uow: UnitOfWork, principal: Principal, call_id: str, action: str) -> Call:
    """The established group call ``call_id`` of the token's app, locked for this request.
    ``action`` completes "Cannot ..." in the error messages."""
    call = uow.calls.get(call_id, for_update=True)
    if call is None or call.tenant_id != principal.tenant_id or call.app_id != principal.app_id:
        raise ItemNotFound(f"The call {call_id} does not exist.")
    if call.state is CallState.TERMINATED:
        raise ItemNotFound(f"The call {call_id} has already ended.")
    if call.kind is CallKind.PEER_TO_PEER:
        hint = (
            " (Graph does not escalate peer-to-peer calls): place a group call, then invite "
            "the other party with replacesCallId naming this call"
            if action == INVITE
            else "; this operation is for group calls"
        )
        raise BadRequest(f"Cannot {action} in a peer-to-peer call{hint}.")
    if call.state is not CallState.ESTABLISHED:
        raise InvalidStateTransition(
            f"Cannot {action}: the call is {call.state.value}, not established."
        )
    return call


# -- invite ---------------------------------------------------------------------------


def invite_participants(
    rt: Runtime, principal: Principal, call_id: str, request: InviteParticipants
) -> CommsOperation:
    """Ring the participants (or move the other party of a peer-to-peer call, with
    ``replacesCallId``); the operation runs until every invitee has joined or failed."""
    require_app(principal)
    require_any(principal, INITIATE_GROUP)
    request.check()
    participants = list(request.participants)
    client_context = request.client_context
    return _retrying(lambda: _invite(rt, principal, call_id, participants, client_context))


def _invite(
    rt: Runtime,
    principal: Principal,
    call_id: str,
    participants: list[InvitationTarget],
    client_context: str | None,
) -> CommsOperation:
    with rt.uow() as uow:
        call = _group_call(uow, principal, call_id, INVITE)
        replaced = _replaced_call(uow, principal, call, participants)
        if replaced is not None:
            # Graph: with replacesCallId only the first participant is read.
            participants = participants[:1]
        moved_meeting = replaced is not None and replaced.kind is CallKind.MEETING
        invitees = invitations.invitees(
            participants,
            source_phone=_source_phone(rt, uow, call),
            new_participant_id=rt.ids.new,
            moved_from=replaced.id if replaced is not None else None,
            keeps_participant_ids=moved_meeting,
        )
        operation = CommsOperation.started(
            rt.ids.new(),
            OperationKind.INVITE_PARTICIPANTS,
            client_context,
            participants=[invitee.to_graph() for invitee in invitees],
        )
        call.invite(operation.id, invitees)
        uow.operations.add(call.id, operation, uow.now)
        delay = rt.settings.connect_delay_seconds
        step = "ring" if replaced is None else "moveParticipant"
        for invitee in invitees:
            simulation.schedule(rt, uow, call, step, delay=delay, target=invitee.key)
        uow.save_call(call)
        uow.commit()
    return operation


def _replaced_call(
    uow: UnitOfWork, principal: Principal, call: Call, participants: list[InvitationTarget]
) -> Call | None:
    """The peer-to-peer call the first participant's replacesCallId names, checked.

    A replacesCallId that names no call of this application is ignored (examples 1 and 2
    of the *participant: invite* page send one in plain invites); only the first
    participant's counts."""
    first, *others = participants
    for index, participant in enumerate(others, start=1):
        if _own_call(uow, principal, participant.replaces_call_id) is not None:
            raise BadRequest(
                f"participants[{index}].replacesCallId: only the first participant can replace "
                "a call; move one participant per request."
            )
    replaced = _own_call(uow, principal, first.replaces_call_id)
    if replaced is None:
        return None
    call.check_replacement(replaced, first.key)
    if call.kind is CallKind.MEETING:
        meeting_rosters.check_move(uow, principal.app_id, replaced, call, first.echo, first.key)
    return replaced


def _own_call(uow: UnitOfWork, principal: Principal, call_id: str | None) -> Call | None:
    if not call_id:
        return None
    call = uow.calls.get(call_id)
    if call is None or call.tenant_id != principal.tenant_id or call.app_id != principal.app_id:
        return None
    return call


def _source_phone(rt: Runtime, uow: UnitOfWork, call: Call) -> str | None:
    """The phone number of the application instance the call comes from, if any."""
    instance_id = call.resource.source.identity.id_of(IdentityKind.APPLICATION_INSTANCE)
    if not instance_id:
        return None
    instance = rt.directory(uow).instance(call.tenant_id, instance_id)
    return instance.phone_number if instance is not None else None


# -- delete and mute --------------------------------------------------------------------


def delete_participant(
    rt: Runtime, principal: Principal, call_id: str, participant_id: str
) -> None:
    """Remove a joined participant (roster notified), or cancel a pending invitation (its
    operation fails with 487)."""
    require_app(principal)
    require_any(principal, JOIN_GROUP, JOIN_GROUP_GUEST)

    def attempt() -> None:
        with rt.uow() as uow:
            call = _group_call(uow, principal, call_id, "remove participants")
            meeting = (
                meeting_rosters.meeting_of(uow, call) if call.kind is CallKind.MEETING else None
            )
            if call.delete_participant(participant_id, meeting) and meeting is not None:
                meeting_rosters.meeting_changed(uow, meeting, call)
            simulation.finish_invitations(uow, call)
            uow.save_call(call)
            uow.commit()

    _retrying(attempt)


def mute_participant(
    rt: Runtime, principal: Principal, call_id: str, participant_id: str, client_context: str | None
) -> CommsOperation:
    """Server-mute one participant: completes at once, with a roster notification."""
    require_app(principal)

    def attempt() -> CommsOperation:
        with rt.uow() as uow:
            call = _group_call(uow, principal, call_id, "mute participants")
            if call.participant(participant_id) is None:
                raise ItemNotFound(f"The participant {participant_id} is not in call {call_id}.")
            call.set_muted(participant_id, True)
            if call.kind is CallKind.MEETING:
                meeting_rosters.participant_muted(uow, call, participant_id)
            operation = CommsOperation.done(rt.ids.new(), OperationKind.MUTE, client_context)
            uow.operations.add(call.id, operation, uow.now)
            uow.save_call(call)
            uow.commit()
        return operation

    return _retrying(attempt)
