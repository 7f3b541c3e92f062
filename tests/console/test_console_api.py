"""The console's page, the listings it reads and the change marker behind its live updates."""

from __future__ import annotations

import re
from typing import Any

import pytest

from callboard.services import console
from tests.api.calling import Harness, assert_error, p2p_body

ADMIN = "/_callboard"
ADMIN_TOKEN = "c" * 40


def test_the_page_and_its_files_are_served_and_local(h: Harness) -> None:
    page = h.client.get(f"{ADMIN}/console/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    referenced = re.findall(r"""(?:src|href)="([^"]+)\"""", page.text)
    assert sorted(referenced) == ["console.css", "console.js"]
    for name, media_type in [("console.css", "text/css"), ("console.js", "text/javascript")]:
        response = h.client.get(f"{ADMIN}/console/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        # Nothing from elsewhere: the machines running Callboard may have no internet.
        assert not re.search(r"https?://", response.text), name
    assert not re.search(r"https?://", page.text)


def test_the_bare_path_redirects_and_unknown_files_are_404(h: Harness) -> None:
    response = h.client.get(f"{ADMIN}/console", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == f"{ADMIN}/console/"
    assert_error(h.client.get(f"{ADMIN}/console/secrets.json"), 404, "itemNotFound")
    assert h.client.get(f"{ADMIN}/console/..%2F..%2Fconfig.py").status_code == 404


def test_meetings_are_listed_with_roster_and_lobby(h: Harness) -> None:
    meetings = h.client.get(f"{ADMIN}/meetings").json()["value"]
    assert meetings, "the development directory's meeting fixtures"
    seeded = next(m for m in meetings if m["id"] == "seed-003-example-5")
    assert seeded["roster"] and "isInLobby" in seeded["roster"][0]
    assert len(h.client.get(f"{ADMIN}/meetings", params={"$top": 1}).json()["value"]) == 1
    assert_error(h.client.get(f"{ADMIN}/meetings", params={"$top": 0}), 400, "invalidRequest")


def test_the_change_marker_moves_with_calls_and_deliveries(h: Harness) -> None:
    before = console.change_marker(h.rt)
    assert console.change_marker(h.rt) == before
    h.place_incoming()
    after_call = console.change_marker(h.rt)
    assert after_call != before
    h.run_jobs()  # the incoming-call notification is delivered
    after_delivery = console.change_marker(h.rt)
    assert after_delivery != after_call
    # The incoming call times out unanswered: a state change made by a timer.
    h.advance(h.rt.settings.incoming_answer_timeout_seconds + 1)
    after_timeout = console.change_marker(h.rt)
    assert after_timeout != after_delivery
    h.create_call(p2p_body())
    assert console.change_marker(h.rt) != after_timeout


class TestDisabled:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"admin_enabled": False}

    @pytest.mark.parametrize("path", ["/console/", "/console/console.js", "/events", "/meetings"])
    def test_nothing_is_served(self, h: Harness, path: str) -> None:
        assert_error(h.client.get(ADMIN + path), 404, "UnknownError")


class TestProduction:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"mode": "production", "admin_enabled": True, "admin_token": ADMIN_TOKEN}

    def test_the_page_needs_no_token_but_its_data_does(self, h: Harness) -> None:
        assert h.client.get(f"{ADMIN}/console/").status_code == 200
        assert h.client.get(f"{ADMIN}/console/console.js").status_code == 200
        for path in ("/events", "/meetings"):
            assert_error(h.client.get(ADMIN + path), 401, "InvalidAuthenticationToken")
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert h.client.get(f"{ADMIN}/meetings", headers=headers).status_code == 200
