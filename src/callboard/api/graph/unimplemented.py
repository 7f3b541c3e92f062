"""Graph operations in Callboard's area that are not implemented yet: a uniform 501, after
the same checks as any implemented route (a bearer token: 401; the call: 404)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter

from callboard.api.deps import PrincipalDep, RuntimeDep
from callboard.errors import NotImplementedOperation
from callboard.services import actions

# (method, path, operation name). Each answers 501 notImplemented until it is built.
OPERATIONS: tuple[tuple[str, str, str], ...] = ()


def build_router() -> APIRouter:
    router = APIRouter(tags=["not implemented"])
    for method, path, name in OPERATIONS:
        handler = _on_a_call(name) if "{call_id}" in path else _on_the_service(name)
        router.add_api_route(path, handler, methods=[method], summary=name, include_in_schema=False)
    return router


def _not_implemented(name: str) -> NotImplementedOperation:
    return NotImplementedOperation(
        f"The Graph operation '{name}' is not implemented by Callboard yet."
    )


def _on_a_call(name: str) -> Callable[..., Awaitable[None]]:
    async def not_implemented(call_id: str, rt: RuntimeDep, principal: PrincipalDep) -> None:
        actions.require_call(rt, principal, call_id)
        raise _not_implemented(name)

    return not_implemented


def _on_the_service(name: str) -> Callable[..., Awaitable[None]]:
    # The principal dependency alone is the check: an anonymous caller gets 401.
    async def not_implemented(principal: PrincipalDep) -> None:
        raise _not_implemented(name)

    return not_implemented
