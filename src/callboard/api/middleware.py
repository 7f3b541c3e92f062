"""Request ids and path hygiene, as a plain ASGI middleware (cheap on the hot path)."""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_DOUBLE_SLASH = re.compile(r"/{2,}")
# msgraph's UrlReplaceHandler turns this into /me; clients built without it send it raw.
_ME_PLACEHOLDER = "/users/me-token-to-replace/"


class GraphRequestMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if "//" in path or _ME_PLACEHOLDER in path:
            path = _DOUBLE_SLASH.sub("/", path).replace(_ME_PLACEHOLDER, "/me/")
            scope = dict(scope, path=path, raw_path=path.encode())
        request_id = str(uuid.uuid4())
        client_request_id = None
        for name, value in scope["headers"]:
            if name == b"client-request-id":
                client_request_id = value.decode("latin-1")
                break
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_request_id"] = client_request_id or request_id
        extra = [
            (b"request-id", request_id.encode()),
            (b"client-request-id", (client_request_id or request_id).encode("latin-1")),
            (b"odata-version", b"4.0"),
        ]

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_ids)
