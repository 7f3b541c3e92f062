"""The bare-Starlette ceiling: what one core serves when the request does no work.

``POST /v1.0/communications/calls`` parses the JSON body (the benchmark sends create-call's)
and answers 201 with a fixed 2 KB call; ``GET /v1.0/communications/calls/{id}`` answers 200
with the same call. uvicorn with uvloop and httptools, as ``callboard serve`` runs.

Run as ``python -m bench.ceiling PORT``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.procs import HOST, seed_example

CALL_BYTES = 2048


def fixed_call() -> bytes:
    """Seed 003 create-call-1's response, padded to exactly 2 KB of JSON."""
    call: dict[str, Any] = dict(seed_example("create-call-1", "response"))
    call["@odata.context"] = (
        "https://graph.microsoft.com/v1.0/$metadata#communications/calls/$entity"
    )
    call["padding"] = ""
    size = len(json.dumps(call, separators=(",", ":")).encode())
    call["padding"] = " " * max(0, CALL_BYTES - size)
    return json.dumps(call, separators=(",", ":")).encode()


CALL = fixed_call()


async def create(request: Request) -> Response:
    await request.json()
    return Response(CALL, 201, media_type="application/json")


async def get(request: Request) -> Response:
    return Response(CALL, 200, media_type="application/json")


app = Starlette(
    routes=[
        Route("/v1.0/communications/calls", create, methods=["POST"]),
        Route("/v1.0/communications/calls/{call_id}", get, methods=["GET"]),
    ]
)


if __name__ == "__main__":
    uvicorn.run(
        app,
        host=HOST,
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
