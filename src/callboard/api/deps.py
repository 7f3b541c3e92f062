"""Dependencies shared by the routers: the runtime, the caller's principal, URLs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from callboard.errors import Unauthenticated
from callboard.services.runtime import Runtime
from callboard.tokens import InvalidToken, Principal

# Graph paths: there a missing or bad token is answered before anything about the body.
GRAPH_PREFIXES = ("/v1.0/", "/beta/")


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def authenticate(request: Request) -> Principal:
    """The caller of this request, from its bearer token, or ``Unauthenticated``."""
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Access token is empty.")
    rt = runtime(request)
    try:
        return rt.keyring.verify_access_token(token.strip(), rt.clock.now())
    except InvalidToken as exc:
        raise Unauthenticated(exc.message) from None


async def principal(request: Request) -> Principal:
    return authenticate(request)


def unauthenticated(request: Request) -> Unauthenticated | None:
    """Why a Graph request must get 401 before anything is said about its body, or None."""
    if not request.url.path.startswith(GRAPH_PREFIXES):
        return None
    try:
        authenticate(request)
    except Unauthenticated as error:
        return error
    return None


def api_version(request: Request) -> str:
    return "beta" if request.scope["path"].startswith("/beta/") else "v1.0"


def base_url(request: Request) -> str:
    configured = runtime(request).settings.base_url
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


def graph_root(request: Request) -> str:
    """``http://host:port/v1.0``: the root of absolute Graph URLs in this response."""
    return f"{base_url(request)}/{api_version(request)}"


async def _runtime(request: Request) -> Runtime:
    return runtime(request)


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
PrincipalDep = Annotated[Principal, Depends(principal)]
