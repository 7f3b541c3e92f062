"""Log lines: one per request, one per delivery attempt; text and JSON formats."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from callboard import logs
from tests.api.calling import Harness, p2p_body


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = getattr(record, logs.FIELDS)
    return fields


def _records(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == name]


def test_one_line_per_request_with_request_id_and_call_id(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="callboard")
    call = h.create_call(p2p_body())
    caplog.clear()
    response = h.get(f"/v1.0/communications/calls/{call['id']}/participants")
    assert response.status_code == 200

    [record] = _records(caplog, "callboard.requests")
    fields = _fields(record)
    assert fields["method"] == "GET"
    assert fields["path"] == f"/v1.0/communications/calls/{call['id']}/participants"
    assert fields["status"] == 200
    assert fields["requestId"] == response.headers["request-id"]
    assert fields["callId"] == call["id"]
    assert fields["latencyMs"] >= 0


def test_errors_are_logged_with_their_status(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="callboard")
    response = h.client.get("/v1.0/communications/calls/nope")  # no token
    assert response.status_code == 401
    [record] = _records(caplog, "callboard.requests")
    assert _fields(record)["status"] == 401
    assert _fields(record)["callId"] == "nope"
    caplog.clear()
    assert h.client.get("/no/such/route").status_code == 404
    [record] = _records(caplog, "callboard.requests")
    assert _fields(record)["callId"] is None


def test_one_line_per_delivery_attempt(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="callboard")
    call = h.create_call(p2p_body())
    h.run_jobs()
    records = _records(caplog, "callboard.deliveries")
    assert records
    fields = _fields(records[0])
    assert fields["callId"] == call["id"]
    assert fields["url"].startswith(h.receiver.url)
    assert fields["status"] == 200
    assert fields["outcome"] == "delivered"
    assert fields["attempt"] == 1
    assert fields["latencyMs"] > 0


def test_dead_deliveries_are_warnings(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="callboard")
    h.receiver.responses = [404]
    h.create_call(p2p_body())
    h.run_jobs()
    [dead] = [r for r in _records(caplog, "callboard.deliveries") if r.levelno == logging.WARNING]
    assert _fields(dead)["outcome"] == "dead"
    assert _fields(dead)["status"] == 404


def _record(**fields: Any) -> logging.LogRecord:
    record = logging.LogRecord(
        "callboard.requests", logging.INFO, __file__, 1, "GET %s", ("/x",), None
    )
    setattr(record, logs.FIELDS, fields)
    return record


def test_json_format_is_one_object_per_line() -> None:
    line = logs.formatter("json").format(_record(status=200, requestId="r-1", callId=None))
    assert "\n" not in line
    document = json.loads(line)
    assert document["message"] == "GET /x"
    assert document["logger"] == "callboard.requests"
    assert document["level"] == "INFO"
    assert document["status"] == 200
    assert document["requestId"] == "r-1"
    assert document["time"].endswith("+00:00")


def test_text_format_appends_the_fields() -> None:
    line = logs.formatter("text").format(_record(status=200, callId=None, requestId="r-1"))
    assert line == "INFO callboard.requests: GET /x status=200 requestId=r-1"


def test_configure_routes_records_through_the_chosen_format(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        logs.configure("json")
        logging.getLogger("callboard.test").info("hello")
        assert json.loads(capsys.readouterr().err.strip())["message"] == "hello"
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


@pytest.mark.parametrize(
    ("path", "call_id"),
    [
        ("/v1.0/communications/calls/abc", "abc"),
        ("/beta/communications/calls/abc/operations/1", "abc"),
        ("/_callboard/calls/abc/party-actions", "abc"),
        ("/v1.0/communications/calls", None),
        ("/v1.0/me/onlineMeetings/abc", None),
    ],
)
def test_call_id_of(path: str, call_id: str | None) -> None:
    assert logs.call_id_of(path) == call_id
