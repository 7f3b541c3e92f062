"""Dependencies shared by the routers: the runtime, the caller's principal, URLs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from callboard.errors import Unauthenticated
from callboard.services.runtime import Runtime
from callboard.tokens import InvalidToken, Principal

# Graph paths: there a missing or bad token is answered before anything about the body.
GRAPH_PREFIXES = ("/v1.0/", "/beta/")

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
# Endpoints that call ``authenticate`` themselves instead of declaring ``PrincipalDep``: on
# the hottest routes FastAPI's dependency solver cost more than the rest of the route. FastAPI
# validates the body before such an endpoint runs, so a validation error there must yield to
# a missing token (``api/errors.py``), as it does where the token is a dependency.
_AUTHENTICATING_ENDPOINTS: set[Callable[..., Any]] = set()
# The base URL per (scheme, Host header, server, root path): Starlette builds a URL object
# for it on every request. Bounded, since the Host header is the client's to choose.
_BASE_URLS: dict[tuple[object, ...], str] = {}
_BASE_URLS_MAX = 256


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


def authenticates_itself(endpoint: Endpoint) -> Endpoint:
    """Mark an endpoint that calls ``authenticate`` in its body (see above)."""
    _AUTHENTICATING_ENDPOINTS.add(endpoint)
    return endpoint


def endpoint_authenticates_itself(request: Request) -> bool:
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    return endpoint is not None and endpoint in _AUTHENTICATING_ENDPOINTS


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
    if configured:
        return configured.rstrip("/")
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    key = (
        scope.get("scheme"),
        host,
        scope.get("server"),
        scope.get("app_root_path", scope.get("root_path", "")),
    )
    found = _BASE_URLS.get(key)
    if found is None:
        if len(_BASE_URLS) >= _BASE_URLS_MAX:
            _BASE_URLS.clear()
        found = _BASE_URLS[key] = str(request.base_url).rstrip("/")
    return found


def graph_root(request: Request) -> str:
    """``http://host:port/v1.0``: the root of absolute Graph URLs in this response."""
    return f"{base_url(request)}/{api_version(request)}"


async def _runtime(request: Request) -> Runtime:
    return runtime(request)


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
PrincipalDep = Annotated[Principal, Depends(principal)]
