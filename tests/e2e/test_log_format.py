"""``callboard serve`` with JSON logs: one object per line, a request line with its request-id
and call id, a delivery line with the call id, URL, status, latency and outcome."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import CALLING_BOT
from tests.e2e.conftest import Launcher
from tests.e2e.live import callboard_env, wait_for
from tests.support import Receiver, seed

pytestmark = pytest.mark.slow


def _lines(log: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def test_json_lines_for_requests_and_deliveries(
    receiver: Receiver, launcher: Launcher, tmp_path: Any
) -> None:
    env = callboard_env(receiver.url, log_format="json")
    server = launcher.serve(f"sqlite:///{tmp_path / 'logs.db'}", env)
    token = server.token(CALLING_BOT)
    created = server.graph(
        "POST", "/communications/calls", token, json=seed("create-call-1")["body"]
    )
    assert created.status_code == 201, created.text
    call_id = created.json()["id"]
    read = server.graph("GET", f"/communications/calls/{call_id}", token)

    def delivered() -> list[dict[str, Any]]:
        return [
            line
            for line in _lines(server.log())
            if line["logger"] == "callboard.deliveries" and line.get("callId") == call_id
        ]

    [delivery, *_] = wait_for(delivered, timeout=30, what="a delivery log line")
    assert delivery["outcome"] == "delivered"
    assert delivery["status"] == 200
    assert delivery["url"].startswith(receiver.url)
    assert delivery["latencyMs"] > 0

    lines = _lines(server.log())
    # Every line the server wrote (uvicorn's too) is a JSON object.
    assert all(not line.strip() or line.startswith("{") for line in server.log().splitlines())
    [get] = [
        line
        for line in lines
        if line["logger"] == "callboard.requests" and line["method"] == "GET" and line.get("callId")
    ]
    assert get["requestId"] == read.headers["request-id"]
    assert get["callId"] == call_id
    assert get["status"] == 200
    assert get["path"] == f"/v1.0/communications/calls/{call_id}"
