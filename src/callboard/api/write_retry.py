"""A request that loses a write race runs again, so a client never sees a 409 for it.

Calls, meetings and presence are written with an optimistic version check; two processes
writing one resource at the same moment make one of them raise ``Conflict`` (and
PostgreSQL's serialization failures and deadlocks become ``Conflict`` in the unit of work).
Nothing of the losing request was committed, so running the whole request again, reloading
the resource, is safe: this middleware buffers the body of a write, and when the response
is a 409 that the error handlers marked as such a conflict (``mark``), it discards it and
runs the request again, a bounded number of times with a little jitter. One place for every
route, Graph and UCWA alike: no service carries a retry loop of its own for this.
"""

from __future__ import annotations

import asyncio
import random

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callboard.errors import Conflict
from callboard.json_types import JsonObject

# Each run has a winner, so this many writers racing on one resource all get through.
ATTEMPTS = 16
_SCOPE_KEY = "callboard.conflicts"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def mark(request: Request, exc: BaseException) -> None:
    """Called by the error handlers: this response reports a lost write race."""
    conflicts = request.scope.get(_SCOPE_KEY)
    if isinstance(exc, Conflict) and isinstance(conflicts, list):
        conflicts.append(True)


class WriteRetryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        for attempt in range(1, ATTEMPTS + 1):
            conflicts: list[bool] = []
            scope[_SCOPE_KEY] = conflicts
            last = attempt == ATTEMPTS
            if await self._run(scope, _replay(body, receive), send, conflicts, last):
                return
            await asyncio.sleep(random.uniform(0, 0.002 * attempt))  # noqa: S311 - jitter

    async def _run(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        conflicts: list[bool],
        last: bool,
    ) -> bool:
        """One run; False when its response was a marked conflict, discarded for a retry."""
        discarded = False

        async def relay(message: Message) -> None:
            nonlocal discarded
            if message["type"] == "http.response.start" and not last:
                discarded = message["status"] == 409 and bool(conflicts)
            if not discarded:
                await send(message)

        await self.app(scope, receive, relay)
        return not discarded


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> JsonObject:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await receive())

    return replay
