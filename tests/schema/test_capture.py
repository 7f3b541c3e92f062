"""The capture of responses and notifications: what is checked, what is skipped."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.schema import capture

CALLS = "http://callboard.test/v1.0/communications/calls"


@pytest.fixture(autouse=True)
def _own_tally(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep these checks out of the suite's counts."""
    monkeypatch.setattr(capture, "TALLY", capture.Tally())


def test_only_graph_v1_is_checked() -> None:
    for url in (
        "http://x/beta/communications/calls/1",
        "http://x/_callboard/jobs",
        "http://x/ucwa",
    ):
        assert capture.check_response("GET", url, 200, b"not json") == []
    assert capture.TALLY.skipped == 3 and capture.TALLY.bodies == 0


def test_an_action_without_return_type_has_no_body() -> None:
    assert capture.check_response("POST", f"{CALLS}/c/answer", 202, b"") == []
    [error] = capture.check_response("POST", f"{CALLS}/c/answer", 202, b"{}")
    assert "the action returns nothing" in error


def test_every_route_must_be_known() -> None:
    [error] = capture.check_response("GET", "http://x/v1.0/communications/nothing", 200, b"{}")
    assert "no Graph type known for GET /v1.0/communications/nothing" in error


def test_errors_are_graph_envelopes() -> None:
    good = {"error": {"code": "itemNotFound", "message": "no", "innerError": {}}}
    assert capture.check_response("GET", f"{CALLS}/c", 404, json.dumps(good).encode()) == []
    [error] = capture.check_response("GET", f"{CALLS}/c", 404, b'{"detail": "no"}')
    assert "an error body is {'error': {...}} alone" in error
    [error] = capture.check_response("GET", f"{CALLS}/c", 500, b"Internal Server Error")
    assert "Graph's JSON envelope" in error


def test_dynamic_properties_the_client_sent_may_come_back() -> None:
    body = {"@odata.type": "#microsoft.graph.call", "id": "c", "madeUp": 1}
    content = json.dumps(body).encode()
    assert capture.check_response("POST", CALLS, 201, content, b'{"madeUp": 1}') == []
    [error] = capture.check_response("POST", CALLS, 201, content, b"{}")
    assert "$.madeUp: not declared on microsoft.graph.call" in error


def test_notifications_and_their_resources() -> None:
    note: dict[str, Any] = {
        "@odata.type": "#microsoft.graph.commsNotifications",
        "value": [
            {
                "@odata.type": "#microsoft.graph.commsNotification",
                "changeType": "updated",
                "resourceUrl": "/communications/calls/c",
                "resourceData": {"@odata.type": "#microsoft.graph.call", "state": "ringing"},
            }
        ],
    }
    [error] = capture.check_notification(note)
    assert "resourceData.state: 'ringing' is not a member of microsoft.graph.callState" in error
    note["value"][0]["resourceUrl"] = "/communications/elsewhere"
    [error] = capture.check_notification(note)
    assert "no Graph type known for the notified resource" in error
    assert capture.TALLY.notifications == 2


def test_notifications_of_beta_calls_are_skipped() -> None:
    watch = capture.Watch()
    watch.beta_calls.add("c")
    note = {"value": [{"changeType": "updated", "resourceUrl": "/communications/calls/c"}]}
    watch.notifications([note])
    watch.verify()
    assert capture.TALLY.skipped == 1
    watch.beta_calls.clear()
    watch.notifications([note])
    with pytest.raises(AssertionError, match="no resourceData"):
        watch.verify()
