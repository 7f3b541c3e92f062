"""The Graph operations Callboard does not implement yet: they authenticate and find the call
before answering 501, so that a client sees the same 401 and 404 as on any other route."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.api.graph.unimplemented import OPERATIONS
from tests.api.calling import CALLS, TEST_BOT, USER1, USER2, Harness, assert_error, p2p_body

# Every operation on a call, with {call_id} (and {participant_id}) left to fill in.
ON_A_CALL = [(method, path) for method, path, _name in OPERATIONS if "{call_id}" in path]


def _url(path: str, call_id: str, version: str = "v1.0") -> str:
    filled = path.format(call_id=call_id, participant_id="some-participant")
    return f"/{version}{filled}"


def test_call_control_is_served() -> None:
    names = {name for _method, _path, name in OPERATIONS}
    served = {
        "transfer",
        "addLargeGalleryView",
        "list audioRoutingGroups",
        "create audioRoutingGroup",
        "startHoldMusic",
        "stopHoldMusic",
        "logTeleconferenceDeviceQuality",
    }
    assert not names & served


@pytest.mark.parametrize(("method", "path"), ON_A_CALL)
def test_anonymous_is_401(h: Harness, method: str, path: str) -> None:
    call = h.create_call(p2p_body())
    response = h.client.request(method, _url(path, call["id"]), json={})
    assert_error(response, 401, "InvalidAuthenticationToken")
    assert response.headers["www-authenticate"].startswith("Bearer ")


@pytest.mark.parametrize(("method", "path"), ON_A_CALL)
def test_unknown_call_is_404(h: Harness, method: str, path: str) -> None:
    response = h.client.request(method, _url(path, "no-such-call"), json={}, headers=h.auth())
    assert_error(response, 404, "itemNotFound")


@pytest.mark.parametrize(("method", "path"), ON_A_CALL)
def test_another_apps_call_is_404(h: Harness, method: str, path: str) -> None:
    call = h.create_call(p2p_body())
    headers = h.auth(app=TEST_BOT)
    response = h.client.request(method, _url(path, call["id"]), json={}, headers=headers)
    assert_error(response, 404, "itemNotFound")


@pytest.mark.parametrize(("method", "path"), ON_A_CALL)
def test_ended_call_is_404(h: Harness, method: str, path: str) -> None:
    call = h.establish_p2p()
    assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
    h.advance(h.rt.settings.terminate_delay_seconds)
    response = h.client.request(method, _url(path, call["id"]), json={}, headers=h.auth())
    assert_error(response, 404, "itemNotFound")


@pytest.mark.parametrize("version", ["v1.0", "beta"])
@pytest.mark.parametrize(("method", "path"), ON_A_CALL)
def test_existing_call_is_501(h: Harness, method: str, path: str, version: str) -> None:
    call = h.create_call(p2p_body())
    response = h.client.request(method, _url(path, call["id"], version), json={}, headers=h.auth())
    error = assert_error(response, 501, "notImplemented")
    assert "not implemented" in error["message"]


def test_group_call_is_501(h: Harness) -> None:
    call = h.establish_group(USER1, USER2)
    response = h.post(f"{CALLS}/{call['id']}/recordResponse", {}, app=TEST_BOT)
    assert_error(response, 501, "notImplemented")


def test_no_state_changed(h: Harness) -> None:
    """Answering 501 leaves the call as it was and notifies nothing."""
    call = h.establish_p2p()
    before: list[Any] = h.changes(call["id"])
    assert h.post(f"{CALLS}/{call['id']}/recordResponse", {}).status_code == 501
    h.run_jobs()
    assert h.call(call["id"])["state"] == "established"
    assert h.changes(call["id"]) == before
