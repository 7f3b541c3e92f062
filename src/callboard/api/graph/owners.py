"""Operations served under both ``/me/...`` and ``/users/{user_id}/...``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from callboard.services.meeting_access import ME

PREFIXES = (("/me", "me"), ("/users/{user_id}", "user"))


def add_routes(
    router: APIRouter,
    path: str,
    method: str,
    endpoint: Callable[[str], Any],
    name: str,
    status: int = 200,
) -> None:
    """Register ``endpoint(kind)`` for each owner form of ``path``."""
    for prefix, kind in PREFIXES:
        router.add_api_route(
            f"{prefix}{path}",
            endpoint(kind),
            methods=[method],
            summary=name,
            status_code=status,
            name=f"{name} ({kind})",
        )


def owner(kind: str, user_id: str | None) -> str:
    """The user the path names: ``me`` or the ``user_id`` path segment."""
    return ME if kind == "me" else str(user_id)
