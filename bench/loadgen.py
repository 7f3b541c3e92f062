"""A closed-loop HTTP/1.1 load generator in Python: N keep-alive connections, each sending
its next request as soon as the previous response is complete (like wrk).

``run_load`` drives one request for a time; ``run_create_delete`` creates a number of calls
and ends each with a DELETE of its ``Location`` as soon as it is created (the memory row).

Two clients: ``raw`` (default) writes pre-built request bytes on asyncio protocols and
parses responses with httptools, so one core drives well over 10,000 requests/s; ``aiohttp``
uses ``aiohttp.ClientSession`` and runs out of client CPU far sooner (README.md).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit

import aiohttp
import httptools


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    expect: int = 200

    def wire(self, host: str, port: int) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, completed in the window
    statuses: dict[int, int] = field(default_factory=dict)
    unexpected: int = 0
    errors: int = 0
    cpu_seconds: float = 0.0

    @property
    def completed(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile_ms(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index] * 1000


class _Window:
    """Which completions count: those that finish between ``start`` and ``end``."""

    def __init__(self, start: float, end: float, expect: int) -> None:
        self.start, self.end, self.expect = start, end, expect
        self.result = LoadResult(seconds=end - start)

    def record(self, sent: float, done: float, status: int) -> None:
        if not self.start <= done <= self.end:
            return
        r = self.result
        r.latencies.append(done - sent)
        r.statuses[status] = r.statuses.get(status, 0) + 1
        if status != self.expect:
            r.unexpected += 1


class _Connection(asyncio.Protocol):
    def __init__(self, payload: bytes, window: _Window, finished: asyncio.Future[None]) -> None:
        self._payload = payload
        self._window = window
        self._finished = finished
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._sent = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._send()

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            self._window.result.errors += 1
            self._close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._finished.done():
            self._window.result.errors += 1
            self._finished.set_result(None)

    # httptools callbacks
    def on_message_complete(self) -> None:
        now = time.perf_counter()
        self._window.record(self._sent, now, self._parser.get_status_code())
        if now < self._window.end:
            self._send()
        else:
            self._close()

    def _send(self) -> None:
        assert self._transport is not None
        self._sent = time.perf_counter()
        self._transport.write(self._payload)

    def _close(self) -> None:
        if not self._finished.done():
            self._finished.set_result(None)
        if self._transport is not None:
            self._transport.close()


async def _run_raw(
    host: str, port: int, request: Request, connections: int, window: _Window
) -> None:
    loop = asyncio.get_running_loop()
    payload = request.wire(host, port)
    finished: list[asyncio.Future[None]] = []
    for _ in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        finished.append(done)
        await loop.create_connection(
            lambda done=done: _Connection(payload, window, done),  # type: ignore[misc]
            host,
            port,
        )
    await asyncio.wait_for(asyncio.gather(*finished), timeout=window.end - time.perf_counter() + 30)


async def _run_aiohttp(
    host: str, port: int, request: Request, connections: int, window: _Window
) -> None:
    url = f"http://{host}:{port}{request.path}"
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            while True:
                sent = time.perf_counter()
                if sent >= window.end:
                    return
                try:
                    async with session.request(
                        request.method, url, data=request.body or None, headers=request.headers
                    ) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    window.result.errors += 1
                    continue
                window.record(sent, time.perf_counter(), status)

        await asyncio.gather(*(worker() for _ in range(connections)))


async def run_load(
    host: str,
    port: int,
    request: Request,
    *,
    connections: int = 32,
    warmup: float = 2.0,
    duration: float = 8.0,
    client: str = "raw",
) -> LoadResult:
    """Drive ``request`` for ``warmup + duration`` seconds; measure the last ``duration``."""
    start = time.perf_counter() + warmup
    window = _Window(start, start + duration, request.expect)
    cpu0 = time.process_time()
    runner = _run_raw if client == "raw" else _run_aiohttp
    await runner(host, port, request, connections, window)
    window.result.cpu_seconds = time.process_time() - cpu0
    return window.result


@dataclass
class CycleResult:
    """Calls created and ended by ``run_create_delete``."""

    created: int = 0
    ended: int = 0
    unexpected: int = 0  # a create that was not 201 with a Location, a DELETE that was not 204
    errors: int = 0
    seconds: float = 0.0


class _Cycle(asyncio.Protocol):
    """One connection: POST the create body, DELETE the call it made, repeat while the shared
    budget lasts."""

    def __init__(
        self,
        create: bytes,
        delete: Request,
        address: tuple[str, int],
        budget: list[int],
        result: CycleResult,
        finished: asyncio.Future[None],
    ) -> None:
        self._create = create
        self._delete = delete
        self._address = address
        self._budget = budget
        self._result = result
        self._finished = finished
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._location: bytes | None = None
        self._deleting = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._next_create()

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            self._result.errors += 1
            self._close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._finished.done():
            self._result.errors += 1
            self._finished.set_result(None)

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"location":
            self._location = value

    def on_message_complete(self) -> None:
        status = self._parser.get_status_code()
        assert self._transport is not None
        if self._deleting:
            self._deleting = False
            if status == 204:
                self._result.ended += 1
            else:
                self._result.unexpected += 1
            self._next_create()
            return
        location, self._location = self._location, None
        if status != 201 or location is None:
            self._result.unexpected += 1
            self._next_create()
            return
        self._result.created += 1
        self._deleting = True
        path = urlsplit(location.decode("latin-1")).path
        delete = Request("DELETE", path, self._delete.headers, expect=204)
        self._transport.write(delete.wire(*self._address))

    def _next_create(self) -> None:
        if self._budget[0] <= 0:
            self._close()
            return
        self._budget[0] -= 1
        assert self._transport is not None
        self._transport.write(self._create)

    def _close(self) -> None:
        if not self._finished.done():
            self._finished.set_result(None)
        if self._transport is not None:
            self._transport.close()


async def run_create_delete(
    host: str, port: int, create: Request, delete: Request, calls: int, *, connections: int = 32
) -> CycleResult:
    """Create ``calls`` calls with ``create`` and end each with a DELETE of its Location, with
    ``delete``'s headers; closed loop on ``connections`` keep-alive connections."""
    loop = asyncio.get_running_loop()
    payload = create.wire(host, port)
    budget = [calls]
    result = CycleResult()
    started = time.perf_counter()
    finished: list[asyncio.Future[None]] = []
    for _ in range(min(connections, calls)):
        done: asyncio.Future[None] = loop.create_future()
        finished.append(done)
        await loop.create_connection(
            lambda done=done: _Cycle(payload, delete, (host, port), budget, result, done),  # type: ignore[misc]
            host,
            port,
        )
    # Bounded: even a slow server does 20 calls a second.
    await asyncio.wait_for(asyncio.gather(*finished), timeout=60 + calls / 20)
    result.seconds = time.perf_counter() - started
    return result
