"""The bot's callback endpoint for the benchmark: an aiohttp server on loopback that answers
every POST with 200 and counts them. ``GET /_stats`` reports the count and the first and
last arrival times (``time.time()``); ``POST /_reset`` zeroes them.

Run as ``python -m bench.receiver PORT``; it prints ``ready`` once it listens.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import uvloop
from aiohttp import web


class Counter:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.first: float | None = None
        self.last: float | None = None
        self.bytes = 0

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path == "/_stats":
            stats = {"count": self.count, "first": self.first, "last": self.last}
            stats["bytes"] = self.bytes
            return web.Response(body=json.dumps(stats).encode(), content_type="application/json")
        if request.path == "/_reset":
            self.reset()
            return web.Response()
        body = await request.read()
        now = time.time()
        if self.first is None:
            self.first = now
        self.last = now
        self.count += 1
        self.bytes += len(body)
        return web.Response()


async def main(port: int) -> None:
    counter = Counter()
    server = web.Server(counter.handle, access_log=None)
    runner = web.ServerRunner(server, handle_signals=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    print("ready", flush=True)
    try:
        # Bounded: the benchmark stops it long before this.
        await asyncio.sleep(3600)
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    try:
        uvloop.run(main(int(sys.argv[1])))
    except KeyboardInterrupt:
        sys.exit(0)
