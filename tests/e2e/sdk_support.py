"""Helpers of the msgraph-sdk end-to-end tests: moving a live server's virtual clock until an
SDK probe holds, and the ``ODataError`` an SDK request raises."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from tests.e2e.live import LiveServer

T = TypeVar("T")
TIMEOUT = 20.0


async def until(
    server: LiveServer,
    what: str,
    probe: Callable[[], Awaitable[T | None]],
    *,
    step: float = 1.0,
    timeout: float = TIMEOUT,
) -> T:
    """Advance the virtual clock ``step`` seconds at a time until ``probe()`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        server.advance(step)
        await asyncio.sleep(0.02)


async def odata_error(request: Awaitable[Any]) -> ODataError:
    """The ``ODataError`` that ``request`` (which must fail) raises."""
    try:
        await request
    except ODataError as error:
        return error
    raise AssertionError("the request succeeded")
