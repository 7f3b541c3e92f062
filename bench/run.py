"""``python -m bench``: create-call and notification throughput on this machine (README.md)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import uvloop
from rich.console import Console
from rich.table import Table

from bench.loadgen import LoadResult, Request, run_load

ROOT = Path(__file__).resolve().parent.parent
SEED_EXAMPLES = ROOT / "tests" / "data" / "seed-examples.json"
# Seed 003's create-call examples 1-2 are placed by this app (the dev directory's "Calling
# Bot", tenant Contoso), whose directory holds the target user John: so the call rings and
# is answered, as in the seed. ``callboard token``'s default app lives in another tenant.
CALLING_BOT = "2891555a-92ff-42e6-80fa-6e1300c6b5c6"
BOT_HOST = "https://bot.contoso.com"
HOST = "127.0.0.1"

GOAL_RATIO = 0.30
GOAL_P99_MS = 50.0
GOAL_NOTIFICATIONS = 1000.0

console = Console(width=None if sys.stdout.isatty() else 150)


# -- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def pinned(core: int | None) -> Any:
    if core is None:
        return None

    def pin() -> None:
        os.sched_setaffinity(0, {core})

    return pin


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self, timeout: float = 20.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)

    def tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def spawn(name: str, argv: list[str], workdir: Path, core: int | None, env: dict[str, str]) -> Proc:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
            preexec_fn=pinned(core),
        )
    return Proc(name, popen, log)


def wait_http(url: str, proc: Proc, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited early:\n{proc.tail()}")
        with contextlib.suppress(OSError):
            with socket.create_connection((HOST, int(url.rsplit(":", 1)[1].split("/")[0])), 1):
                pass
            return
        time.sleep(0.1)
    raise RuntimeError(f"{proc.name} did not listen within {timeout} s:\n{proc.tail()}")


# -- settings ------------------------------------------------------------------------------


@dataclass
class Options:
    duration: float
    warmup: float
    connections: int
    notifications: int
    rounds: int
    client: str
    server_core: int | None
    client_core: int | None
    src: str | None
    keep: bool
    json_path: str | None
    server_prefix: list[str]
    phases: tuple[str, ...]


def server_env(
    opts: Options, receiver_port: int, database_url: str, *, idle_parties: bool = False
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CALLBOARD_DATABASE_URL=database_url,
        CALLBOARD_CALLBACK_REWRITES=json.dumps({BOT_HOST: f"http://{HOST}:{receiver_port}"}),
        CALLBOARD_CALLBACK_LOOPBACK_ONLY="true",
    )
    if idle_parties:
        # The simulated callee rings and answers an hour later: while the load runs the
        # runner only delivers each call's establishing notification.
        env.update(CALLBOARD_CONNECT_DELAY_SECONDS="3600", CALLBOARD_ANSWER_DELAY_SECONDS="3600")
    if opts.src:
        env["PYTHONPATH"] = os.pathsep.join([opts.src, env.get("PYTHONPATH", "")]).rstrip(":")
    return env


def start_server(opts: Options, workdir: Path, env: dict[str, str], name: str) -> tuple[Proc, int]:
    port = free_port()
    argv = [*opts.server_prefix, sys.executable, "-m", "callboard", "serve"]
    argv += ["--host", HOST, "--port", str(port), "--log-level", "warning"]
    proc = spawn(name, argv, workdir, opts.server_core, env)
    wait_http(f"http://{HOST}:{port}", proc)
    return proc, port


def issue_token(workdir: Path, database_url: str, env: dict[str, str]) -> str:
    argv = [sys.executable, "-m", "callboard", "token", "--app", CALLING_BOT]
    argv += ["--database-url", database_url]
    out = subprocess.run(
        argv, env=env, cwd=workdir, capture_output=True, text=True, timeout=120, check=True
    )
    return out.stdout.strip()


def seed_body() -> dict[str, Any]:
    examples = json.loads(SEED_EXAMPLES.read_text())
    for example in examples:
        if example["name"] == "create-call-1" and example["kind"] == "request":
            body: dict[str, Any] = example["body"]
            return body
    raise LookupError("seed 003 create-call-1 is missing from tests/data/seed-examples.json")


# -- measurements --------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    completed: int
    statuses: dict[int, int]
    unexpected: int
    errors: int
    server_cpu: float  # fraction of one core, inside the window
    client_cpu: float
    receiver_cpu: float
    notified: int = 0  # notifications the receiver got inside the window
    backlog: int = 0  # webhook.deliver jobs still pending or running after the window
    # Create-call only: server CPU per call placed, from the start of the load (warm-up
    # included) until the runner has done everything due within 2 s (every notification
    # delivered, every near timer run): what a call costs in all, runner work included.
    cpu_ms_per_call: float = float("nan")
    calls: int = 0
    settle_seconds: float = 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        """Server CPU per response: steadier than req/s when other work steals the core."""
        return self.server_cpu / self.rps * 1000 if self.rps else float("nan")

    @classmethod
    def of(cls, result: LoadResult, cpu: dict[str, float], notified: int) -> Load:
        return cls(
            rps=result.rps,
            p50_ms=result.percentile_ms(50),
            p99_ms=result.percentile_ms(99),
            completed=result.completed,
            statuses=dict(result.statuses),
            unexpected=result.unexpected,
            errors=result.errors,
            server_cpu=cpu.get("server", 0.0),
            client_cpu=cpu.get("client", 0.0),
            receiver_cpu=cpu.get("receiver", 0.0),
            notified=notified,
        )


@dataclass
class Drain:
    notifications: int
    delivered: int
    not_delivered: int
    seconds: float
    receiver_seconds: float
    enqueue_seconds: float
    server_cpu: float

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms_per_notification(self) -> float:
        return self.server_cpu / self.rate * 1000 if self.rate else float("nan")


@dataclass
class Results:
    health: list[Load] = field(default_factory=list)
    create: list[Load] = field(default_factory=list)
    create_idle: list[Load] = field(default_factory=list)
    drain: list[Drain] = field(default_factory=list)
    loadavg: tuple[float, float, float] = (0.0, 0.0, 0.0)


async def receiver_stats(session: aiohttp.ClientSession, port: int) -> dict[str, Any]:
    async with session.get(f"http://{HOST}:{port}/_stats") as response:
        stats: dict[str, Any] = await response.json()
        return stats


async def receiver_reset(port: int) -> None:
    async with aiohttp.ClientSession() as session:
        await session.post(f"http://{HOST}:{port}/_reset")


async def measure(
    opts: Options, request: Request, server: Proc, receiver: Proc, server_port: int, rport: int
) -> Load:
    """One closed-loop load of ``request``, with CPU and notifications counted in the window."""
    pids = {"server": server.popen.pid, "receiver": receiver.popen.pid}
    marks: list[tuple[float, dict[str, float], int]] = []

    async def sample(session: aiohttp.ClientSession) -> None:
        stats = await receiver_stats(session, rport)
        cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
        cpu["client"] = time.process_time()
        marks.append((time.perf_counter(), cpu, int(stats["count"])))

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
    (t0, cpu0, n0), (t1, cpu1, n1) = marks
    cpu = {name: (cpu1[name] - cpu0[name]) / (t1 - t0) for name in cpu0}
    return Load.of(result, cpu, n1 - n0)


def count_rows(db: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        value: int = conn.execute(sql).fetchone()[0]
        return value
    finally:
        conn.close()


PENDING_DELIVERIES = (
    "SELECT count(*) FROM jobs WHERE kind = 'webhook.deliver' AND status IN ('pending', 'running')"
)


def settle(db: Path, horizon: float = 2.0, timeout: float = 120.0) -> float:
    """Wait until no job is pending or running that falls due within ``horizon`` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        due = "SELECT count(*) FROM jobs WHERE status IN ('pending', 'running') AND run_at <= "
        if count_rows(db, due + f"{time.time() + horizon}") == 0:
            break
        time.sleep(0.05)
    return time.monotonic() - started


