"""Simulated remote parties: timers (``call.progress`` jobs) that ring, answer, decline,
time out and hang up, following each identity's behaviour; and the keepAlive expiry that
ends a call the application stopped keeping alive.

Every step is idempotent: a step whose moment has passed (the call ended, the
invitation was already answered) does nothing, so a re-run after a crash is harmless.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from callboard.domain import results
from callboard.domain.calls import Call, CallKind, CallState
from callboard.domain.directory import Response
from callboard.domain.events import InvitationsSettled, OperationFinished
from callboard.domain.invitations import Invitation, InvitationStatus
from callboard.domain.participants import Participant
from callboard.json_types import JsonObject
from callboard.services import meeting_rosters, party_steps, recordings
from callboard.services.directory_loading import behaviour_for
from callboard.services.runtime import Runtime
from callboard.store.jobs import NewJob
from callboard.store.uow import UnitOfWork

CALL_PROGRESS = "call.progress"


def schedule(
    rt: Runtime, uow: UnitOfWork, call: Call, action: str, *, delay: float, **extra: Any
) -> None:
    # A step for an invited participant names its invitation, so that it does nothing
    # once that identity has been invited again (see ``_apply``).
    invitation = call.invitations.get(extra.get("target") or "")
    if invitation is not None and invitation.operation_id:
        extra.setdefault("invitation", invitation.operation_id)
    uow.schedule(
        NewJob(
            kind=CALL_PROGRESS,
            payload={"callId": call.id, "action": action, **extra},
            run_at=uow.now + max(delay, 0.0),
            max_attempts=10,
        )
    )


def arm_keep_alive(rt: Runtime, uow: UnitOfWork, call: Call) -> None:
    """The step that ends the call at its keepAlive expiry. Each keepAlive arms a new one;
    the earlier ones find the expiry moved on and do nothing (no scanning, no cancelling)."""
    expires_at = call.keep_alive_expires_at
    if expires_at is not None and not call.is_over:
        schedule(rt, uow, call, "keepAliveLapsed", delay=expires_at - uow.now, expiresAt=expires_at)


def start_outgoing(rt: Runtime, uow: UnitOfWork, call: Call) -> None:
    arm_keep_alive(rt, uow, call)
    delay = rt.settings.connect_delay_seconds
    if call.kind is CallKind.PEER_TO_PEER:
        schedule(rt, uow, call, "ring", delay=delay, target=next(iter(call.invitations)))
    else:
        schedule(rt, uow, call, "connect", delay=delay)


def bot_participant(call: Call) -> Participant:
    return call.bot_participant()


def _target_participant(rt: Runtime, call: Call, key: str, index: int) -> Participant:
    invitation = call.invitations.get(key) or Invitation(InvitationStatus.RINGING)
    identity = (
        invitation.target["identity"]
        if invitation.target
        else next(t.identity.echo for t in call.resource.targets if t.key == key)
    )
    return Participant.new(
        invitation.participant_id or rt.ids.new(),
        identity,
        modalities=call.modalities,
        source_id=1 + 20 * index,
    )


def _ring(rt: Runtime, uow: UnitOfWork, call: Call, key: str) -> None:
    """The callee is invited: it fails at once (unknown, busy, unreachable), or its phone
    rings until it answers, declines or the ringing timeout passes, whichever comes first."""
    if call.is_over:
        return
    kind, _, identity_id = key.partition(":")
    directory = rt.directory(uow)
    if kind == "user" and directory.user(call.tenant_id, identity_id) is None:
        call.target_failed(key, results.UNREACHABLE)
        return
    behaviour = behaviour_for(uow, directory, call.tenant_id, key)
    # A busy or unreachable callee answers the invitation without ringing.
    if behaviour.response is Response.BUSY:
        call.target_failed(key, results.BUSY)
        return
    if behaviour.response is Response.UNREACHABLE:
        call.target_failed(key, results.UNREACHABLE)
        return
    if call.kind is CallKind.PEER_TO_PEER:
        call.ring()
    asked = call.resource.ringing_timeout_in_seconds
    timeout = rt.settings.ringing_timeout_seconds if asked is None else float(asked)
    after = behaviour.answer_after_seconds
    wait = rt.settings.answer_delay_seconds if after is None else after
    if behaviour.response is Response.ANSWER and wait < timeout:
        schedule(rt, uow, call, "answer", delay=wait, target=key)
    elif behaviour.response is Response.DECLINE and wait < timeout:
        schedule(rt, uow, call, "decline", delay=wait, target=key)
    else:
        schedule(rt, uow, call, "timeout", delay=timeout, target=key)


def _answer(rt: Runtime, uow: UnitOfWork, call: Call, key: str) -> None:
    index = list(call.invitations).index(key)
    if call.state not in (CallState.ESTABLISHING, CallState.RINGING, CallState.ESTABLISHED):
        return
    participant = _target_participant(rt, call, key, index)
    call.target_answered(key, participant, bot_participant(call))
    _mirror_into_meeting(uow, call, key, participant)
    behaviour = behaviour_for(uow, rt.directory(uow), call.tenant_id, key)
    if behaviour.hang_up_after_seconds is not None:
        schedule(rt, uow, call, "hangUp", delay=behaviour.hang_up_after_seconds, target=key)
    joined = call.invitations.get(key)
    if joined is not None and joined.participant_id == participant.id:
        party_steps.start_script(uow, call, key, behaviour)


def _connect(rt: Runtime, uow: UnitOfWork, call: Call) -> None:
    """The bot's own leg is up: a group call rings its targets; an answered incoming call
    is established with the caller."""
    if call.state is not CallState.ESTABLISHING:
        return
    if call.kind is CallKind.MEETING:
        meeting_rosters.join_call(rt, uow, call)
        return
    if call.direction == "incoming":
        caller = Participant.new(
            rt.ids.new(),
            call.resource.source.identity.echo,
            modalities=call.modalities,
            source_id=1,
        )
        call.connect_peer(bot_participant(call), caller)
        hang_up_after = call.caller_hang_up_after_seconds
        if hang_up_after is not None:
            schedule(rt, uow, call, "callerHangUp", delay=float(hang_up_after))
        caller_key = call.resource.source.identity.key()
        behaviour = behaviour_for(uow, rt.directory(uow), call.tenant_id, caller_key)
        party_steps.start_script(uow, call, caller_key, behaviour)
        return
    call.connect(bot_participant(call))
    for key in call.invitations:
        _ring(rt, uow, call, key)


def run_step(rt: Runtime, payload: JsonObject, job_id: int) -> None:
    """The ``call.progress`` job handler: apply one step and finish the job atomically."""
    with rt.uow() as uow:
        _step(rt, uow, payload)
        uow.jobs.finish([job_id], uow.now)
        uow.commit()


def run_steps(rt: Runtime, steps: Sequence[tuple[JsonObject, int]], until: float) -> int:
    """Several steps (payload, job id) in one transaction, in order, until ``until``
    (``time.perf_counter()``) has passed, at least one; returns how many ran. A transaction
    (connect, begin, commit) cost about as much as a step: the runner's timers that fall due
    together share one. If any step fails nothing is written and the exception propagates:
    the caller runs the steps one by one (``run_step``), so that a failure is its step's."""
    done: list[int] = []
    with rt.uow() as uow:
        for payload, job_id in steps:
            _step(rt, uow, payload)
            done.append(job_id)
            if time.perf_counter() >= until:
                break
        uow.jobs.finish(done, uow.now)
        uow.commit()
    return len(done)


