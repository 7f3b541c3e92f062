"""The ``callboard`` pytest fixture: registered by the package, lazy, fresh state per test,
and the documented example (docs/examples) passing under it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest

from callboard.testing.plugin import Callboard

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BOB = "b0b00000-0000-4000-8000-000000000002"
ALICE = "alice@callboard.dev"
DEV_TENANT = "c0ffee00-0000-4000-8000-000000000001"
DEV_APP = "b07b0700-0000-4000-8000-000000000001"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CALLBOARD_")}


def test_the_plugin_is_registered_and_starts_nothing_on_import() -> None:
    (registered,) = [e for e in entry_points(group="pytest11") if e.name == "callboard"]
    assert registered.value == "callboard.testing.plugin"
    probe = (
        "import sys, threading, callboard.testing.plugin\n"
        "heavy = [m for m in ('callboard.app', 'fastapi', 'sqlalchemy', 'httpx', 'uvicorn')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert threading.active_count() == 1\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_the_documented_example_passes_with_the_fixture(tmp_path: Path) -> None:
    # A separate pytest run, as a bot's own suite would be: the fixture comes from the
    # installed entry point alone (the repository's warnings-as-errors settings apply).
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "docs/examples"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


def test_fixture_basics(callboard: Callboard) -> None:
    assert httpx.get(f"{callboard.base_url}/_callboard/health").status_code == 200
    token = callboard.token(user=ALICE)
    response = httpx.post(
        f"{callboard.graph_url}/me/onlineMeetings",
        headers={"Authorization": f"Bearer {token}"},
        json={"subject": "Plugin check"},
    )
    assert response.status_code == 201, response.text
    assert callboard.sms_outbox == []
    assert callboard.script(BOB, "decline")["response"] == "decline"
    assert callboard.http.get("/_callboard/behaviours").json() != {}


def test_state_is_fresh_in_every_test(callboard: Callboard) -> None:
    # Whatever the test before did (in any order): no behaviours, nothing received, real time.
    assert callboard.http.get("/_callboard/behaviours").json() in ({}, {"value": {}})
    assert callboard.receiver.notifications == []
    assert abs(callboard.clock.now() - time.time()) < 60

    callboard.clock.advance(3600)
    assert callboard.clock.now() - time.time() > 3500
    callboard.script(BOB, "busy")


def test_incoming_calls_for_the_dev_bot_reach_the_receiver(callboard: Callboard) -> None:
    response = callboard.http.post(
        "/_callboard/incoming-calls",
        json={"tenantId": DEV_TENANT, "fromUserId": ALICE, "toAppId": DEV_APP},
    )
    assert response.status_code == 201, response.text
    call_id = response.json()["id"]

    incoming = callboard.receiver.wait_for(call_id, state="incoming")

    assert incoming.change_type == "created"
    assert incoming.path == "/api/calls"
    assert incoming.headers["authorization"].startswith("Bearer ")


def test_wait_for_times_out_with_what_arrived(callboard: Callboard) -> None:
    with pytest.raises(AssertionError, match="within 0.1s"):
        callboard.receiver.wait_for("no-such-call", state="established", timeout=0.1)


def _call_bob(callboard: Callboard) -> tuple[str, dict[str, str]]:
    headers = {"Authorization": f"Bearer {callboard.token()}"}
    body = {
        "callbackUri": callboard.callback_uri,
        "targets": [{"identity": {"user": {"id": BOB}}}],
        "requestedModalities": ["audio"],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
    }
    response = httpx.post(f"{callboard.graph_url}/communications/calls", headers=headers, json=body)
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    callboard.clock.advance(5)
    callboard.receiver.wait_for(call_id, state="established")
    tone = httpx.post(
        f"{callboard.graph_url}/communications/calls/{call_id}/subscribeToTone",
        headers=headers,
        json={},
    )
    assert tone.status_code == 200, tone.text
    return call_id, headers


def _tones(callboard: Callboard, call_id: str, count: int) -> list[str]:
    resource = f"/communications/calls/{call_id}"
    callboard.receiver.wait_until(
        lambda n: (
            n.resource_url == resource
            and n.resource_data.get("toneInfo", {}).get("sequenceId") == count
        ),
        what=f"tone {count}",
    )
    return [
        n.resource_data["toneInfo"]["tone"]
        for n in callboard.receiver.for_call(call_id)
        if "toneInfo" in n.resource_data
    ]


def test_a_scripted_party_and_a_party_action_press_keys(callboard: Callboard) -> None:
    # Bob presses 5 ten seconds after answering (the script), then 9 when told to (an action).
    callboard.script(BOB, "answer", steps=[{"afterSeconds": 10, "pressKeys": "5"}])
    call_id, _ = _call_bob(callboard)
    callboard.clock.advance(10)
    assert _tones(callboard, call_id, 1) == ["tone5"]
    accepted = callboard.party(call_id, "pressKeys", tones="9")
    assert accepted["action"] == "pressKeys"
    assert _tones(callboard, call_id, 2) == ["tone5", "tone9"]
