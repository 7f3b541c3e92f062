"""Goal 5: the server's RSS (from /proc) before and after a number of calls created and ended
over HTTP, and again after a further batch, to see whether it keeps growing."""

from __future__ import annotations

from pathlib import Path

import uvloop

from bench.databases import Database
from bench.loadgen import CycleResult, Request, run_create_delete
from bench.measure import create_request
from bench.options import Options
from bench.procs import HOST, rss_bytes, server_env, start_server
from bench.results import Memory

# Before the first RSS sample: enough calls that every route, the ORM's caches and the
# runner's pools are warm (a quarter of the batch in a short run).
WARMUP_CALLS = 1000


def memory_round(
    opts: Options, workdir: Path, database: Database, token: str, rport: int, n: int
) -> Memory:
    """Simulated parties at their default delays, as in goal 1: each call is created, its
    establishing notification queued, then ended (DELETE, terminating and terminated)."""
    env = server_env(opts, rport, database.url)
    server, port = start_server(opts, workdir, env, f"memory{n}")
    create = create_request(token)
    delete = Request("DELETE", "/", {"Authorization": create.headers["Authorization"]}, expect=204)

    def batch(calls: int) -> CycleResult:
        got = uvloop.run(
            run_create_delete(HOST, port, create, delete, calls, connections=opts.connections)
        )
        # The runner has done what the batch caused: RSS is not work in flight.
        database.settle(timeout=600.0)
        return got

    try:
        warm = batch(min(WARMUP_CALLS, opts.memory_calls // 4))
        rss_start = rss_bytes(server.pid)
        main = batch(opts.memory_calls)
        rss_after = rss_bytes(server.pid)
        further_calls = max(opts.memory_calls // 4, 100)
        further = batch(further_calls)
        rss_further = rss_bytes(server.pid)
        return Memory(
            calls=main.ended,
            further_calls=further.ended,
            rss_start=rss_start,
            rss_after=rss_after,
            rss_further=rss_further,
            seconds=main.seconds,
            unexpected=warm.unexpected + main.unexpected + further.unexpected,
            errors=warm.errors + main.errors + further.errors,
        )
    finally:
        server.stop()
