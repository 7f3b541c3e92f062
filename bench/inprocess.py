"""CPU per request and per call, in process: the app driven through raw ASGI calls.

``python -m bench.inprocess [--requests N] [--rounds R] [--database-url URL] [--profile PART]``

No network, no uvicorn, no load generator: each figure is ``time.process_time()`` over N
requests (or N calls' worth of runner work) divided by N, the minimum of R rounds. On a
machine shared with others this is the steady figure to compare variants with (wall-clock
req/s is not). Parts:

- ``create``: ``POST /v1.0/communications/calls`` (seed 003 create-call-1, as the benchmark);
- ``get``: ``GET /v1.0/communications/calls/{id}`` of one call;
- ``health``: ``GET /_callboard/health``;
- ``runner``: what the job runner does for each call created: the ``establishing``
  notification, the ring and answer timers, the ``established`` notification, with the
  call-record and presence observers (the clock is frozen and moved; the webhook sender is a
  fake that answers 200 at once, so only Callboard's own work is counted).

``--profile PART`` prints cProfile's top functions (cumulative and own time) for that part.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from callboard.app import attach, build_app, build_services, settle_heap
from callboard.clock import FrozenClock
from callboard.config import Settings
from callboard.jobs.webhooks import Reply
from callboard.services.token_issuing import issue_token
from callboard.store.db import make_engine, upgrade

CALLING_BOT = "2891555a-92ff-42e6-80fa-6e1300c6b5c6"
CALLS_PATH = "/v1.0/communications/calls"
PARTS = ("create", "get", "health", "runner")


class FakeSender:
    """Answers every notification POST with 200 at once."""

    def __init__(self) -> None:
        self.posts = 0

    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
        self.posts += 1
        return Reply(200)

    async def close(self) -> None:
        pass


def seed_body() -> dict[str, Any]:
    from bench.procs import seed_body as body

    return body()


class Harness:
    def __init__(self, database_url: str) -> None:
        self.clock = FrozenClock()
        self.sender = FakeSender()
        settings = Settings(
            database_url=database_url,
            run_jobs_in_process=False,
            callback_rewrites={"https://bot.contoso.com": "http://127.0.0.1:9"},
            callback_loopback_only=True,
            base_url="http://callboard.test",
        )
        self.app = build_app()
        services = build_services(settings, clock=self.clock, sender=self.sender)
        attach(self.app, services)
        self.rt = services.runtime
        self.runner = services.runner
        token = issue_token(self.rt, app_id=CALLING_BOT)
        self.auth = (b"authorization", f"Bearer {token}".encode())
        self.body = json.dumps(seed_body()).encode()
        self.loop = asyncio.new_event_loop()

    async def _call(
        self, method: str, path: str, body: bytes = b"", headers: list[tuple[bytes, bytes]] = ()
    ) -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"callboard.test"), *headers],
            "client": ("127.0.0.1", 50000),
            "server": ("callboard.test", 80),
            "state": {},
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 0
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)

    def create(self) -> str:
        headers = [
            self.auth,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self.body)).encode()),
        ]
        status, body = self.loop.run_until_complete(
            self._call("POST", CALLS_PATH, self.body, headers)
        )
        assert status == 201, body
        call_id: str = json.loads(body)["id"]
        return call_id

    def creates(self, n: int) -> None:
        headers = [
            self.auth,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self.body)).encode()),
        ]

        async def run() -> None:
            for _ in range(n):
                status, body = await self._call("POST", CALLS_PATH, self.body, headers)
                assert status == 201, body

        self.loop.run_until_complete(run())

    def gets(self, path: str, n: int, expect: int = 200) -> None:
        headers = [self.auth]

        async def run() -> None:
            for _ in range(n):
                status, body = await self._call("GET", path, b"", headers)
                assert status == expect, body

        self.loop.run_until_complete(run())

    def run_jobs(self) -> int:
        return self.loop.run_until_complete(self.runner.run_until_idle())

    def runner_work(self) -> None:
        """Everything the runner does for the calls created so far, up to established."""
        self.run_jobs()  # establishing notifications
        self.clock.advance(self.rt.settings.connect_delay_seconds)
        self.run_jobs()  # ring
        self.clock.advance(self.rt.settings.answer_delay_seconds)
        self.run_jobs()  # answer, established notifications


def measure(h: Harness, part: str, n: int, profile: cProfile.Profile | None) -> float:
    """CPU seconds per request (per call for ``runner``)."""
    run: Callable[[], None]
    if part == "create":
        run = lambda: h.creates(n)  # noqa: E731
    elif part == "get":
        path = f"{CALLS_PATH}/{h.create()}"
        h.runner_work()
        run = lambda: h.gets(path, n)  # noqa: E731
    elif part == "health":
        run = lambda: h.gets("/_callboard/health", n)  # noqa: E731
    else:
        h.runner_work()  # whatever earlier parts left
        h.creates(n)
        run = h.runner_work
    started = time.process_time()
    if profile is not None:
        profile.enable()
    run()
    if profile is not None:
        profile.disable()
    return (time.process_time() - started) / n


def sqlite_url(directory: Path) -> str:
    path = directory / "callboard.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--profile", choices=PARTS, default=None)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    parts = [p for p in args.only.split(",") if p]
    directory = Path(tempfile.mkdtemp(prefix="callboard-inprocess-"))
    try:
        url = args.database_url or sqlite_url(directory)
        h = Harness(url)
        # Warm-up: FastAPI prepares each route on its first request; caches fill.
        h.creates(200)
        h.runner_work()
        settle_heap()  # as ``callboard serve`` does after start-up
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for part in parts:
                # CPU time, not wall-clock: waits on the database and other processes do not count.
                profile = cProfile.Profile(time.process_time) if part == args.profile else None
                cpu = measure(h, part, args.requests, profile)
                best[part] = min(best.get(part, cpu), cpu)
                if profile is not None:
                    profile.dump_stats(f"/tmp/callboard-{part}.prof")
                    stats = pstats.Stats(profile).strip_dirs()
                    stats.sort_stats("cumulative").print_stats(args.top)
                    stats.sort_stats("tottime").print_stats(args.top)
        print(f"notifications posted: {h.sender.posts}")
        for part in parts:
            unit = "call" if part == "runner" else "request"
            print(f"{part:8} {best[part] * 1e6:8.0f} µs CPU per {unit}")
        h.rt.engine.dispose()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
