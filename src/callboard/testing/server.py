"""A real ``callboard serve --ephemeral`` process on a free loopback port, and a small client
for the development control plane (``/_callboard/*``) a test drives it with."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callboard.json_types import JsonObject

if TYPE_CHECKING:
    import httpx

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _setting_env(settings: JsonObject) -> dict[str, str]:
    """``answer_delay_seconds=0`` becomes ``CALLBOARD_ANSWER_DELAY_SECONDS=0``."""
    env = {}
    for name, value in settings.items():
        if isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, dict | list):
            text = json.dumps(value)
        else:
            text = str(value)
        env[f"CALLBOARD_{name.upper()}"] = text
    return env


class ServerClock:
    """The server's virtual clock (development mode)."""

    def __init__(self, server: CallboardServer) -> None:
        self._server = server

    def now(self) -> float:
        """The server's time, in seconds since the epoch."""
        document = self._server.admin("GET", "/clock").json()
        return datetime.fromisoformat(document["now"].replace("Z", "+00:00")).timestamp()

    def advance(self, seconds: float) -> float:
        """Move the server's time forward; what fell due runs at once. Returns the new time."""
        document = self._server.admin("POST", "/clock/advance", json={"seconds": seconds}).json()
        return datetime.fromisoformat(document["now"].replace("Z", "+00:00")).timestamp()


class CallboardServer:
    """``callboard serve --ephemeral`` (a temporary SQLite database, removed when it stops).

    ``settings`` are Callboard settings without the prefix (``answer_delay_seconds=0``,
    ``callback_rewrites={...}``, ``tls=True``); inherited ``CALLBOARD_*`` variables are not
    passed on, so the developer's own configuration cannot leak into a test.
    """

    def __init__(self, settings: JsonObject | None = None, *, workdir: Path | None = None):
        self.settings = dict(settings or {})
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="callboard-testing-"))
        self.settings.setdefault("data_dir", str(self.workdir / "data"))
        self.tls = bool(self.settings.get("tls"))
        self.port = 0
        self._popen: subprocess.Popen[bytes] | None = None
        self._http: httpx.Client | None = None
        self.clock = ServerClock(self)

    # Lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path | None:
        """With ``tls``: the development CA a client must trust (``REQUESTS_CA_BUNDLE``)."""
        if not self.tls:
            return None
        return Path(self.settings["data_dir"]) / "tls" / "dev-ca.pem"

    @property
    def log_path(self) -> Path:
        return self.workdir / "serve.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> CallboardServer:
        """Start and wait until it answers (a port taken meanwhile is retried)."""
        for attempt in range(3):
            self.port = free_port()
            self._spawn()
            try:
                self._wait_ready()
                return self
            except RuntimeError:
                if "address already in use" not in self.log() or attempt == 2:
                    raise
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")

    def _spawn(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBOARD_")}
        env["CALLBOARD_MODE"] = "development"
        # --ephemeral's temporary directory inside ours: if the server has to be killed (it
        # then cannot remove it), it goes with the work directory.
        env["TMPDIR"] = str(self.workdir)
        env.update(_setting_env(self.settings))
        args = [sys.executable, "-m", "callboard", "serve", "--ephemeral"]
        args += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        with self.log_path.open("ab") as log:
            self._popen = subprocess.Popen(
                args,
                env=env,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _wait_ready(self) -> None:
        import httpx

        assert self._popen is not None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._popen.poll() is not None:
                raise RuntimeError(
                    f"callboard serve exited with {self._popen.returncode}:\n{self.log()[-4000:]}"
                )
            ca_file = self.ca_file
            if ca_file is None or ca_file.exists():
                try:
                    verify: bool | ssl.SSLContext = (
                        ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
                    )
                    probe = httpx.get(f"{self.base_url}/_callboard/health", verify=verify)
                    if probe.status_code == 200:
                        self._http = httpx.Client(
                            base_url=self.base_url, timeout=30.0, verify=verify
                        )
                        return
                except httpx.TransportError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"callboard serve not ready after {START_TIMEOUT:.0f}s")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not stop in time; removes the work directory."""
        if self._http is not None:
            self._http.close()
            self._http = None
        popen, self._popen = self._popen, None
        if popen is not None and popen.poll() is None:
            popen.send_signal(signal.SIGTERM)
            try:
                popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait(STOP_TIMEOUT)
        if self._own_workdir:
            import shutil

            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> CallboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Control plane -----------------------------------------------------------------------

    @property
    def http(self) -> httpx.Client:
        """An HTTP client for the server (base URL set, the development CA trusted)."""
        if self._http is None:
            raise RuntimeError("the server is not running")
        return self._http

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A ``/_callboard`` request that must succeed (AssertionError with the body if not)."""
        response = self.http.request(method, f"/_callboard{path}", **kwargs)
        if response.status_code >= 300:
            raise AssertionError(
                f"{method} /_callboard{path}: {response.status_code} {response.text}"
            )
        return response

    def reset(self) -> None:
        """Forget every call, meeting, job, behaviour and SMS; the clock back to real time."""
        self.admin("POST", "/reset")

    def token(
        self, app: str | None = None, *, user: str | None = None, tenant: str | None = None
    ) -> str:
        """An access token signed by this server (default: the development bot app)."""
        body = {"app": app, "user": user, "tenant": tenant}
        token: str = self.admin("POST", "/token", json=body).json()["access_token"]
        return token

    def script(
        self,
        identity: str,
        response: str = "answer",
        *,
        answer_after_seconds: float | None = None,
        hang_up_after_seconds: float | None = None,
        steps: list[JsonObject] | None = None,
        transfer: str | None = None,
    ) -> JsonObject:
        """How a simulated party (user id, UPN or phone number) behaves when called:
        ``answer``, ``decline``, ``busy``, ``noAnswer`` or ``unreachable``; ``steps``, what it
        does once in the call (``{"afterSeconds": 2, "pressKeys": "1"}``, ``speak``, ``hold``,
        ``hangUp``…); ``transfer``, ``accept`` or ``refuse`` a transfer (docs/simulation.md)."""
        body: JsonObject = {"response": response}
        if answer_after_seconds is not None:
            body["answerAfterSeconds"] = answer_after_seconds
        if hang_up_after_seconds is not None:
            body["hangUpAfterSeconds"] = hang_up_after_seconds
        if steps is not None:
            body["script"] = steps
        if transfer is not None:
            body["transfer"] = transfer
        document: JsonObject = self.admin("PUT", f"/behaviours/{identity}", json=body).json()
        return document

    def party(self, call_id: str, action: str, **details: Any) -> JsonObject:
        """Make a simulated party of a call act now: ``pressKeys`` (``tones="12#"``),
        ``speak`` (``seconds=3``), ``hangUp``, ``answer``, ``decline``, ``hold``, ``unhold``;
        ``party=`` names one when the call has several (docs/simulation.md)."""
        path = f"/calls/{call_id}/party-actions"
        document: JsonObject = self.admin("POST", path, json={"action": action, **details}).json()
        return document

    @property
    def sms_outbox(self) -> list[JsonObject]:
        """Every virtual-appointment SMS recorded, oldest first."""
        rows: list[JsonObject] = self.admin("GET", "/sms", params={"$top": "1000"}).json()["value"]
        return rows
