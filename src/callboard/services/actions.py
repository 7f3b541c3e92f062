"""Call actions that answer with a commsOperation (``POST /communications/calls/{id}/...``)."""

from __future__ import annotations

from typing import Any

from callboard.domain import calls as c
from callboard.domain.calls import Call, CallKind, CallState
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
CANCELLED = c.result_info(400, 8508, "Action failed, the operation was cancelled.")


def _active_call(uow: UnitOfWork, principal: Principal, call_id: str) -> Call:
    call = load_call(uow, principal, call_id)
    if call.state is CallState.TERMINATED:
        raise ItemNotFound(f"The call {call_id} has already ended.")
    if call.state is not CallState.ESTABLISHED:
        raise InvalidStateTransition(f"The call is {call.state.value}, not established.")
    return call


def _require_service_media(call: Call, action: str) -> None:
    media_type = (call.resource.get("mediaConfig") or {}).get("@odata.type", "")
    if not media_type.endswith("serviceHostedMediaConfig"):
        raise BadRequest(f"{action} is only supported for calls with serviceHostedMediaConfig.")


def _new_operation(
    rt: Runtime,
    uow: UnitOfWork,
    call: Call,
    type_name: str,
    client_context: str | None,
    *,
    runs_for: float | None,
    **extra: Any,
) -> dict[str, Any]:
    """Store an operation; one that runs gets a completion step and a ``deleted`` notice."""
    operation = {
        "@odata.type": f"#microsoft.graph.{type_name}",
        "id": rt.ids.new(),
        "status": "Running" if runs_for is not None else "Completed",
        "clientContext": client_context,
        "resultInfo": None
        if runs_for is not None
        else c.result_info(200, 0, "Action completed successfully."),
        **extra,
    }
    uow.operations.add(call.id, operation, uow.now)
    if runs_for is not None:
        simulation.schedule(
            rt, uow, call, "completeOperation", delay=runs_for, operationId=operation["id"]
        )
    return operation


def keep_alive(rt: Runtime, principal: Principal, call_id: str) -> None:
    require_app(principal)
    with rt.uow() as uow:
        _active_call(uow, principal, call_id)


def mute_call(
    rt: Runtime, principal: Principal, call_id: str, client_context: str | None, *, muted: bool
) -> dict[str, Any]:
    """Server-side mute of the bot's own participant; group calls only (roster notified)."""
    require_app(principal)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        if call.kind is CallKind.PEER_TO_PEER:
            raise BadRequest("mute and unmute are supported in group calls only.")
        call.set_muted(call.my_participant_id, muted)
        type_name = "muteParticipantOperation" if muted else "unmuteParticipantOperation"
        operation = _new_operation(rt, uow, call, type_name, client_context, runs_for=None)
        uow.save_call(call)
        uow.commit()
    return operation


def play_prompt(
    rt: Runtime, principal: Principal, call_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    require_app(principal)
    for index, prompt in enumerate(body["prompts"]):
        media_info = prompt.get("mediaInfo") if isinstance(prompt, dict) else None
        if not isinstance(media_info, dict) or not media_info.get("uri"):
            raise BadRequest(f"prompts[{index}] must be a mediaPrompt with mediaInfo.uri.")
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        _require_service_media(call, "playPrompt")
        # Media operations are queued: this one starts when the ones before it are done.
        queue = call.resource.get(simulation.MEDIA_QUEUE) or {"operations": [], "endsAt": 0.0}
        ends_at = max(queue["endsAt"], uow.now) + PROMPT_SECONDS * len(body["prompts"])
        operation = _new_operation(
            rt,
            uow,
            call,
            "playPromptOperation",
            body.get("clientContext"),
            runs_for=ends_at - uow.now,
        )
        call.resource[simulation.MEDIA_QUEUE] = {
            "operations": [*queue["operations"], operation["id"]],
            "endsAt": ends_at,
        }
        uow.save_call(call)
        uow.commit()
    return operation


def subscribe_to_tone(
    rt: Runtime, principal: Principal, call_id: str, client_context: str | None
) -> dict[str, Any]:
    require_app(principal)
    require_any(principal, ACCESS_MEDIA)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        _require_service_media(call, "subscribeToTone")
        call.resource["toneSubscribed"] = True
        operation = _new_operation(
            rt, uow, call, "subscribeToToneOperation", client_context, runs_for=None
        )
        uow.save_call(call)
        uow.commit()
    return operation


def cancel_media_processing(
    rt: Runtime, principal: Principal, call_id: str, client_context: str | None
) -> dict[str, Any]:
    """Cancel the running and queued media operations (not subscribeToTone): each ends
    ``failed`` with 400/8508 and is notified; the cancel itself completes at once."""
    require_app(principal)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        queue = call.resource.pop(simulation.MEDIA_QUEUE, None) or {"operations": []}
        for operation_id in queue["operations"]:
            queued = uow.operations.get(call.id, operation_id)
            if queued is None or queued["status"] != "Running":
                continue
            queued.update(status="Failed", resultInfo=CANCELLED)
            uow.operations.save(call.id, queued)
            call.finish_operation(queued)
        operation = _new_operation(
            rt, uow, call, "cancelMediaProcessingOperation", client_context, runs_for=None
        )
        uow.save_call(call)
        uow.commit()
    return operation


def send_dtmf_tones(
    rt: Runtime, principal: Principal, call_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    require_app(principal)
    require_any(principal, INITIATE, ACCESS_MEDIA)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        operation = _new_operation(
            rt,
            uow,
            call,
            "sendDtmfTonesOperation",
            body.get("clientContext"),
            runs_for=TONE_SECONDS * len(body["tones"]),
            completionReason=None,
        )
        uow.commit()
    return operation


def update_recording_status(
    rt: Runtime, principal: Principal, call_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    require_app(principal)
    require_any(principal, JOIN_GROUP, ACCESS_MEDIA)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        bot = call.participant(call.my_participant_id)
        if bot is not None:
            # The application records: the initiator is its own identity (for an incoming
            # call that is the callee, not the call's source).
            bot["recordingInfo"] = {
                "recordingStatus": body["status"],
                "initiator": bot["info"]["identity"],
            }
        operation = _new_operation(
            rt,
            uow,
            call,
            "updateRecordingStatusOperation",
            body.get("clientContext"),
            runs_for=None,
        )
        uow.save_call(call)
        uow.commit()
    return operation


def change_screen_sharing_role(rt: Runtime, principal: Principal, call_id: str, role: str) -> None:
    require_app(principal)
    require_any(principal, ACCESS_MEDIA)
    with rt.uow() as uow:
        call = _active_call(uow, principal, call_id)
        call.resource["screenSharingRole"] = role
        uow.save_call(call)
        uow.commit()
