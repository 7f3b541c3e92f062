"""Call actions that answer with a commsOperation (``POST /communications/calls/{id}/...``)."""

from __future__ import annotations

from callboard.domain.call_requests import PlayPrompt, SendDtmfTones, UpdateRecordingStatus
from callboard.domain.calls import Call, CallKind, CallState
from callboard.domain.operations import CommsOperation, OperationKind
from callboard.errors import BadRequest, InvalidStateTransition, ItemNotFound
from callboard.services import simulation
from callboard.services.calls import (
    ACCESS_MEDIA,
    INITIATE,
    JOIN_GROUP,
    load_call,
    require_any,
    require_app,
)
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

# How long a simulated media operation runs before its completion is notified.
PROMPT_SECONDS = 1.0
TONE_SECONDS = 0.5


def _existing_call(uow: UnitOfWork, principal: Principal, call_id: str) -> Call:
    """The call, in any state but terminated (Graph forgets ended calls: 404)."""
    call = load_call(uow, principal, call_id)
    if call.state is CallState.TERMINATED:
        raise ItemNotFound(f"The call {call_id} has already ended.")
    return call


def _active_call(uow: UnitOfWork, principal: Principal, call_id: str) -> Call:
    call = _existing_call(uow, principal, call_id)
    if call.state is not CallState.ESTABLISHED:
        raise InvalidStateTransition(f"The call is {call.state.value}, not established.")
    return call


def _require_service_media(call: Call, action: str) -> None:
    if not call.media_config_type.endswith("serviceHostedMediaConfig"):
        raise BadRequest(f"{action} is only supported for calls with serviceHostedMediaConfig.")


def _done(
    rt: Runtime, uow: UnitOfWork, call: Call, kind: OperationKind, client_context: str | None
) -> CommsOperation:
    """Store an operation that completed at once."""
    operation = CommsOperation.done(rt.ids.new(), kind, client_context)
    uow.operations.add(call.id, operation, uow.now)
    return operation


def _started(
    uow: UnitOfWork, call: Call, operation: CommsOperation, runs_for: float, rt: Runtime
) -> CommsOperation:
    """Store a running operation, and the step that completes it (a ``deleted`` notice)."""
    uow.operations.add(call.id, operation, uow.now)
    simulation.schedule(
        rt, uow, call, "completeOperation", delay=runs_for, operationId=operation.id
    )
    return operation


def keep_alive(rt: Runtime, principal: Principal, call_id: str) -> None:
    """Graph's call: keepAlive: accepted whenever the call exists (establishing included);
    the call then lives 45 more minutes. An ended call is 404."""
    require_app(principal)
    with rt.uow() as uow:
        call = _existing_call(uow, principal, call_id)
        if call.keep_alive(uow.now) is not None:
            simulation.arm_keep_alive(rt, uow, call)
            uow.save_call(call)
        uow.commit()


def require_call(rt: Runtime, principal: Principal, call_id: str) -> None:
    """The call exists for this app and has not ended (else 404): what an operation that is
    not implemented checks before it answers 501."""
    require_app(principal)
    with rt.uow() as uow:
        _existing_call(uow, principal, call_id)


def mute_call(
    rt: Runtime, principal: Principal, call_id: str, client_context: str | None, *, muted: bool
) -> CommsOperation:
    """Server-side mute of the bot's own participant; group calls only (roster notified)."""
    require_app(principal)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        if call.kind is CallKind.PEER_TO_PEER:
            raise BadRequest("mute and unmute are supported in group calls only.")
        call.set_muted(call.my_participant_id, muted)
        kind = OperationKind.MUTE if muted else OperationKind.UNMUTE
        operation = _done(rt, uow, call, kind, client_context)
        uow.save_call(call)
        uow.commit()
    return operation


def play_prompt(
    rt: Runtime, principal: Principal, call_id: str, request: PlayPrompt
) -> CommsOperation:
    require_app(principal)
    request.check()
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        _require_service_media(call, "playPrompt")
        # Media operations are queued: this one starts when the ones before it are done.
        operation = CommsOperation.started(
            rt.ids.new(), OperationKind.PLAY_PROMPT, request.client_context
        )
        runs_for = call.media_queue.enqueue(
            operation.id, uow.now, PROMPT_SECONDS * len(request.prompts)
        )
        _started(uow, call, operation, runs_for, rt)
        uow.save_call(call)
        uow.commit()
    return operation


def subscribe_to_tone(
    rt: Runtime, principal: Principal, call_id: str, client_context: str | None
) -> CommsOperation:
    require_app(principal)
    require_any(principal, ACCESS_MEDIA)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        _require_service_media(call, "subscribeToTone")
        call.subscribe_to_tone()
        operation = _done(rt, uow, call, OperationKind.SUBSCRIBE_TO_TONE, client_context)
        uow.save_call(call)
        uow.commit()
    return operation


def cancel_media_processing(
    rt: Runtime, principal: Principal, call_id: str, client_context: str | None
) -> CommsOperation:
    """Cancel the running and queued media operations (not subscribeToTone): each ends
    ``failed`` with 400/8508 and is notified; the cancel itself completes at once."""
    require_app(principal)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        queued = [uow.operations.get(call.id, op_id) for op_id in call.media_queue.operations]
        cancelled = [op for op in queued if op is not None and op.is_running]
        call.cancel_media_processing(cancelled)
        for operation in cancelled:
            uow.operations.save(call.id, operation)
        operation = _done(rt, uow, call, OperationKind.CANCEL_MEDIA_PROCESSING, client_context)
        uow.save_call(call)
        uow.commit()
    return operation


def send_dtmf_tones(
    rt: Runtime, principal: Principal, call_id: str, request: SendDtmfTones
) -> CommsOperation:
    require_app(principal)
    require_any(principal, INITIATE, ACCESS_MEDIA)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        operation = CommsOperation.started(
            rt.ids.new(), OperationKind.SEND_DTMF_TONES, request.client_context
        )
        _started(uow, call, operation, TONE_SECONDS * len(request.tones), rt)
        call.dtmf_sent(list(request.tones), uow.now)
        uow.save_call(call)
        uow.commit()
    return operation


def update_recording_status(
    rt: Runtime, principal: Principal, call_id: str, request: UpdateRecordingStatus
) -> CommsOperation:
    require_app(principal)
    require_any(principal, JOIN_GROUP, ACCESS_MEDIA)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        call.update_recording_status(request.status)
        operation = _done(
            rt, uow, call, OperationKind.UPDATE_RECORDING_STATUS, request.client_context
        )
        uow.save_call(call)
        uow.commit()
    return operation


def change_screen_sharing_role(rt: Runtime, principal: Principal, call_id: str, role: str) -> None:
    require_app(principal)
    require_any(principal, ACCESS_MEDIA)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        call.change_screen_sharing_role(role)
        uow.save_call(call)
        uow.commit()
