"""Graph requests answered with an injected 429, 503 or 504 (docs/fault-injection.md).

Runs before routing: a rule scoped by app reads the bearer token's ``appid`` claim without
verifying it (choosing a fault is not trusting the caller; an invalid token still gets its
401 whenever no fault fires). Without any rule this costs a list check per request.
"""

from __future__ import annotations

from typing import Any

import jwt
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from callboard.api import errors
from callboard.services import faults

GRAPH_PREFIXES = ("/v1.0/", "/beta/")


class FaultInjectionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        rt = _runtime(scope)
        if (
            scope["type"] != "http"
            or rt is None
            or not path.startswith(GRAPH_PREFIXES)
            or not faults.has_rules(rt)
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        graph_path = "/" + path.split("/", 2)[2]
        error = faults.request_fault(rt, _app_id(request), graph_path)
        if error is None:
            await self.app(scope, receive, send)
            return
        await errors.render(request, error)(scope, receive, send)


def _runtime(scope: Scope) -> Any:
    app = scope.get("app")
    state = getattr(app, "state", None)
    return getattr(state, "runtime", None)


def _app_id(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    try:
        claims = jwt.decode(header[7:].strip(), options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    value = claims.get("appid") or claims.get("azp")
    return value if isinstance(value, str) else None
