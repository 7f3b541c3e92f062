"""``POST .../participants/{id}/startHoldMusic`` and ``stopHoldMusic``.

Graph checks no permission here (it did when the call was placed or joined). The held party's
audio changes at once (a roster notification); the operation answers ``Running`` and
completes shortly after (a ``deleted`` notification), as Graph's examples show.
"""

from __future__ import annotations

from callboard.domain.hold_music import StartHoldMusic
from callboard.domain.operations import CommsOperation, OperationKind
from callboard.services import simulation
from callboard.services.calls import live_call, require_app
from callboard.services.runtime import Runtime
from callboard.tokens import Principal

# How long starting or stopping the music takes before the operation completes.
HOLD_MUSIC_SECONDS = 1.0


def start_hold_music(
    rt: Runtime, principal: Principal, call_id: str, participant_id: str, request: StartHoldMusic
) -> CommsOperation:
    require_app(principal)
    request.check()
    return _hold(rt, principal, call_id, participant_id, request.client_context, start=True)


def stop_hold_music(
    rt: Runtime, principal: Principal, call_id: str, participant_id: str, client_context: str | None
) -> CommsOperation:
    require_app(principal)
    return _hold(rt, principal, call_id, participant_id, client_context, start=False)


def _hold(
    rt: Runtime,
    principal: Principal,
    call_id: str,
    participant_id: str,
    client_context: str | None,
    *,
    start: bool,
) -> CommsOperation:
    with rt.uow() as uow:
        call = live_call(uow, principal, call_id)
        if start:
            call.start_hold_music(participant_id)
        else:
            call.stop_hold_music(participant_id)
        kind = OperationKind.START_HOLD_MUSIC if start else OperationKind.STOP_HOLD_MUSIC
        operation = CommsOperation.started(rt.ids.new(), kind, client_context)
        uow.operations.add(call.id, operation, uow.now)
        simulation.schedule(
            rt, uow, call, "completeOperation", delay=HOLD_MUSIC_SECONDS, operationId=operation.id
        )
        uow.save_call(call)
        uow.commit()
    return operation