def _step(rt: Runtime, uow: UnitOfWork, payload: JsonObject) -> None:
    call = uow.calls.get(payload["callId"], for_update=True)
    if call is not None:
        was_over = call.state is CallState.TERMINATED
        _apply(rt, uow, call, payload)
        finish_invitations(uow, call)
        uow.save_call(call)
        if call.state is CallState.TERMINATED and not was_over:
            meeting_rosters.leave_call(rt, uow, call)


def _apply(rt: Runtime, uow: UnitOfWork, call: Call, payload: JsonObject) -> None:
    action = payload["action"]
    key = payload.get("target", "")
    invitation = call.invitations.get(key)
    if key and payload.get("invitation") != (invitation.operation_id if invitation else None):
        return  # a step of an earlier invitation of an identity invited again since
    match action:
        case "ring":
            _ring(rt, uow, call, key)
        case "connect":
            _connect(rt, uow, call)
        case "answer":
            _answer(rt, uow, call, key)
        case "decline":
            call.target_failed(key, results.DECLINED)
        case "timeout":
            call.target_failed(key, results.NOT_ANSWERED)
        case "hangUp":
            left = invitation.participant_id if invitation else None
            call.remote_hung_up(key)
            if call.kind is CallKind.MEETING and left:
                meeting_rosters.participant_removed(uow, call, left)
        case "callerHangUp":
            call.caller_hung_up()
        case "terminate":
            call.finish_termination()
        case "incomingTimeout":
            call.incoming_timed_out()
        case "keepAliveLapsed":
            call.keep_alive_lapsed(float(payload["expiresAt"]))
        case "completeOperation":
            _complete_operation(uow, call, payload["operationId"])
        case party_steps.PARTY_STEP:
            at = float(payload.get("at", uow.now))
            party_steps.run_step(rt, uow, call, key, payload["step"], at)
        case recordings.RECORD_CHECK:
            recordings.check(rt, uow, call, payload["operationId"])
        case "moveParticipant":
            _move_participant(rt, uow, call, key)
        case _:
            raise ValueError(f"unknown call.progress action {action!r}")


