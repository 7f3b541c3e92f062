"""Operations served under both ``/me/...`` and ``/users/{user_id}/...``.

An endpoint is written once, takes the owner the path names (``OwnerDep``: ``me`` or the
``user_id`` segment) and is registered for both forms by ``add_owner_routes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from callboard.services.meeting_access import ME

PREFIXES = (("/me", "me"), ("/users/{user_id}", "user"))


def _path_owner(request: Request, user_id: str | None = None) -> str:
    """``user_id`` is the path segment under ``/users/{user_id}``; under ``/me`` the same
    name is only an (ignored) query parameter, so the path decides, not the value."""
    return str(user_id) if "user_id" in request.path_params else ME


OwnerDep = Annotated[str, Depends(_path_owner)]


def add_owner_routes(
    router: APIRouter,
    path: str,
    method: str,
    endpoint: Callable[..., Any],
    name: str,
    status: int = 200,
) -> None:
    """Register ``endpoint`` (which takes an ``OwnerDep``) for each owner form of ``path``."""
    for prefix, kind in PREFIXES:
        router.add_api_route(
            f"{prefix}{path}",
            endpoint,
            methods=[method],
            summary=name,
            status_code=status,
            name=f"{name} ({kind})",
        )


def context_path(owner: str) -> str:
    """The owner in an ``@odata.context``: ``me`` or ``users('<id>')``."""
    return "me" if owner == ME else f"users('{owner}')"
