"""Reliability rows: slow-bot isolation, crash recovery, scale-out with workers.

Run as ``python -m bench.reliability`` (``--only isolation,recovery,scaleout``; ``--quick``
for a smoke run with small numbers). Each row is printed with its goal beside it:

- isolation: a healthy bot's notification latency (call created -> its ``establishing``
  notification received), p99 with the bot alone, then again while 50 calls point at a bot
  that never answers. Goal: loaded p99 <= 2 x idle p99. One ``callboard serve`` on SQLite.
- recovery: ``serve`` without its runner plus two ``callboard worker`` processes; one worker
  is SIGKILLed while it holds notifications (the bot answers each POST after 0.2 s). Recovery
  = from the kill to the moment every notification the dead worker held is delivered by the
  other. Goal <= 5 s. Every notification must arrive.
- scaleout: on PostgreSQL, a backlog of notifications (``bench.enqueue``) drained by 1 then 2
  workers beside a ``serve`` that runs no jobs: notifications/s in all and per worker (goal
  >= 2,000/s per worker), duplicates and per-call order violations at the receiver (goal 0),
  and the recovery time when one of two workers is killed mid-drain (goal <= 5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from aiohttp import web

from bench.databases import Database, postgres_schema, postgres_unreachable
from bench.procs import (
    BOT_HOST,
    CALLING_BOT,
    HOST,
    ROOT,
    Proc,
    free_port,
    issue_token,
    seed_body,
    spawn,
    wait_listening,
)

SLOW_HOST = "https://slow.contoso.com"
HANGING_CALLS = 50
# A healthy notification later than this counts as stuck (the row prints it as the p99).
WAIT_SECONDS = 30.0


def _env(database_url: str, rewrites: dict[str, str], src: str | None, **settings: Any) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBOARD_")}
    env.update(
        CALLBOARD_DATABASE_URL=database_url,
        CALLBOARD_CALLBACK_REWRITES=json.dumps(rewrites),
        CALLBOARD_CALLBACK_LOOPBACK_ONLY="true",
    )
    for name, value in settings.items():
        env[f"CALLBOARD_{name.upper()}"] = str(value)
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(":")
    return env


def _serve(workdir: Path, env: dict[str, str], name: str) -> tuple[Proc, int]:
    port = free_port()
    argv = [sys.executable, "-m", "callboard", "serve", "--host", HOST, "--port", str(port)]
    proc = spawn(name, [*argv, "--log-level", "warning"], workdir, None, env)
    wait_listening(port, proc)
    return proc, port


def _worker(workdir: Path, env: dict[str, str], name: str) -> Proc:
    argv = [sys.executable, "-m", "callboard", "worker", "--database-url"]
    return spawn(name, [*argv, env["CALLBOARD_DATABASE_URL"]], workdir, None, env)


class Bot:
    """An in-process callback endpoint: arrival time of each call's first notification,
    every notification's (call, state), an optional delay per POST, or no answer at all."""

    def __init__(self, delay: float = 0.0, hang: bool = False) -> None:
        self.delay, self.hang = delay, hang
        self.first: dict[str, float] = {}
        self.seen: list[tuple[str, str]] = []
        self.arrived = asyncio.Event()
        self.port = free_port()
        self._runner: web.ServerRunner | None = None

    async def start(self) -> None:
        self._runner = web.ServerRunner(web.Server(self._handle), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, self.port, backlog=1024).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        body = await request.read()
        if self.hang:
            await asyncio.sleep(3600)
        if self.delay:
            await asyncio.sleep(self.delay)
        for note in json.loads(body).get("value", []):
            call = str(note.get("resourceUrl", "")).rsplit("/", 1)[-1]
            self.first.setdefault(call, time.monotonic())
            self.seen.append((call, str(note.get("resourceData", {}).get("state"))))
        self.arrived.set()
        return web.Response(status=202)


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else values[0]


async def _latencies(session: aiohttp.ClientSession, port: int, bot: Bot, n: int) -> list[float]:
    """Create ``n`` calls one after the other; ms from each POST to its first notification."""
    result = []
    for _ in range(n):
        started = time.monotonic()
        async with session.post(
            f"http://{HOST}:{port}/v1.0/communications/calls", json=seed_body()
        ) as response:
            call_id = (await response.json())["id"]
        while call_id not in bot.first:
            bot.arrived.clear()
            try:
                await asyncio.wait_for(
                    bot.arrived.wait(), started + WAIT_SECONDS - time.monotonic()
                )
            except TimeoutError:
                # Stuck behind the hanging bot (the runner before isolation): stop here.
                return [*result, WAIT_SECONDS * 1000]
        result.append((bot.first[call_id] - started) * 1000)
    return result