def load_round(
    opts: Options,
    workdir: Path,
    template: Path,
    token: str,
    rport: int,
    receiver: Proc,
    name: str,
    phases: tuple[str, ...],
    *,
    idle_parties: bool = False,
) -> dict[str, Load]:
    """One server on a fresh copy of the database; the given loads, one after the other."""
    db = workdir / f"{name}.db"
    shutil.copy(template, db)
    env = server_env(opts, rport, f"sqlite:///{db}", idle_parties=idle_parties)
    server, port = start_server(opts, workdir, env, name)
    requests = {
        "health": Request("GET", "/_callboard/health", {}),
        "create": Request(
            "POST",
            "/v1.0/communications/calls",
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            json.dumps(seed_body()).encode(),
            expect=201,
        ),
    }
    try:
        uvloop.run(receiver_reset(rport))
        results = {}
        for phase in phases:
            cpu0 = cpu_seconds(server.popen.pid)
            results[phase] = uvloop.run(
                measure(opts, requests[phase], server, receiver, port, rport)
            )
            if phase == "create":
                load = results[phase]
                load.backlog = count_rows(db, PENDING_DELIVERIES)
                load.settle_seconds = settle(db)
                load.calls = count_rows(db, "SELECT count(*) FROM calls")
                load.cpu_ms_per_call = (cpu_seconds(server.popen.pid) - cpu0) / load.calls * 1000
        return results
    finally:
        server.stop()


