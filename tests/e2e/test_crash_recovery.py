"""kill -9 of a ``callboard worker`` mid-load: the other worker takes over its jobs within
seconds (the process registry's heartbeats), and every notification arrives."""

from __future__ import annotations

import json
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from sqlalchemy import text

from callboard.store.db import make_engine
from tests.conftest import CALLING_BOT
from tests.e2e.conftest import Launcher
from tests.e2e.live import callboard_env, wait_for
from tests.support import LoopbackServer, seed

pytestmark = pytest.mark.slow

CALLS = 12
MAX_CALLS = 60
# Each POST takes this long: the killed worker always has some in flight.
BOT_SECONDS = 0.3
# Heartbeats every second, dead after three: released at most about four seconds after the
# death, plus a look of the survivor and one POST. A shared machine gets a little slack.
RECOVERY_GOAL = 5.0
SLACK = 3.0


class SlowBot:
    """A callback endpoint that answers every POST after ``BOT_SECONDS``, noting when."""

    def __init__(self) -> None:
        self.received: list[tuple[float, str, str]] = []
        lock = threading.Lock()
        bot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                time.sleep(BOT_SECONDS)
                note = body["value"][0]
                with lock:
                    bot.received.append(
                        (time.monotonic(), note["resourceUrl"], note["resourceData"]["state"])
                    )
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = LoopbackServer(Handler)
        self.url = self._server.url

    def close(self) -> None:
        self._server.close()


def test_a_killed_worker_s_notifications_arrive_within_seconds(
    fresh_database_url: str, launcher: Launcher
) -> None:
    bot = SlowBot()
    try:
        timing = {"connect_delay_seconds": 0, "answer_delay_seconds": 0}
        env = callboard_env(f"{bot.url}/cb", runner_poll_seconds=0.05, **timing)
        server = launcher.serve(
            fresh_database_url, {**env, "CALLBOARD_RUN_JOBS_IN_PROCESS": "false"}
        )
        victim = launcher.worker(fresh_database_url, env)
        survivor = launcher.worker(fresh_database_url, env)
        token = server.token(CALLING_BOT)
        engine = make_engine(fresh_database_url)

        def held_by_victim() -> int:
            with engine.connect() as conn:
                return int(
                    conn.execute(
                        text(
                            "SELECT count(*) FROM jobs JOIN processes ON jobs.locked_by ="
                            " processes.id WHERE jobs.status = 'running' AND processes.pid = :pid"
                        ),
                        {"pid": victim.popen.pid},
                    ).scalar_one()
                )

        def registered() -> bool:
            with engine.connect() as conn:
                pids = {row.pid for row in conn.execute(text("SELECT pid FROM processes"))}
            return {victim.popen.pid, survivor.popen.pid} <= pids

        calls: list[str] = []
        try:
            wait_for(registered, timeout=90, what="both workers to register")
            # Calls one at a time until the victim holds some of their notifications (the two
            # workers compete for each one; every POST takes BOT_SECONDS).
            for _ in range(MAX_CALLS):
                response = server.graph(
                    "POST", "/communications/calls", token, json=seed("create-call-1")["body"]
                )
                assert response.status_code == 201, response.text
                calls.append(response.json()["id"])
                if len(calls) >= CALLS and held_by_victim():
                    break
            assert held_by_victim(), "the victim never held a notification"
        finally:
            engine.dispose()
        victim.popen.send_signal(signal.SIGKILL)
        victim.popen.wait(10)
        killed = time.monotonic()

        def complete() -> bool:
            seen = {(url, state) for _, url, state in bot.received}
            return all(
                (f"/communications/calls/{c}", s) in seen
                for c in calls
                for s in ("establishing", "established")
            )

        wait_for(complete, timeout=60, what="every notification")
        last = max(at for at, _, _ in bot.received)
        late = last - killed
        assert late <= RECOVERY_GOAL + SLACK, f"the last notification came {late:.1f} s late"
        # Per call, established never before establishing.
        for call_id in calls:
            states = [s for _, url, s in bot.received if url.endswith(call_id)]
            assert states.index("establishing") < states.index("established"), states
        assert survivor.running, survivor.log()[-4000:]
    finally:
        bot.close()
