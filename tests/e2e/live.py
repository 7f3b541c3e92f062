"""Real ``callboard`` processes for end-to-end tests: start, wait until ready, stop.

Every address is loopback: the server binds 127.0.0.1 and the callback rewrites send
``https://bot.contoso.com`` to a local ``Receiver``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.conftest import CALLING_BOT, CONTOSO, TEST_BOT

BOT_HOST = "https://bot.contoso.com"
# Generous: on a shared two-core machine under load a start has taken over 30 s.
START_TIMEOUT = 90.0
STOP_TIMEOUT = 15.0
CLIENT_SECRETS = {CALLING_BOT: "calling-bot-secret", TEST_BOT: "test-bot-secret"}

PYCACHE = Path(tempfile.gettempdir()) / f"callboard-e2e-pycache-{getattr(os, 'getuid', str)()}"

T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def callboard_env(callback_target: str | None, **settings: Any) -> dict[str, str]:
    """The environment for a callboard process: no inherited ``CALLBOARD_*`` variables,
    development mode, callbacks to ``callback_target`` only, plus ``settings``
    (``answer_delay_seconds=0`` becomes ``CALLBOARD_ANSWER_DELAY_SECONDS=0``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBOARD_")}
    # Byte-code caches for the child processes, kept outside the source tree: where
    # PYTHONDONTWRITEBYTECODE is set (and the venv holds no .pyc files), every process
    # would compile all it imports, about 2 s of CPU per start.
    env.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["CALLBOARD_MODE"] = "development"
    env["CALLBOARD_CALLBACK_LOOPBACK_ONLY"] = "true"
    env["CALLBOARD_WEBHOOK_TIMEOUT_SECONDS"] = "5"
    if callback_target is not None:
        env["CALLBOARD_CALLBACK_REWRITES"] = json.dumps({BOT_HOST: callback_target})
    for name, value in settings.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        env[f"CALLBOARD_{name.upper()}"] = text
    return env


def wait_for(probe: Callable[[], T | None], *, timeout: float = 10.0, what: str = "condition") -> T:
    """Poll ``probe`` until it returns something truthy (real time, bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.02)


class Process:
    """A callboard subprocess whose output goes to a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path, cwd: Path) -> None:
        self.args = args
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "callboard", *args],
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the exit; SIGKILL if it does not stop in time."""
        if self.running:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(STOP_TIMEOUT)
                raise AssertionError(
                    f"callboard {self.args[0]} ignored {sig.name} for {STOP_TIMEOUT:.0f}s:\n"
                    + self.log()[-4000:]
                ) from None
        return self.popen.returncode


class LiveServer(Process):
    """``callboard serve`` on a loopback port, with an HTTP client for it."""

    def __init__(
        self, database_url: str, env: dict[str, str], workdir: Path, port: int | None = None
    ) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_path = workdir / f"serve-{self.port}-{time.monotonic_ns()}.log"
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--database-url", database_url]
        super().__init__(args, env, log_path, workdir)
        self.http = httpx.Client(base_url=self.url, timeout=10.0)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if not self.running:
                self.http.close()
                raise RuntimeError(
                    f"callboard serve exited with {self.popen.returncode}:\n{self.log()[-4000:]}"
                )
            try:
                if self.http.get("/_callboard/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"callboard serve not ready after {START_TIMEOUT:.0f}s")
            time.sleep(0.05)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.http.close()
        return super().stop(sig)

    # Graph API -------------------------------------------------------------------------

    def token(self, app_id: str, tenant_id: str = CONTOSO) -> str:
        """An app-only token from the client-credentials endpoint."""
        response = self.http.post(
            f"/{tenant_id}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app_id,
                "client_secret": CLIENT_SECRETS[app_id],
            },
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def graph(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return self.http.request(method, f"/v1.0{path}", headers=headers, **kwargs)

    def call_state(self, call_id: str, token: str) -> str:
        response = self.graph("GET", f"/communications/calls/{call_id}", token)
        assert response.status_code == 200, response.text
        state: str = response.json()["state"]
        return state

    # Control plane ---------------------------------------------------------------------

    def admin_call(self, call_id: str) -> dict[str, Any]:
        """A call in any state (Graph's GET answers 404 once it has ended)."""
        response = self.http.get(f"/_callboard/calls/{call_id}")
        assert response.status_code == 200, response.text
        call: dict[str, Any] = response.json()
        return call

    def advance(self, seconds: float) -> None:
        response = self.http.post("/_callboard/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.text

    def advance_until(
        self,
        probe: Callable[[], T | None],
        *,
        step: float = 1.0,
        timeout: float = 10.0,
        what: str = "condition",
    ) -> T:
        """Move the virtual clock forward one ``step`` at a time until ``probe`` holds."""

        def advanced() -> T | None:
            value = probe()
            if not value:
                self.advance(step)
            return value

        return wait_for(advanced, timeout=timeout, what=what)

    def jobs(self, **params: str) -> list[dict[str, Any]]:
        response = self.http.get("/_callboard/jobs", params={"$top": "1000", **params})
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()["value"]
        return rows

    def deliveries(self, **params: str) -> list[dict[str, Any]]:
        response = self.http.get("/_callboard/deliveries", params={"$top": "1000", **params})
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()["value"]
        return rows


def start_server(
    database_url: str, env: dict[str, str], workdir: Path, port: int | None = None
) -> LiveServer:
    """Start ``callboard serve`` and wait for /_callboard/health (retrying a port clash)."""
    for attempt in range(3):
        server = LiveServer(database_url, env, workdir, port)
        try:
            server.wait_ready()
        except RuntimeError:
            if port is not None or "address already in use" not in server.log() or attempt == 2:
                raise
            continue
        except BaseException:
            server.stop(signal.SIGKILL)
            raise
        return server
    raise AssertionError("unreachable")


def start_worker(database_url: str, env: dict[str, str], workdir: Path) -> Process:
    log_path = workdir / f"worker-{time.monotonic_ns()}.log"
    return Process(["worker", "--database-url", database_url], env, log_path, workdir)


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """Start a short-lived ``callboard`` command; collect it with ``communicate()``."""
    return subprocess.Popen(
        [sys.executable, "-m", "callboard", *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
