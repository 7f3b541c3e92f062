"""``POST /communications/calls/{id}/recordResponse``: the recordOperation, queued on the
call's media queue behind the prompts and beep before it."""

from __future__ import annotations

from callboard.domain.call_media import ActiveRecording
from callboard.domain.calls import Call, CallState
from callboard.domain.operations import CommsOperation, OperationKind
from callboard.domain.recordings import RecordResponse
from callboard.errors import BadRequest, InvalidStateTransition, ItemNotFound
from callboard.services.calls import ACCESS_MEDIA, load_call, require_any, require_app
from callboard.services.recordings import schedule_check
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

# Each prompt plays this long (as playPrompt's, services/actions.py).
PROMPT_SECONDS = 1.0


def record_response(
    rt: Runtime, principal: Principal, call_id: str, request: RecordResponse, location_base: str
) -> CommsOperation:
    require_app(principal)
    require_any(principal, ACCESS_MEDIA)
    timers = request.timers()
    with rt.uow() as uow:
        call = load_call(uow, principal, call_id)
        if call.state is CallState.TERMINATED:
            raise ItemNotFound(f"The call {call_id} has already ended.")
        if call.state is not CallState.ESTABLISHED:
            raise InvalidStateTransition(f"The call is {call.state.value}, not established.")
        if not call.media_config_type.endswith("serviceHostedMediaConfig"):
            raise BadRequest(
                "recordResponse is only supported for calls with serviceHostedMediaConfig."
            )
        if request.barge_in_allowed:
            _barge_in(uow, call)
        operation = CommsOperation.started(
            rt.ids.new(), OperationKind.RECORD_RESPONSE, request.client_context
        )
        duration = timers.max_duration
        # Queued behind the media operations before it, for at most its whole duration.
        runs_for = call.media_queue.enqueue(
            operation.id, uow.now, request.lead_in(PROMPT_SECONDS) + duration
        )
        recording = ActiveRecording(
            operation_id=operation.id,
            opens_at=uow.now + runs_for - duration,
            initial_silence=float(timers.initial_silence),
            max_silence=float(timers.max_silence),
            max_duration=float(duration),
            stop_tones=timers.stop_tones,
            location_base=location_base.rstrip("/"),
        )
        call.start_recording(recording)
        uow.operations.add(call.id, operation, uow.now)
        schedule_check(uow, call)
        uow.save_call(call)
        uow.commit()
    return operation


def _barge_in(uow: UnitOfWork, call: Call) -> None:
    """bargeInAllowed: the running and queued media operations give way (cancelled)."""
    queued = [uow.operations.get(call.id, op_id) for op_id in call.media_queue.operations]
    cancelled = [op for op in queued if op is not None and op.is_running]
    call.cancel_media_processing(cancelled)
    for operation in cancelled:
        uow.operations.save(call.id, operation)
