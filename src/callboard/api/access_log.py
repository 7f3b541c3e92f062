"""One log line per HTTP request (``callboard.logs.request``), as a plain ASGI middleware."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callboard import logs


class AccessLogMiddleware:
    """Times each request and logs it when its response starts. Runs inside the request-id
    middleware, whose ids it reads from the scope's state."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        logged = False

        def log(status: int) -> None:
            nonlocal logged
            logged = True
            state = scope.get("state") or {}
            logs.request(
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                state.get("request_id"),
            )

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                # At the start, not the end: a server-sent-events stream never ends.
                log(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            if not logged:
                log(500)