def drain_round(
    opts: Options, workdir: Path, template: Path, rport: int, receiver: Proc, n: int
) -> Drain:
    db = workdir / f"drain{n}.db"  # the server's log is drain{n}-server.log
    shutil.copy(template, db)
    url = f"sqlite:///{db}"
    env = server_env(opts, rport, url)
    # Same source tree as the server (--src), so the same schema and service layer.
    argv = [sys.executable, "-m", "bench.enqueue", url, CALLING_BOT, str(opts.notifications)]
    enqueue_env = dict(env, PYTHONPATH=os.pathsep.join(filter(None, [opts.src, str(ROOT)])))
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
        done_sql = "SELECT count(*) FROM deliveries"
        delivered_sql = "SELECT count(*) FROM deliveries WHERE outcome = 'delivered'"
        recorded = 0
        cpu0 = cpu_seconds(server.popen.pid)
        while time.time() < deadline:
            recorded = count_rows(db, done_sql)
            if recorded >= queued:
                break
            time.sleep(0.02)
        finished = time.time()
        cpu1 = cpu_seconds(server.popen.pid)

        async def stats() -> dict[str, Any]:
            async with aiohttp.ClientSession() as session:
                return await receiver_stats(session, rport)

        got = uvloop.run(stats())
        delivered = count_rows(db, delivered_sql)
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
        )
    finally:
        server.stop()


# -- report --------------------------------------------------------------------------------


