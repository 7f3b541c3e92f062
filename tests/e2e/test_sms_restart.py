"""A pending SMS reminder survives a crash (SIGKILL) of ``callboard serve`` and fires once,
at its moment on the virtual clock, after the restart (SQLite and PostgreSQL)."""

from __future__ import annotations

import signal
from datetime import datetime
from typing import Any

import pytest

from tests.conftest import CALLING_BOT
from tests.e2e.conftest import Launcher
from tests.e2e.live import LiveServer, callboard_env, run_cli, wait_for
from tests.support import Receiver, seed

pytestmark = pytest.mark.slow

DUE = "2030-01-15T16:45:00Z"


def _messages(server: LiveServer) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = server.http.get("/_callboard/sms").json()["value"]
    return rows


def _now(server: LiveServer) -> float:
    now = server.http.get("/_callboard/clock").json()["now"]
    return datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()


def test_reminder_survives_a_crash(
    database_url: str, receiver: Receiver, launcher: Launcher
) -> None:
    env = callboard_env(receiver.url)
    first = launcher.serve(database_url, env)
    popen = run_cli(
        [
            "token",
            "--app",
            CALLING_BOT,
            "--user",
            "dana@contoso.com",
            "--database-url",
            database_url,
        ],
        env,
        launcher.workdir,
    )
    out, err = popen.communicate(timeout=60)
    assert popen.returncode == 0, err
    request = seed("reminder-sms")
    response = first.http.post(
        request["url"], json=request["body"], headers={"Authorization": f"Bearer {out.strip()}"}
    )
    assert response.status_code == 202, response.text
    assert [m["status"] for m in _messages(first)] == ["scheduled", "failed"]
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL

    second = launcher.serve(database_url, env, port=first.port)
    due = datetime.fromisoformat(DUE.replace("Z", "+00:00")).timestamp()
    second.advance(due - _now(second) - 5)
    assert _messages(second)[0]["status"] == "scheduled"
    second.advance(5)
    wait_for(lambda: _messages(second)[0]["status"] == "delivered", what="the reminder")
    message = _messages(second)[0]
    assert message["attempts"] == 1
    second.advance(3600)
    assert _messages(second)[0]["attempts"] == 1
    jobs = second.jobs(kind="sms.send")
    assert [j["status"] for j in jobs] == ["done"]
