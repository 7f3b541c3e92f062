"""The web console (``/_callboard/console/``), its live events and the listings it reads.

The console's page is static HTML, CSS and JavaScript shipped in ``console_static/`` (no
build step, nothing from a CDN). It reads and drives everything through the admin API, so
it is on exactly where the admin API is (development, or ``CALLBOARD_ADMIN_ENABLED``). The
page itself carries no data: it is served without credentials, and asks for the admin
token when an admin request answers 401 (production, or a server beyond loopback).

``GET /_callboard/events`` is a server-sent-events stream: a ``change`` event whenever the
database's change marker moves (``services/console.py``), which the page answers by
reloading what it shows. The marker is read from the database, so changes made by another
process (``callboard worker``) are seen too.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from callboard.api.admin import _AdminRoute
from callboard.api.admin_guard import admin_guard
from callboard.api.deps import RuntimeDep, runtime
from callboard.api.responses import json_response
from callboard.clock import iso
from callboard.errors import ItemNotFound
from callboard.services import console

# The page's files and their media types: nothing else of the package is served.
_STATIC = {
    "index.html": "text/html; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
# How often the events stream reads the change marker, and the longest silence before a
# comment line that keeps proxies from closing the stream.
POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0

# The page: enabled with the admin API, no credentials (it holds no data).
pages = APIRouter(prefix="/_callboard", tags=["admin"], route_class=_AdminRoute)
# Data: the admin API's guard, like every other admin route.
router = APIRouter(
    prefix="/_callboard",
    tags=["admin"],
    route_class=_AdminRoute,
    dependencies=[Depends(admin_guard)],
)


def _static(name: str) -> Response:
    media_type = _STATIC.get(name)
    if media_type is None:
        raise ItemNotFound(f"The console has no file {name!r}.")
    body = (resources.files("callboard.api") / "console_static" / name).read_bytes()
    return Response(body, media_type=media_type, headers={"Cache-Control": "no-cache"})


@pages.get("/console", include_in_schema=False)
async def console_root() -> Response:
    return RedirectResponse("/_callboard/console/", status_code=307)


@pages.get("/console/", summary="the web console")
async def console_page() -> Response:
    return _static("index.html")


@pages.get("/console/{name}", include_in_schema=False)
async def console_file(name: str) -> Response:
    return _static(name)


async def _changes(request: Request) -> AsyncIterator[str]:
    rt = runtime(request)
    last: str | None = None
    quiet_since = time.monotonic()
    # Browsers reconnect after this long if the stream breaks.
    yield "retry: 2000\n\n"
    # Set by ``callboard serve``: the stream ends when the server is stopping.
    stopping = getattr(request.app.state, "shutting_down", lambda: False)
    while not stopping() and not await request.is_disconnected():
        marker = console.change_marker(rt)
        if marker != last:
            last = marker
            quiet_since = time.monotonic()
            data = json.dumps({"marker": marker, "now": iso(rt.clock.now())})
            yield f"event: change\ndata: {data}\n\n"
        elif time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_SECONDS)


# Not in the OpenAPI document: a stream that never ends is no request-response operation,
# and clients that walk the document (the fuzz test, code generators) would wait on it forever.
@router.get("/events", include_in_schema=False)
async def events(request: Request) -> Response:
    return StreamingResponse(
        _changes(request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/meetings", summary="online meetings, newest first, with rosters and lobby")
async def list_meetings(
    rt: RuntimeDep, top: Annotated[int, Query(alias="$top", ge=1, le=200)] = 50
) -> Response:
    return json_response({"value": console.list_meetings(rt, top=top)})
