"""Graph operations in Callboard's area that are not implemented yet: a uniform 501."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter

from callboard.errors import NotImplementedOperation

# (method, path, operation name). Each answers 501 notImplemented until it is built.
OPERATIONS: tuple[tuple[str, str, str], ...] = (
    ("POST", "/communications/calls/{call_id}/transfer", "transfer"),
    ("POST", "/communications/calls/{call_id}/recordResponse", "recordResponse"),
    ("POST", "/communications/calls/{call_id}/addLargeGalleryView", "addLargeGalleryView"),
    ("GET", "/communications/calls/{call_id}/audioRoutingGroups", "list audioRoutingGroups"),
    ("POST", "/communications/calls/{call_id}/audioRoutingGroups", "create audioRoutingGroup"),
    (
        "POST",
        "/communications/calls/{call_id}/participants/{participant_id}/startHoldMusic",
        "startHoldMusic",
    ),
    (
        "POST",
        "/communications/calls/{call_id}/participants/{participant_id}/stopHoldMusic",
        "stopHoldMusic",
    ),
    (
        "POST",
        "/communications/calls/logTeleconferenceDeviceQuality",
        "logTeleconferenceDeviceQuality",
    ),
)


def build_router() -> APIRouter:
    router = APIRouter(tags=["not implemented"])
    for method, path, name in OPERATIONS:
        router.add_api_route(
            path, _handler(name), methods=[method], summary=name, include_in_schema=False
        )
    return router


def _handler(name: str) -> Callable[[], Awaitable[None]]:
    async def not_implemented() -> None:
        raise NotImplementedOperation(
            f"The Graph operation '{name}' is not implemented by Callboard yet."
        )

    return not_implemented
