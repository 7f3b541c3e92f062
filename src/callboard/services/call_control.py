"""``addLargeGalleryView`` and ``logTeleconferenceDeviceQuality``."""

from __future__ import annotations

import logging
from typing import Any

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

# How long adding the large gallery view takes before its operation completes.
LARGE_GALLERY_VIEW_SECONDS = 1.0


def add_large_gallery_view(
    rt: Runtime, principal: Principal, call_id: str, client_context: str | None
) -> CommsOperation:
    """Answers a running addLargeGalleryViewOperation that completes shortly after."""
    require_app(principal)
    require_any(principal, JOIN_GROUP_GUEST, JOIN_GROUP, INITIATE_GROUP)
    with rt.uow() as uow:
        call = live_call(uow, principal, call_id)
        if call.kind is CallKind.PEER_TO_PEER:
            raise BadRequest("addLargeGalleryView is supported in group and meeting calls only.")
        if call.state is not CallState.ESTABLISHED:
            raise InvalidStateTransition(
                f"Cannot add the large gallery view: the call is {call.state.value}."
            )
        operation = CommsOperation.started(
            rt.ids.new(), OperationKind.ADD_LARGE_GALLERY_VIEW, client_context
        )
        uow.operations.add(call.id, operation, uow.now)
        simulation.schedule(
            rt,
            uow,
            call,
            "completeOperation",
            delay=LARGE_GALLERY_VIEW_SECONDS,
            operationId=operation.id,
        )
        uow.commit()
    return operation


def log_teleconference_device_quality(
    rt: Runtime, principal: Principal, quality: dict[str, Any]
) -> None:
    """Graph keeps the partner's media-leg quality for its own analytics; Callboard logs it
    (there is nothing to read it back from)."""
    require_app(principal)
    require_any(principal, ACCESS_MEDIA)
    log.info(
        "teleconference device quality from %s: callChainId=%s participantId=%s "
        "mediaLegId=%s device=%s, %d media quality entries",
        principal.app_id,
        quality.get("callChainId"),
        quality.get("participantId"),
        quality.get("mediaLegId"),
        quality.get("deviceName"),
        len(quality.get("mediaQualityList") or []),
    )