async def _isolation(workdir: Path, calls: int, src: str | None) -> dict[str, float]:
    healthy, hanging = Bot(), Bot(hang=True)
    await healthy.start()
    await hanging.start()
    database_url = f"sqlite:///{workdir / 'isolation.db'}"
    rewrites = {BOT_HOST: healthy.url, SLOW_HOST: hanging.url}
    env = _env(
        database_url,
        rewrites,
        src,
        connect_delay_seconds=3600,
        answer_delay_seconds=3600,
        webhook_timeout_seconds=60,
    )
    token = issue_token(workdir, database_url, env)
    server, port = _serve(workdir, env, "isolation-serve")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with aiohttp.ClientSession(headers=headers) as session:
            await _latencies(session, port, healthy, 10)  # warm-up
            idle = _p99(await _latencies(session, port, healthy, calls))
            slow = dict(seed_body(), callbackUri=f"{SLOW_HOST}/api/calls")
            url = f"http://{HOST}:{port}/v1.0/communications/calls"
            for _ in range(HANGING_CALLS):
                async with session.post(url, json=slow) as response:
                    assert response.status == 201, await response.text()
            await asyncio.sleep(0.5)  # their POSTs are in flight, hanging
            loaded = _p99(await _latencies(session, port, healthy, calls))
    finally:
        server.popen.kill()
        server.popen.wait()
        await healthy.stop()
        await hanging.stop()
    return {"idle_p99_ms": idle, "loaded_p99_ms": loaded}


def _held_by(database: Database, pid: int) -> list[int]:
    sql = (
        "SELECT jobs.id FROM jobs JOIN processes ON jobs.locked_by = processes.id "
        f"WHERE jobs.status = 'running' AND processes.pid = {pid}"
    )
    with _connection(database) as conn:
        return [int(r[0]) for r in conn.execute(sql).fetchall()]


@contextmanager
def _connection(database: Database) -> Iterator[Any]:
    if database.url.startswith("sqlite:///"):
        import sqlite3

        conn = sqlite3.connect(database.url.removeprefix("sqlite:///"), timeout=30)
    else:
        conn = psycopg.connect(database.url, autocommit=True)
    try:
        yield conn
    finally:
        conn.close()


def _all_done(database: Database, job_ids: list[int]) -> bool:
    if not job_ids:
        return True
    ids = ",".join(str(i) for i in job_ids)
    with _connection(database) as conn:
        sql = f"SELECT count(*) FROM jobs WHERE id IN ({ids}) AND status = 'done'"
        return int(conn.execute(sql).fetchone()[0]) == len(job_ids)


def _kill_and_time(database: Database, victim: Proc, timeout: float = 60.0) -> tuple[float, int]:
    """Kill ``victim`` once it holds jobs; seconds until they are all done, and how many."""
    deadline = time.monotonic() + timeout
    held: list[int] = []
    while not held and time.monotonic() < deadline:
        held = _held_by(database, victim.pid)
        time.sleep(0.01)
    victim.popen.send_signal(signal.SIGKILL)
    victim.popen.wait()
    killed = time.monotonic()
    while not _all_done(database, held):
        if time.monotonic() > deadline:
            return float("inf"), len(held)
        time.sleep(0.02)
    return time.monotonic() - killed, len(held)


async def _recovery(workdir: Path, calls: int, src: str | None) -> dict[str, float]:
    bot = Bot(delay=0.2)
    await bot.start()
    database = Database(f"sqlite:///{workdir / 'recovery.db'}")
    timing = {"connect_delay_seconds": 0, "answer_delay_seconds": 0, "runner_poll_seconds": 0.05}
    env = _env(database.url, {BOT_HOST: bot.url}, src, **timing)
    token = issue_token(workdir, database.url, env)
    server, port = _serve(workdir, dict(env, CALLBOARD_RUN_JOBS_IN_PROCESS="false"), "rec-serve")
    workers = [_worker(workdir, env, f"rec-worker{i}") for i in range(2)]
    try:
        await asyncio.sleep(3)  # both workers up
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as s:
            for _ in range(calls):
                url = f"http://{HOST}:{port}/v1.0/communications/calls"
                async with s.post(url, json=seed_body()) as response:
                    assert response.status == 201, await response.text()
        seconds, held = await asyncio.to_thread(_kill_and_time, database, workers[0])
        deadline = time.monotonic() + 60
        while len({c for c, s in bot.seen if s == "established"}) < calls:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        complete = len({c for c, s in bot.seen if s == "established"})
    finally:
        for proc in [*workers, server]:
            proc.stop()
        await bot.stop()
    return {"recovery_s": seconds, "held": held, "calls": calls, "complete": complete}