def _complete_operation(uow: UnitOfWork, call: Call, operation_id: str) -> None:
    operation = uow.operations.get(call.id, operation_id)
    if operation is None or not operation.is_running:
        return
    call.operation_ran(operation)
    uow.operations.save(call.id, operation)


def _move_participant(rt: Runtime, uow: UnitOfWork, call: Call, key: str) -> None:
    """An invite with replacesCallId: the other party of that peer-to-peer call joins this
    call without ringing, and the peer-to-peer call ends, in one transaction."""
    invitation = call.invitations.get(key)
    if call.is_over or invitation is None or not invitation.is_ringing:
        return
    # Locks: this call first, then the replaced one (nothing locks them the other way).
    replaced = uow.calls.get(invitation.replaces_call_id or "", for_update=True)
    index = list(call.invitations).index(key)
    if call.kind is CallKind.MEETING:
        # Between meetings: the participant leaves the source meeting and joins this one.
        moved = (invitation.target or {}).get("participantId") or ""
        if replaced is None or not meeting_rosters.take_from_meeting(uow, replaced, moved):
            call.target_failed(key, results.MOVE_FAILED)
            return
        participant = _target_participant(rt, call, key, index)
        call.target_answered(key, participant, bot_participant(call))
        _mirror_into_meeting(uow, call, key, participant)
        return
    if replaced is None or replaced.peer_key() != key:
        call.target_failed(key, results.MOVE_FAILED)
        return
    call.target_answered(key, _target_participant(rt, call, key, index), bot_participant(call))
    replaced.replaced()
    uow.save_call(replaced)


def _mirror_into_meeting(uow: UnitOfWork, call: Call, key: str, participant: Participant) -> None:
    """In a meeting call, whoever the bot brought in joins the meeting, for every bot."""
    invitation = call.invitations.get(key)
    if (
        call.kind is CallKind.MEETING
        and invitation is not None
        and invitation.status is InvitationStatus.JOINED
        and invitation.participant_id == participant.id
    ):
        meeting_rosters.invitee_joined(uow, call, participant)


def finish_invitations(uow: UnitOfWork, call: Call) -> None:
    """After a step or a participant change: pending invitations of an ended call fail, and
    the invite operations that finished are stored and notified in full."""
    call.abandon_invitations()
    for index, event in enumerate(call.events):
        if not isinstance(event, InvitationsSettled):
            continue
        stored = uow.operations.get(call.id, event.operation_id)
        if stored is None or not stored.is_running:
            continue
        if event.failure is None:
            stored.complete()
        else:
            stored.fail(event.failure)
        uow.operations.save(call.id, stored)
        # In the settlement's place: the bot hears of it in the order it happened.
        call.events[index] = OperationFinished(stored)
