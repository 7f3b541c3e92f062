"""The console in a real headless Chromium against a real ``callboard serve``.

A call placed through the Graph API appears on the open page and changes state there without
a reload (the page's event stream), the clock is advanced from the page, and a key pressed
from the page reaches the bot as a notification at a loopback receiver. Skipped, saying why,
where Debian's ``chromium`` or the ``playwright`` package is missing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DEV_APP, DEV_TENANT
from tests.e2e.live import LiveServer, callboard_env, start_server, wait_for
from tests.support import Receiver

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOB = "b0b00000-0000-4000-8000-000000000002"
# The development bot's callingWebhookUrl and the callbackUri the test's bot gives.
BOT_ENDPOINT = "http://127.0.0.1:3978"
# Long enough that the call stays establishing until the page advances the clock; within
# the 45 minutes after which a call without keepAlive ends.
ANSWER_DELAY = 1800
PARTY_ACTIONS = "/_callboard/calls/{call_id}/party-actions"
# Where a page's elements must show up: real time, bounded (a loaded two-core machine).
UI_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def bot() -> Iterator[Receiver]:
    bot = Receiver()
    yield bot
    bot.close()


@pytest.fixture(scope="module")
def server(bot: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("console")
    env = callboard_env(
        None, answer_delay_seconds=ANSWER_DELAY, ringing_timeout_seconds=2 * ANSWER_DELAY
    )
    env["CALLBOARD_CALLBACK_REWRITES"] = json.dumps({BOT_ENDPOINT: bot.url})
    live = start_server(f"sqlite:///{workdir / 'callboard.db'}", env, workdir)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def page(server: LiveServer) -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium chromium-driver")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is absent (pip install -e .[test])"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            tab.set_default_timeout(UI_TIMEOUT_MS)
            # A script error on the page fails the module (at teardown), whatever it broke.
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.goto(f"{server.url}/_callboard/console/")
            tab.wait_for_selector("#live.live")
            yield tab
            assert not errors, f"errors in the console's script: {errors}"
        finally:
            browser.close()


def _bot_token(server: LiveServer) -> str:
    response = server.http.post("/_callboard/token", json={"app": DEV_APP, "tenant": DEV_TENANT})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _place_call(server: LiveServer, token: str) -> str:
    body = {
        "@odata.type": "#microsoft.graph.call",
        "callbackUri": f"{BOT_ENDPOINT}/api/calls",
        "targets": [
            {
                "@odata.type": "#microsoft.graph.invitationParticipantInfo",
                "identity": {"user": {"id": BOB, "displayName": "Bob"}},
            }
        ],
        "requestedModalities": ["audio"],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
    }
    response = server.graph("POST", "/communications/calls", token, json=body)
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def _wait_until_ringing(server: LiveServer, call_id: str) -> None:
    """Until the callee's phone rings: his answer is timed from then, so a clock moved
    earlier would only delay it."""

    def rang() -> bool:
        return any(
            job["payload"].get("callId") == call_id
            and job["payload"].get("action") == "ring"
            and job["status"] == "done"
            for job in server.jobs(kind="call.progress")
        )

    wait_for(rang, what="the callee's phone to ring")


def test_a_call_appears_and_changes_state_live(
    server: LiveServer, page: Any, bot: Receiver
) -> None:
    token = _bot_token(server)
    call_id = _place_call(server, token)  # after the page opened: only the stream can show it
    item = page.locator(f'#call-list li[data-call-id="{call_id}"]')
    item.wait_for()
    assert item.locator(".state").inner_text() == "establishing"
    item.click()
    page.locator("#call-detail h2", has_text=call_id).wait_for()

    # Bob answers half an hour (virtual) after his phone rings: the page moves the clock.
    _wait_until_ringing(server, call_id)
    page.fill("#advance-seconds", str(ANSWER_DELAY + 1))
    page.click("#advance-form button")
    item.locator(".state", has_text="established").wait_for()
    page.locator("#call-detail h2 .state", has_text="established").wait_for()
    wait_for(lambda: "established" in bot.states(call_id), what="the bot's notification")

    shot = Path(tempfile.mkdtemp(prefix="callboard-console-")) / "console.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"console screenshot: {shot}")


def test_a_key_pressed_from_the_page_reaches_the_bot(
    server: LiveServer, page: Any, bot: Receiver
) -> None:
    paths = server.http.get("/openapi.json").json()["paths"]
    if PARTY_ACTIONS.replace("call_id", "callId") not in paths and PARTY_ACTIONS not in paths:
        pytest.skip("this server has no POST /_callboard/calls/{callId}/party-actions yet")
    token = _bot_token(server)
    call_id = _place_call(server, token)
    _wait_until_ringing(server, call_id)
    server.advance(ANSWER_DELAY + 1)
    wait_for(lambda: "established" in bot.states(call_id), what="an established call")
    response = server.graph(
        "POST",
        f"/communications/calls/{call_id}/subscribeToTone",
        token,
        json={"clientContext": "console-test"},
    )
    assert response.status_code == 200, response.text

    page.locator(f'#call-list li[data-call-id="{call_id}"]').click()
    page.locator("#call-detail h2", has_text=call_id).wait_for()
    page.fill("#tones", "1")
    page.click("#press-keys")

    def tone_notified() -> bool:
        return any(
            n["resourceUrl"] == f"/communications/calls/{call_id}"
            and (n["resourceData"].get("toneInfo") or {}).get("tone") == "tone1"
            for n in bot.notifications()
        )

    wait_for(tone_notified, timeout=UI_TIMEOUT_MS / 1000, what="the bot's tone notification")


def test_the_event_stream_announces_changes(server: LiveServer) -> None:
    """Without a browser: the stream's first event, then one after the clock moves."""
    with httpx.Client(base_url=server.url, timeout=UI_TIMEOUT_MS / 1000) as client:  # noqa: SIM117
        with client.stream("GET", "/_callboard/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            events: list[dict[str, Any]] = []

            def next_change() -> dict[str, Any]:
                for line in lines:
                    if line.startswith("data: "):
                        change: dict[str, Any] = json.loads(line.removeprefix("data: "))
                        events.append(change)
                        return change
                raise AssertionError("the event stream ended")

            first = next_change()
            server.advance(60)
            second = next_change()
            assert second["marker"] != first["marker"]
            assert second["now"] > first["now"]


def test_serve_stops_while_a_stream_is_open(tmp_path: Path) -> None:
    """A console left open must not keep ``serve`` from stopping (uvicorn waits for every
    open response): the stream ends when the server is told to stop."""
    live = start_server(f"sqlite:///{tmp_path / 'stop.db'}", callboard_env(None), tmp_path)
    try:
        with httpx.Client(base_url=live.url, timeout=UI_TIMEOUT_MS / 1000) as client:  # noqa: SIM117
            with client.stream("GET", "/_callboard/events") as stream:
                lines = stream.iter_lines()
                assert any(line.startswith("data: ") for line in lines)
                # LiveServer.stop fails the test if SIGTERM is ignored for 15 s.
                assert live.stop() in (0, -15)
                assert "Finished server process" in live.log()
    finally:
        if live.running:
            live.popen.kill()