def median_load(loads: list[Load]) -> Load:
    if len(loads) == 1:
        return loads[0]
    by_rps = sorted(loads, key=lambda x: x.rps)
    mid = by_rps[len(by_rps) // 2]
    return Load(
        **{
            **asdict(mid),
            "rps": statistics.median(x.rps for x in loads),
            "p50_ms": statistics.median(x.p50_ms for x in loads),
            "p99_ms": statistics.median(x.p99_ms for x in loads),
        }
    )


def verdict(ok: bool) -> str:
    return "[bold green]PASS[/]" if ok else "[bold red]FAIL[/]"


def report(opts: Options, results: Results) -> dict[str, Any]:
    health = median_load(results.health) if results.health else None
    creates = {
        "create": median_load(results.create) if results.create else None,
        "create_idle": median_load(results.create_idle) if results.create_idle else None,
    }
    ratios = {
        name: load.rps / health.rps
        for name, load in creates.items()
        if load is not None and health is not None and health.rps
    }
    drain_rate = statistics.median(d.rate for d in results.drain) if results.drain else None
    client = "raw asyncio+httptools" if opts.client == "raw" else "aiohttp.ClientSession"
    rounds = f"median of {opts.rounds} rounds" if opts.rounds > 1 else "1 round"
    pinning = (
        f"server pinned to core {opts.server_core}; load generator and receiver to core "
        f"{opts.client_core}"
        if opts.server_core is not None
        else "nothing pinned"
    )
    table = Table(
        title=f"Callboard benchmark: SQLite file, {opts.connections} keep-alive connections, "
        f"{opts.duration:g} s measured after {opts.warmup:g} s warm-up, {rounds}",
        caption=(
            f"Load generator: Python ({client} on uvloop, closed loop, one process); {pinning}. "
            "PERF-NOTES.md measured with wrk (C): compare ratios, not absolute req/s. "
            "CPU: share of one core used inside the measured window; CPU ms/req: server CPU per "
            "response (or per notification), steadier than req/s on a busy machine. "
            "Job runner on, in the "
            "server process, delivering to the receiver. Load average at start: "
            f"{results.loadavg[0]:.2f} (other work on this machine makes absolute figures noisy)."
        ),
        caption_justify="left",
    )
    table.add_column("measurement")
    for column in ("req/s", "p50 ms", "p99 ms", "server CPU", "CPU ms/req", "client CPU"):
        table.add_column(column, justify="right")
    table.add_column("goal")
    table.add_column("result")

    def row(name: str, load: Load, goal: str = "", ok: bool | None = None) -> None:
        table.add_row(
            name,
            f"{load.rps:,.0f}",
            f"{load.p50_ms:.1f}",
            f"{load.p99_ms:.1f}",
            f"{load.server_cpu:.0%}",
            f"{load.cpu_ms_per_request:.2f}",
            f"{load.client_cpu:.0%}",
            goal,
            "" if ok is None else verdict(ok),
        )

    labels = {
        "create": ("(a) ", "create-call, simulated parties at default delays"),
        "create_idle": ("(a')", "create-call, simulated parties idle (delays 3600 s)"),
    }
    if health:
        row("(b)  ceiling: GET /_callboard/health", health)
    for name, load in creates.items():
        if load is not None:
            mark, label = labels[name]
            ok = load.p99_ms <= GOAL_P99_MS
            row(f"{mark} {label}", load, f"p99 ≤ {GOAL_P99_MS:g} ms", ok)
    ratio_labels = {"create": "(c)  ratio (a) / (b)", "create_idle": "(c') ratio (a') / (b)"}
    for name, ratio in ratios.items():
        goal = f"≥ {GOAL_RATIO:.2f}"
        ok = ratio >= GOAL_RATIO
        table.add_row(ratio_labels[name], f"{ratio:.2f}", "", "", "", "", "", goal, verdict(ok))
    # What a call costs with its notifications and timers: the rate one core can sustain.
    sustained = {}
    for name, load in creates.items():
        if load is None or math.isnan(load.cpu_ms_per_call):
            continue
        mark = "(e) " if name == "create" else "(e')"
        per_core = 1000 / load.cpu_ms_per_call
        table.add_row(
            f"{mark} {'sustainable' if name == 'create' else 'sustainable, idle parties'}: "
            "calls/s one core keeps up with",
            f"{per_core:,.0f}",
            "",
            "",
            "",
            f"{load.cpu_ms_per_call:.2f}",
            "",
            "",
            "",
        )
        if health is not None:
            sustained[name] = health.cpu_ms_per_request / load.cpu_ms_per_call
            label = "(f)  ratio (e) / (b), by CPU" if name == "create" else "(f') ratio (e') / (b)"
            table.add_row(
                label,
                f"{sustained[name]:.2f}",
                "",
                "",
                "",
                "",
                "",
                f"(≥ {GOAL_RATIO:.2f})",
                verdict(sustained[name] >= GOAL_RATIO),
            )
    if drain_rate is not None:
        d = results.drain[len(results.drain) // 2]
        table.add_row(
            f"(d)  notifications delivered/s ({d.notifications:,} queued)",
            f"{drain_rate:,.0f}",
            "",
            "",
            f"{d.server_cpu:.0%}",
            f"{d.cpu_ms_per_notification:.2f}",
            "",
            f"≥ {GOAL_NOTIFICATIONS:,.0f}/s",
            verdict(drain_rate >= GOAL_NOTIFICATIONS),
        )
    console.print(table)

    details = Table(title="Details", show_header=False)
    details.add_column("what")
    details.add_column("value")
    details.add_row(
        "request",
        "POST /v1.0/communications/calls with seed 003 create-call-1's body and a "
        "`callboard token --app` bearer token (the Calling Bot, tenant Contoso)",
    )
    for name, load in creates.items():
        if load is None:
            continue
        mark = labels[name][0].strip()
        statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(load.statuses.items()))
        details.add_row(
            f"{mark} responses in the window",
            f"{statuses or 'none'}; {load.unexpected} unexpected, {load.errors} connection errors",
        )
        details.add_row(
            f"{mark} notifications received in the window",
            f"{load.notified:,} ({load.notified / opts.duration:,.0f}/s); receiver CPU "
            f"{load.receiver_cpu:.0%}; {load.backlog:,} deliveries still queued at the end, "
            f"done {load.settle_seconds:.1f} s later ({load.calls:,} calls placed in all)",
        )
    for d in results.drain:
        details.add_row(
            "(d) drain",
            f"{d.delivered:,}/{d.notifications:,} delivered ({d.not_delivered} failed) in "
            f"{d.seconds:.2f} s, from the first POST to the last delivery row; the receiver had "
            f"the last POST at {d.receiver_seconds:.2f} s. Enqueued through the service layer "
            f"in {d.enqueue_seconds:.1f} s before the server started.",
        )
    if opts.rounds > 1:
        for name, loads in (
            ("(b)", results.health),
            ("(a)", results.create),
            ("(a')", results.create_idle),
        ):
            if loads:
                details.add_row(
                    f"{name} per round: req/s, p99 ms",
                    ", ".join(f"{x.rps:,.0f} / {x.p99_ms:.1f}" for x in loads),
                )
        if results.drain:
            details.add_row(
                "(d) per round: notifications/s", ", ".join(f"{d.rate:,.0f}" for d in results.drain)
            )
    console.print(details)

    def dump(load: Load | None) -> dict[str, Any] | None:
        return asdict(load) | {"cpu_ms": load.cpu_ms_per_request} if load else None

    return {
        "health": dump(health),
        **{name: dump(load) for name, load in creates.items()},
        "ratios": ratios,
        "sustained_ratios": sustained,
        "notifications_per_s": drain_rate,
        "drains": [
            asdict(d) | {"rate": d.rate, "cpu_ms": d.cpu_ms_per_notification} for d in results.drain
        ],
        "rounds": {
            "health": [dump(x) for x in results.health],
            "create": [dump(x) for x in results.create],
            "create_idle": [dump(x) for x in results.create_idle],
        },
        "options": asdict(opts),
        "loadavg": results.loadavg,
    }


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--duration", type=float, default=8.0, help="measured seconds per load")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before it")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument(
        "--notifications", type=int, default=10_000, help="backlog size for the drain test"
    )
    p.add_argument("--rounds", type=int, default=1, help="repeat and report medians")
    p.add_argument("--client", choices=("raw", "aiohttp"), default="raw")
    p.add_argument("--server-core", type=int, default=0)
    p.add_argument("--client-core", type=int, default=1)
    p.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    p.add_argument("--src", help="run the server from this source tree (compare variants)")
    p.add_argument(
        "--server-prefix", default="", help="wrap the server, e.g. 'py-spy record -o x --'"
    )
    p.add_argument(
        "--phases",
        default="health,create,create-idle,notify",
        help="comma-separated subset of health (b), create (a), create-idle (a'), notify (d)",
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--json", dest="json_path", help="also write the results as JSON here")
    a = p.parse_args(argv)
    if a.duration <= 0 or a.duration > 120 or a.warmup < 0 or a.warmup > 60:
        p.error("--duration must be in (0, 120] and --warmup in [0, 60]")
    if not 1 <= a.rounds <= 10 or not 1 <= a.connections <= 512:
        p.error("--rounds must be 1-10 and --connections 1-512")
    if not 0 < a.notifications <= 200_000:
        p.error("--notifications must be 1-200000")
    return Options(
        duration=a.duration,
        warmup=a.warmup,
        connections=a.connections,
        notifications=a.notifications,
        rounds=a.rounds,
        client=a.client,
        server_core=None if a.no_pin else a.server_core,
        client_core=None if a.no_pin else a.client_core,
        src=a.src,
        keep=a.keep,
        json_path=a.json_path,
        server_prefix=a.server_prefix.split(),
        phases=tuple(x.strip() for x in a.phases.split(",") if x.strip()),
    )


@contextlib.contextmanager
def workspace(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="callboard-bench-"))
    try:
        yield path
    finally:
        if keep:
            console.print(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    if opts.client_core is not None:
        os.sched_setaffinity(0, {opts.client_core})
    results = Results(loadavg=os.getloadavg())
    with workspace(opts.keep) as workdir:
        template = workdir / "template.db"
        env = server_env(opts, 0, f"sqlite:///{template}")
        console.print("[dim]issuing a token with `callboard token` (migrates the database)…[/]")
        token = issue_token(workdir, f"sqlite:///{template}", env)
        with contextlib.suppress(sqlite3.Error), sqlite3.connect(template) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rport = free_port()
        argv = [sys.executable, "-m", "bench.receiver", str(rport)]
        renv = dict(os.environ, PYTHONPATH=str(ROOT))
        receiver = spawn("receiver", argv, workdir, opts.client_core, renv)
        try:
            wait_http(f"http://{HOST}:{rport}", receiver)
            for n in range(opts.rounds):
                args = (opts, workdir, template, token, rport, receiver)
                phases = tuple(p for p in ("health", "create") if p in opts.phases)
                if phases:
                    console.print(f"[dim]round {n + 1}: {' then '.join(phases)}…[/]")
                    got = load_round(*args, f"round{n}", phases)
                    results.health += [got["health"]] if "health" in got else []
                    results.create += [got["create"]] if "create" in got else []
                if "create-idle" in opts.phases:
                    console.print(f"[dim]round {n + 1}: create with idle simulated parties…[/]")
                    got = load_round(*args, f"round{n}-idle", ("create",), idle_parties=True)
                    results.create_idle.append(got["create"])
                if "notify" in opts.phases:
                    console.print(
                        f"[dim]round {n + 1}: enqueueing {opts.notifications:,} notifications, "
                        "then draining…[/]"
                    )
                    results.drain.append(drain_round(opts, workdir, template, rport, receiver, n))
        finally:
            receiver.stop()
        summary = report(opts, results)
        if opts.json_path:
            Path(opts.json_path).write_text(json.dumps(summary, indent=2))
    return 0
