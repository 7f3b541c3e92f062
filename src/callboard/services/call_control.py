"""``addLargeGalleryView``, ``logTeleconferenceDeviceQuality`` and beta ``configureMixer``."""

from __future__ import annotations

import logging

from callboard.domain.call_requests import ConfigureMixer, DeviceQuality
from callboard.domain.calls import CallKind, CallState
from callboard.domain.operations import CommsOperation, OperationKind
from callboard.errors import BadRequest, InvalidStateTransition
from callboard.services import simulation
from callboard.services.calls import (
    ACCESS_MEDIA,
    INITIATE_GROUP,
    JOIN_GROUP,
    JOIN_GROUP_GUEST,
    live_call,
    require_any,
    require_app,
)
from callboard.services.runtime import Runtime
from callboard.tokens import Principal

log = logging.getLogger("callboard.calls")

# How long adding the large gallery view (or configuring the mixer) takes before its
# operation completes.
LARGE_GALLERY_VIEW_SECONDS = 1.0
MIXER_SECONDS = 1.0


def add_large_gallery_view(
    rt: Runtime, principal: Principal, call_id: str, client_context: str | None
) -> CommsOperation:
    """Answers a running addLargeGalleryViewOperation that completes shortly after."""
    return _group_operation(
        rt,
        principal,
        call_id,
        OperationKind.ADD_LARGE_GALLERY_VIEW,
        client_context,
        action="addLargeGalleryView",
        seconds=LARGE_GALLERY_VIEW_SECONDS,
    )


def configure_mixer(
    rt: Runtime, principal: Principal, call_id: str, request: ConfigureMixer
) -> CommsOperation:
    """beta ``participant: configureMixer``: every participant a level names (and each of
    its sources) must be in the call; the mixer itself is not simulated."""
    return _group_operation(
        rt,
        principal,
        call_id,
        OperationKind.COMMS,
        request.client_context,
        action="configureMixer",
        seconds=MIXER_SECONDS,
        participants=list(request.participants),
    )


def _group_operation(
    rt: Runtime,
    principal: Principal,
    call_id: str,
    kind: OperationKind,
    client_context: str | None,
    *,
    action: str,
    seconds: float,
    participants: list[str] | None = None,
) -> CommsOperation:
    require_app(principal)
    require_any(principal, JOIN_GROUP_GUEST, JOIN_GROUP, INITIATE_GROUP)
    with rt.uow() as uow:
        call = live_call(uow, principal, call_id)
        if call.kind is CallKind.PEER_TO_PEER:
            raise BadRequest(f"{action} is supported in group and meeting calls only.")
        if call.state is not CallState.ESTABLISHED:
            raise InvalidStateTransition(f"Cannot {action}: the call is {call.state.value}.")
        for participant_id in participants or []:
            if call.participant(participant_id) is None:
                raise BadRequest(f"The participant {participant_id} is not in call {call.id}.")
        operation = CommsOperation.started(rt.ids.new(), kind, client_context)
        uow.operations.add(call.id, operation, uow.now)
        simulation.schedule(
            rt, uow, call, "completeOperation", delay=seconds, operationId=operation.id
        )
        uow.commit()
    return operation


def log_teleconference_device_quality(
    rt: Runtime, principal: Principal, quality: DeviceQuality
) -> None:
    """Graph keeps the partner's media-leg quality for its own analytics; Callboard logs it
    (there is nothing to read it back from)."""
    require_app(principal)
    require_any(principal, ACCESS_MEDIA)
    log.info(
        "teleconference device quality from %s: callChainId=%s participantId=%s "
        "mediaLegId=%s device=%s, %d media quality entries",
        principal.app_id,
        quality.call_chain_id,
        quality.participant_id,
        quality.media_leg_id,
        quality.device_name,
        quality.media_quality_entries,
    )
