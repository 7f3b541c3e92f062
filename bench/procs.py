"""The processes a benchmark run starts: Callboard servers, the ceiling app, the receiver;
pinning, and reading their CPU and memory from /proc."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.options import Options

ROOT = Path(__file__).resolve().parent.parent
SEED_EXAMPLES = ROOT / "tests" / "data" / "seed-examples.json"
# Seed 003's create-call examples 1-2 are placed by this app (the dev directory's "Calling
# Bot", tenant Contoso), whose directory holds the target user John: so the call rings and
# is answered, as in the seed. ``callboard token``'s default app lives in another tenant.
CALLING_BOT = "2891555a-92ff-42e6-80fa-6e1300c6b5c6"
BOT_HOST = "https://bot.contoso.com"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def pinned(core: int | None) -> Callable[[], None] | None:
    if core is None:
        return None

    def pin() -> None:
        os.sched_setaffinity(0, {core})

    return pin


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    """Resident set size of a process now."""
    return int(_stat(pid)[21]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

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


def wait_listening(port: int, proc: Proc, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited early:\n{proc.tail()}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{proc.name} did not listen within {timeout} s:\n{proc.tail()}")


def bench_env(opts: Options) -> dict[str, str]:
    """The environment of a helper process (enqueue, ceiling, receiver): this tree's bench
    package, and the server's source tree when ``--src`` names one."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [opts.src, str(ROOT)]))
    return env


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
    """``callboard serve`` (uvicorn with uvloop and httptools, the job runner in process)."""
    port = free_port()
    argv = [*opts.server_prefix, sys.executable, "-m", "callboard", "serve"]
    argv += ["--host", HOST, "--port", str(port), "--log-level", "warning"]
    proc = spawn(name, argv, workdir, opts.server_core, env)
    wait_listening(port, proc)
    return proc, port


def start_ceiling(opts: Options, workdir: Path) -> tuple[Proc, int]:
    """The bare-Starlette ceiling app, pinned like the server."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.ceiling", str(port)]
    proc = spawn("ceiling", argv, workdir, opts.server_core, bench_env(opts))
    wait_listening(port, proc)
    return proc, port


def start_receiver(opts: Options, workdir: Path) -> tuple[Proc, int]:
    port = free_port()
    argv = [sys.executable, "-m", "bench.receiver", str(port)]
    proc = spawn("receiver", argv, workdir, opts.client_core, bench_env(opts))
    wait_listening(port, proc)
    return proc, port


def issue_token(workdir: Path, database_url: str, env: dict[str, str]) -> str:
    """A bearer token for the Calling Bot; ``callboard token`` migrates and keys the database."""
    argv = [sys.executable, "-m", "callboard", "token", "--app", CALLING_BOT]
    argv += ["--database-url", database_url]
    out = subprocess.run(
        argv, env=env, cwd=workdir, capture_output=True, text=True, timeout=120, check=True
    )
    return out.stdout.strip()


def seed_body() -> dict[str, Any]:
    """Seed 003 create-call-1's request body."""
    return seed_example("create-call-1", "request")


def seed_example(name: str, kind: str) -> dict[str, Any]:
    examples = json.loads(SEED_EXAMPLES.read_text())
    for example in examples:
        if example["name"] == name and example["kind"] == kind:
            body: dict[str, Any] = example["body"]
            return body
    raise LookupError(f"{name} ({kind}) is missing from tests/data/seed-examples.json")


async def receiver_stats(port: int, session: aiohttp.ClientSession | None = None) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        if session is None:
            session = await stack.enter_async_context(aiohttp.ClientSession())
        async with session.get(f"http://{HOST}:{port}/_stats") as response:
            stats: dict[str, Any] = await response.json()
            return stats
    raise AssertionError("unreachable")


async def receiver_reset(port: int) -> None:
    async with aiohttp.ClientSession() as session:
        await session.post(f"http://{HOST}:{port}/_reset")