def _receiver(workdir: Path) -> tuple[Proc, int]:
    port = free_port()
    proc = spawn(
        "receiver",
        [sys.executable, "-m", "bench.receiver", str(port)],
        workdir,
        None,
        dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    wait_listening(port, proc)
    return proc, port


def _stats(port: int) -> dict[str, Any]:
    async def get() -> dict[str, Any]:
        async with aiohttp.ClientSession() as s, s.get(f"http://{HOST}:{port}/_stats") as r:
            stats: dict[str, Any] = await r.json()
            return stats

    return asyncio.run(get())


def _drain(workdir: Path, workers: int, notifications: int, src: str | None, kill: bool) -> dict:
    receiver, rport = _receiver(workdir)
    try:
        with postgres_schema() as database:
            env = _env(database.url, {BOT_HOST: f"http://{HOST}:{rport}"}, src)
            subprocess_env = dict(env, PYTHONPATH=os.pathsep.join(filter(None, [src, str(ROOT)])))
            import subprocess

            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.enqueue",
                    database.url,
                    CALLING_BOT,
                    str(notifications),
                ],
                env=subprocess_env,
                capture_output=True,
                text=True,
                check=True,
                timeout=900,
            )
            queued = int(json.loads(out.stdout.strip().splitlines()[-1])["queued"])
            server, _ = _serve(workdir, dict(env, CALLBOARD_RUN_JOBS_IN_PROCESS="false"), "so")
            procs = [_worker(workdir, env, f"so-worker{i}") for i in range(workers)]
            recovery = None
            try:
                if kill:
                    recovery, _held = _kill_and_time(database, procs[0], timeout=120)
                deadline = time.monotonic() + 300
                while database.count("SELECT count(*) FROM deliveries") < queued:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                finished = time.time()
                stats = _stats(rport)
            finally:
                for proc in [*procs, server]:
                    proc.stop()
            seconds = max(finished - (stats["first"] or finished), 1e-9)
            return {
                "workers": workers,
                "queued": queued,
                "rate": stats["count"] / seconds,
                "duplicates": max(0, stats["count"] - queued),
                "violations": stats["violations"],
                "recovery_s": recovery,
            }
    finally:
        receiver.stop()


def _row(name: str, value: str, goal: str, met: bool | None) -> None:
    verdict = "" if met is None else ("met" if met else "missed")
    print(f"{name:<62} {value:>14}   goal {goal:<14} {verdict}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="isolation,recovery,scaleout")
    parser.add_argument("--quick", action="store_true", help="small numbers: a smoke run")
    parser.add_argument("--src", help="run the servers from another source tree")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    calls = 30 if args.quick else 200
    notifications = 2_000 if args.quick else 20_000
    print(f"machine load average at start: {os.getloadavg()[0]:.2f} (figures are noisy when busy)")
    with tempfile.TemporaryDirectory(prefix="cbrel") as tmp:
        workdir = Path(tmp)
        if "isolation" in only:
            got = asyncio.run(_isolation(workdir, calls, args.src))
            _row("healthy bot p99, alone (ms)", f"{got['idle_p99_ms']:.1f}", "reference", None)
            ratio = got["loaded_p99_ms"] / got["idle_p99_ms"]
            _row(
                f"healthy bot p99, {HANGING_CALLS} calls at a hanging bot (ms)",
                f"{got['loaded_p99_ms']:.1f} ({ratio:.2f}x)",
                "<= 2x alone",
                ratio <= 2,
            )
        if "recovery" in only:
            got = asyncio.run(_recovery(workdir, calls // 3 or 10, args.src))
            _row(
                f"recovery after kill -9 of a worker ({got['held']:.0f} held), SQLite (s)",
                f"{got['recovery_s']:.2f}",
                "<= 5 s",
                got["recovery_s"] <= 5,
            )
            _row(
                "calls with every notification after the kill",
                f"{got['complete']:.0f}/{got['calls']:.0f}",
                "all",
                got["complete"] == got["calls"],
            )
        if "scaleout" in only:
            reason = postgres_unreachable()
            if reason:
                print(f"scaleout skipped: {reason}")
                return
            for workers in (1, 2):
                got = _drain(workdir, workers, notifications, args.src, kill=False)
                per = got["rate"] / workers
                _row(
                    f"PostgreSQL drain, {workers} worker(s): notifications/s",
                    f"{got['rate']:,.0f}",
                    "",
                    None,
                )
                _row(f"  per worker ({workers})", f"{per:,.0f}", ">= 2,000/s", per >= 2000)
                _row(
                    f"  duplicates, order violations ({workers})",
                    f"{got['duplicates']}, {got['violations']}",
                    "0, 0",
                    got["duplicates"] == 0 and got["violations"] == 0,
                )
            got = _drain(workdir, 2, notifications, args.src, kill=True)
            _row(
                "PostgreSQL drain, 2 workers, one killed: recovery (s)",
                f"{got['recovery_s']:.2f}",
                "<= 5 s",
                (got["recovery_s"] or 99) <= 5,
            )
            _row(
                "  duplicates, order violations after the kill",
                f"{got['duplicates']}, {got['violations']}",
                "reported",
                None,
            )


if __name__ == "__main__":
    main()
