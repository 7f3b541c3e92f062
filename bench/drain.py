"""Goal 3: a backlog of notifications, written through the service layer before the server
starts, drained by the server's runner into the receiver, which checks per-call order."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import uvloop

from bench.databases import Database
from bench.options import Options
from bench.procs import (
    CALLING_BOT,
    Proc,
    bench_env,
    cpu_seconds,
    pinned,
    receiver_reset,
    receiver_stats,
    server_env,
    start_server,
)
from bench.results import Drain


def drain_round(
    opts: Options, workdir: Path, template: Path, rport: int, receiver: Proc, n: int
) -> Drain:
    database = Database.sqlite_copy(template, workdir / f"drain{n}.db")
    env = server_env(opts, rport, database.url)
    # Same source tree as the server (--src), so the same schema and service layer.
    argv = [sys.executable, "-m", "bench.enqueue", database.url, CALLING_BOT]
    argv += [str(opts.notifications)]
    enqueue_env = dict(env, PYTHONPATH=bench_env(opts)["PYTHONPATH"])
    done = subprocess.run(
        argv,
        env=enqueue_env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        preexec_fn=pinned(opts.client_core),
    )
    filled = json.loads(done.stdout.strip().splitlines()[-1])
    queued, enqueue_seconds = int(filled["queued"]), float(filled["seconds"])
    uvloop.run(receiver_reset(rport))
    server, _ = start_server(opts, workdir, env, f"drain{n}-server")
    try:
        deadline = time.time() + max(120.0, queued / 200)
        recorded = 0
        cpu0 = cpu_seconds(server.pid)
        while time.time() < deadline:
            recorded = database.count("SELECT count(*) FROM deliveries")
            if recorded >= queued:
                break
            time.sleep(0.02)
        finished = time.time()
        cpu1 = cpu_seconds(server.pid)
        got = uvloop.run(receiver_stats(rport))
        delivered = database.count("SELECT count(*) FROM deliveries WHERE outcome = 'delivered'")
        first = got["first"] or finished
        last = got["last"] or finished
        return Drain(
            notifications=queued,
            delivered=delivered,
            not_delivered=recorded - delivered,
            seconds=finished - first,
            receiver_seconds=last - first,
            enqueue_seconds=enqueue_seconds,
            # CPU from the moment the server listens (the runner may have started a little
            # earlier) to the end of the drain.
            server_cpu=(cpu1 - cpu0) / max(finished - first, 1e-9),
            received=int(got["count"]),
            calls=int(got["calls"]),
            order_violations=int(got["violations"]),
        )
    finally:
        server.stop()
