"""The edge checks on their own: JSON shape from raw bytes, URL characters, body reading."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from callboard.api.limits import (
    MAX_JSON_DEPTH,
    has_control_character,
    is_json,
    json_problem,
    query_has_control_character,
)
from callboard.api.request_guard import RequestGuardMiddleware


@pytest.mark.parametrize(
    "raw",
    [
        b"{}",
        b'{"a": [1, 2, {"b": null}], "c": "text"}',
        b'"\\ud83d\\ude00"',
        b'"\\uD83D\\uDE00 and \\u00e9"',
        b'"\\\\ud800"',  # an escaped backslash, then plain text
        b'"\\\\\\ud83d\\ude00"',
        "\U0001f600 é".encode(),
        b'"[[[[[[[[" ',
        b"{nope",  # a syntax error is the parser's to report
        ("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH).encode(),
        json.dumps([[1]] * 10_000).encode(),
    ],
)
def test_acceptable_bodies(raw: bytes) -> None:
    assert json_problem(raw) is None


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'"\\ud800"', "surrogate"),
        (b'"\\uDBFF"', "surrogate"),
        (b'"\\udc00"', "surrogate"),
        (b'"\\ude00\\ud83d"', "surrogate"),
        (b'"\\ud83d\\ud83d\\ude00"', "surrogate"),
        (b'"\\ud83d\\u0041"', "surrogate"),
        (b'"\\ud83d\\\\ude00"', "surrogate"),
        (b'{"\\ud800": 1}', "surrogate"),
        (b'"\\\\\\ud800"', "surrogate"),
        (b'"\xed\xa0\x80"', "UTF-8"),
        (b'"\xff"', "UTF-8"),
        (("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)).encode(), "deeper"),
        (('{"a":' * 900 + "1" + "}" * 900).encode(), "deeper"),
        (b"[" * 1_000_000, "deeper"),
    ],
)
def test_refused_bodies(raw: bytes, why: str) -> None:
    problem = json_problem(raw)
    assert problem is not None and why in problem


def test_json_media_types() -> None:
    assert is_json("application/json")
    assert is_json("Application/JSON; charset=utf-8")
    assert is_json("application/vnd.microsoft.com.ucwa+json")
    assert is_json(" application/merge-patch+json ;charset=utf-8")
    assert not is_json("application/xml")
    assert not is_json("text/json-ish")
    assert not is_json(None)


def test_control_characters() -> None:
    assert has_control_character("/v1.0/x\x00y")
    assert has_control_character("/v1.0/x\x7f")
    assert not has_control_character("/v1.0/users/alice@callboard.dev/é")
    assert query_has_control_character(b"a=%00")
    assert query_has_control_character(b"a=%0a")
    assert query_has_control_character(b"a=\x01")
    assert not query_has_control_character(b"$filter=a%20eq%20'b'&x=%25")
    assert not query_has_control_character(b"")


def run(
    app: RequestGuardMiddleware, messages: list[Message], headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes]:
    """Send one request through ``app``; its status (0: no answer) and body."""
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/_callboard/echo",
        "raw_path": b"/_callboard/echo",
        "query_string": b"",
        "headers": headers,
        "state": {},
    }
    pending = list(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    status = next((m["status"] for m in sent if m["type"] == "http.response.start"), 0)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def chunked(*parts: bytes) -> list[Message]:
    return [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]


JSON_TYPE = (b"content-type", b"application/json")
STREAMED = (b"transfer-encoding", b"chunked")


def test_body_is_handed_on_unchanged() -> None:
    guard = RequestGuardMiddleware(echo, max_body_bytes=10)
    assert run(guard, chunked(b'{"a":', b"[1]}"), [JSON_TYPE, STREAMED]) == (200, b'{"a":[1]}')


def test_exactly_the_limit_passes_and_one_more_byte_does_not() -> None:
    guard = RequestGuardMiddleware(echo, max_body_bytes=10)
    assert run(guard, chunked(b"12345", b"67890"), [STREAMED])[0] == 200
    status, body = run(guard, chunked(b"12345", b"678901"), [STREAMED])
    assert status == 413
    error: dict[str, Any] = json.loads(body)["error"]
    assert error["code"] == "requestEntityTooLarge"


def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    guard = RequestGuardMiddleware(echo, max_body_bytes=10)
    assert run(guard, [], [(b"content-length", b"11")])[0] == 413


def test_a_client_gone_mid_body_gets_nothing() -> None:
    guard = RequestGuardMiddleware(echo, max_body_bytes=10)
    messages = [{"type": "http.request", "body": b"12", "more_body": True}]
    assert run(guard, messages, [STREAMED]) == (0, b"")


def test_only_json_bodies_are_checked() -> None:
    guard = RequestGuardMiddleware(echo)
    raw = b'"\\ud800"'
    assert run(guard, chunked(raw), [STREAMED]) == (200, raw)
    assert run(guard, chunked(raw), [STREAMED, JSON_TYPE])[0] == 400
