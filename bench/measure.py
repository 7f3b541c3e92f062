"""Closed-loop loads against a running server, with the server's and the receiver's CPU, the
notifications received and the delivery backlog sampled at both ends of the measured window."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
import uvloop

from bench.databases import Database
from bench.loadgen import Request, run_load
from bench.options import Options
from bench.procs import (
    HOST,
    Proc,
    cpu_seconds,
    receiver_reset,
    receiver_stats,
    seed_body,
    server_env,
    start_ceiling,
    start_server,
)
from bench.results import Load

CALLS_PATH = "/v1.0/communications/calls"


def create_request(token: str) -> Request:
    """POST create-call with seed 003 create-call-1's body, as a bot sends it."""
    return Request(
        "POST",
        CALLS_PATH,
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        json.dumps(seed_body()).encode(),
        expect=201,
    )


async def measure(
    opts: Options,
    request: Request,
    server: Proc,
    receiver: Proc,
    server_port: int,
    rport: int,
    database: Database | None = None,
) -> Load:
    """One closed-loop load of ``request``, with CPU, notifications and backlog in the window."""
    pids = {"server": server.pid, "receiver": receiver.pid}
    marks: list[tuple[float, dict[str, float], dict[str, Any], int]] = []

    async def sample(session: aiohttp.ClientSession) -> None:
        stats = await receiver_stats(rport, session)
        cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
        cpu["client"] = time.process_time()
        # In a thread: a count must not stall the load generator's loop.
        backlog = await asyncio.to_thread(database.backlog) if database is not None else 0
        marks.append((time.perf_counter(), cpu, stats, backlog))

    async with aiohttp.ClientSession() as session:

        async def sampler() -> None:
            await asyncio.sleep(opts.warmup)
            await sample(session)
            await asyncio.sleep(opts.duration)
            await sample(session)

        task = asyncio.create_task(sampler())
        result = await run_load(
            HOST,
            server_port,
            request,
            connections=opts.connections,
            warmup=opts.warmup,
            duration=opts.duration,
            client=opts.client,
        )
        await task
    (t0, cpu0, stats0, backlog0), (t1, cpu1, stats1, backlog1) = marks
    cpu = {name: (cpu1[name] - cpu0[name]) / (t1 - t0) for name in cpu0}
    load = Load.of(result, cpu, int(stats1["count"]) - int(stats0["count"]))
    load.backlog_start, load.backlog = backlog0, backlog1
    load.order_violations = int(stats1["violations"]) - int(stats0["violations"])
    return load


async def create_one(port: int, token: str) -> str:
    """Place one call over HTTP; its id (for the GET row)."""
    request = create_request(token)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"http://{HOST}:{port}{CALLS_PATH}", data=request.body, headers=request.headers
        ) as response,
    ):
        if response.status != 201:
            raise RuntimeError(f"create-call answered {response.status}: {await response.text()}")
        call: dict[str, Any] = await response.json()
        return str(call["id"])


def ceiling_round(opts: Options, workdir: Path, token: str, receiver: Proc, rport: int) -> Load:
    """The bare-Starlette app, pinned like the server, loaded with the create-call request."""
    proc, port = start_ceiling(opts, workdir)
    try:
        return uvloop.run(measure(opts, create_request(token), proc, receiver, port, rport))
    finally:
        proc.stop()


def callboard_round(
    opts: Options,
    workdir: Path,
    database: Database,
    token: str,
    receiver: Proc,
    rport: int,
    name: str,
    rows: tuple[str, ...],
    *,
    idle_parties: bool = False,
) -> dict[str, Load]:
    """One ``callboard serve`` on ``database``; the given rows (health, create, get), one
    after the other."""
    env = server_env(opts, rport, database.url, idle_parties=idle_parties)
    server, port = start_server(opts, workdir, env, name)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        uvloop.run(receiver_reset(rport))
        results = {}
        for row in rows:
            if row == "health":
                request = Request("GET", "/_callboard/health", {})
            elif row == "get":
                call_id = uvloop.run(create_one(port, token))
                database.settle()
                request = Request("GET", f"{CALLS_PATH}/{call_id}", auth)
            else:
                request = create_request(token)
            cpu0 = cpu_seconds(server.pid)
            calls0 = database.count("SELECT count(*) FROM calls")
            load = uvloop.run(measure(opts, request, server, receiver, port, rport, database))
            if row == "create":
                load.settle_seconds = database.settle()
                load.calls = database.count("SELECT count(*) FROM calls") - calls0
                if load.calls:
                    load.cpu_ms_per_call = (cpu_seconds(server.pid) - cpu0) / load.calls * 1000
            results[row] = load
        return results
    finally:
        server.stop()
