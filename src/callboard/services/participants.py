"""Participant use cases: ``POST .../participants/invite``, ``DELETE .../participants/{id}``
and ``POST .../participants/{id}/mute``.

Each runs in one unit of work that locks the call (``SELECT ... FOR UPDATE`` on PostgreSQL)
and is retried from the start when a concurrent writer wins the optimistic version check
(SQLite, or several processes), so simultaneous requests on one call never lose a change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from callboard.domain.calls import Call, CallKind, CallState
from callboard.domain.invitations import Invitee, target_key
from callboard.domain.operations import CommsOperation, OperationKind
from callboard.domain.phone_numbers import require_e164
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

# Graph: "Inviting up to 5 participants is supported" (*participant: invite*, example 2).
MAX_INVITEES = 5
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
    rt: Runtime, principal: Principal, call_id: str, body: dict[str, Any]
) -> CommsOperation:
    """Ring the participants (or move the other party of a peer-to-peer call, with
    ``replacesCallId``); the operation runs until every invitee has joined or failed."""
    require_app(principal)
    require_any(principal, INITIATE_GROUP)
    participants: list[dict[str, Any]] = body["participants"]
    if len(participants) > MAX_INVITEES:
        raise BadRequest(f"At most {MAX_INVITEES} participants can be invited in one request.")
    client_context = body.get("clientContext")
    return _retrying(lambda: _invite(rt, principal, call_id, participants, client_context))


def _invite(
    rt: Runtime,
    principal: Principal,
    call_id: str,
    participants: list[dict[str, Any]],
    client_context: str | None,
) -> CommsOperation:
    with rt.uow() as uow:
        call = _group_call(uow, principal, call_id, INVITE)
        replaced = _replaced_call(uow, principal, call, participants)
        if replaced is not None:
            # Graph: with replacesCallId only the first participant is read.
            participants = participants[:1]
        source_phone = _source_phone(rt, uow, call)
        invitees = []
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
            invitees.append(
                Invitee(
                    key=key,
                    target=participant,
                    # A participant moved between meetings keeps its id.
                    participant_id=(
                        participant["participantId"]
                        if replaced is not None and replaced.kind is CallKind.MEETING
                        else rt.ids.new()
                    ),
                    replaces_call_id=replaced.id if replaced is not None else None,
                )
            )
        operation = CommsOperation.started(
            rt.ids.new(),
            OperationKind.INVITE_PARTICIPANTS,
            client_context,
            participants=[_as_invited(invitee) for invitee in invitees],
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


def _as_invited(invitee: Invitee) -> dict[str, Any]:
    """The invitationParticipantInfo as sent, with Graph's nulls and the participant id the
    invitee has in the roster (so that DELETE .../participants/{id} can cancel it)."""
    shown = dict(invitee.target)
    shown.setdefault("id", None)  # as in the *participant: invite* page's responses
    shown.setdefault("endpointType", None)
    shown.setdefault("replacesCallId", None)
    shown.setdefault("participantId", invitee.participant_id)
    return shown


def _replaced_call(
    uow: UnitOfWork, principal: Principal, call: Call, participants: list[dict[str, Any]]
) -> Call | None:
    """The peer-to-peer call the first participant's replacesCallId names, checked.

    A replacesCallId that names no call of this application is ignored (examples 1 and 2
    of the *participant: invite* page send one in plain invites); only the first
    participant's counts."""
    first, *others = participants
    for index, participant in enumerate(others, start=1):
        if _own_call(uow, principal, participant.get("replacesCallId")) is not None:
            raise BadRequest(
                f"participants[{index}].replacesCallId: only the first participant can replace "
                "a call; move one participant per request."
            )
    replaced = _own_call(uow, principal, first.get("replacesCallId"))
    if replaced is None:
        return None
    if replaced.id == call.id:
        raise BadRequest("replacesCallId names the call the participant is invited into.")
    if replaced.kind is CallKind.MEETING or call.kind is CallKind.MEETING:
        if replaced.kind is not CallKind.MEETING or call.kind is not CallKind.MEETING:
            raise BadRequest(
                "A participant moves between two meeting calls, or from a "
                "peer-to-peer call into a group call."
            )
        meeting_rosters.check_move(uow, principal.app_id, replaced, call, first, target_key(first))
        return replaced
    if replaced.kind is not CallKind.PEER_TO_PEER:
        raise BadRequest(f"replacesCallId must name a peer-to-peer call; {replaced.id} is not.")
    if replaced.state is not CallState.ESTABLISHED:
        raise BadRequest(
            f"The call {replaced.id} named by replacesCallId is {replaced.state.value}, "
            "not established."
        )
    if replaced.peer_key() != target_key(first):
        raise BadRequest(
            f"The invited identity is not the other party of call {replaced.id} "
            f"(replacesCallId); that is {replaced.peer_key()}."
        )
    return replaced


def _own_call(uow: UnitOfWork, principal: Principal, call_id: Any) -> Call | None:
    if not isinstance(call_id, str) or not call_id:
        return None
    call = uow.calls.get(call_id)
    if call is None or call.tenant_id != principal.tenant_id or call.app_id != principal.app_id:
        return None
    return call


def _source_phone(rt: Runtime, uow: UnitOfWork, call: Call) -> str | None:
    """The phone number of the application instance the call comes from, if any."""
    identity = (call.resource.get("source") or {}).get("identity") or {}
    instance_id = (identity.get("applicationInstance") or {}).get("id")
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
            if call.kind is CallKind.MEETING:
                meeting_rosters.check_removable(uow, call, participant_id)
            call.remove_participant(participant_id)
            if call.kind is CallKind.MEETING:
                meeting_rosters.participant_removed(uow, call, participant_id)
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
