"""The bot's callback endpoint for the benchmark: an aiohttp server on loopback that answers
every POST with 200, counts them, and checks that each call's notifications arrive in order.

Order: a call's notifications carry the call's version in ``resourceData["@odata.etag"]``
(``W/"7"``); the version never goes down in a call's order of events, and within one version
(one commit) a call's state never goes back (terminating before terminated). A notification
that breaks either rule is an order violation.

``GET /_stats`` reports the count, the first and last arrival times (``time.time()``), the
bytes, the distinct calls and the order violations; ``POST /_reset`` zeroes them.
Run as ``python -m bench.receiver PORT``; it prints ``ready`` once it listens.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import uvloop
from aiohttp import web

# Where a call state sits in a call's life, to order two notifications of one commit.
STATE_RANK = {
    "incoming": 0,
    "establishing": 1,
    "ringing": 2,
    "established": 3,
    "terminating": 8,
    "terminated": 9,
}


class OrderCheck:
    """Per call: the highest version seen, and the state rank last seen at that version."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[int, int]] = {}
        self.violations = 0

    def see(self, notification: dict[str, Any]) -> None:
        parts = str(notification.get("resourceUrl", "")).split("/")
        data = notification.get("resourceData")
        if len(parts) < 4 or parts[2] != "calls" or not isinstance(data, dict):
            return
        etag = data.get("@odata.etag")
        if not isinstance(etag, str) or not etag.startswith('W/"'):
            return
        version = int(etag[3:-1])
        # Operations (…/operations/{id}) carry a version but no call state: rank -1.
        is_state = len(parts) == 4 and "state" in data
        rank = STATE_RANK.get(str(data.get("state")), 5) if is_state else -1
        call = parts[3]
        previous = self.last.get(call)
        if previous is not None:
            last_version, last_rank = previous
            if version < last_version or (version == last_version and 0 <= rank < last_rank):
                self.violations += 1
                return
            if version == last_version and rank < 0:
                return
        self.last[call] = (version, rank)


class Counter:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.first: float | None = None
        self.last: float | None = None
        self.bytes = 0
        self.order = OrderCheck()

    def stats(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "first": self.first,
            "last": self.last,
            "bytes": self.bytes,
            "calls": len(self.order.last),
            "violations": self.order.violations,
        }

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path == "/_stats":
            body = json.dumps(self.stats()).encode()
            return web.Response(body=body, content_type="application/json")
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
        try:
            for notification in json.loads(body).get("value", []):
                self.order.see(notification)
        except (ValueError, AttributeError, TypeError):
            pass  # not a commsNotifications body: counted, not ordered
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
