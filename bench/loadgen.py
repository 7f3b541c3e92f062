"""A closed-loop HTTP/1.1 load generator in Python: N keep-alive connections, each sending
its next request as soon as the previous response is complete (like wrk).

Two clients: ``raw`` (default) writes pre-built request bytes on asyncio protocols and
parses responses with httptools, so one core drives well over 10,000 requests/s; ``aiohttp``
uses ``aiohttp.ClientSession`` and runs out of client CPU far sooner (README.md).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import cast

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
