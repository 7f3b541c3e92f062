"""Hostile input gets Graph's error envelope (UCWA's on /ucwa paths), never a 500: unpaired
surrogates, deep nesting, control characters in the URL, oversized bodies; and a request
without a valid token gets 401 whatever its body."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.api.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH
from tests.api.calling import CALLS, p2p_body
from tests.conftest import DEV_APP
from tests.ucwa.support import JSON, XML, application, headers

Auth = Callable[..., dict[str, str]]
ME = "/v1.0/me/onlineMeetings"
JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def alice(auth: Auth) -> dict[str, str]:
    return auth(app=DEV_APP, tenant=None, user="alice@callboard.dev")


def graph_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] and error["message"]
    assert error["innerError"]["request-id"] == response.headers["request-id"]
    return error


def ucwa_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] and body["message"]
    return body


def nested(depth: int) -> str:
    """A JSON value ``depth`` arrays deep."""
    return "[" * depth + "]" * depth


def create_call_text(**replace: str) -> bytes:
    """Seed example 1 as JSON text, with raw JSON spliced in for some properties."""
    body = p2p_body()
    for name in replace:
        body[name] = f"@@{name}@@"
    text = json.dumps(body)
    for name, raw in replace.items():
        text = text.replace(f'"@@{name}@@"', raw)
    return text.encode()


class TestUnpairedSurrogates:
    def test_in_a_graph_string(self, app_client: TestClient, auth: Auth) -> None:
        body = create_call_text(callbackUri='"https://bot.contoso.com/\\ud800"')
        response = app_client.post(CALLS, content=body, headers={**auth(), **JSON_HEADERS})
        assert "surrogate" in graph_error(response, 400)["message"]

    def test_in_an_unknown_property_and_a_key(self, app_client: TestClient, auth: Auth) -> None:
        for raw in ('"\\udc00 low first"', '{"\\udbff": 1}', '["\\ud800\\ud800\\udc00"]'):
            body = create_call_text(unknownThing=raw)
            response = app_client.post(CALLS, content=body, headers={**auth(), **JSON_HEADERS})
            graph_error(response, 400)

    def test_as_raw_utf8_bytes(self, app_client: TestClient, alice: dict[str, str]) -> None:
        # A surrogate encoded straight into the bytes (0xED 0xA0 0x80) is not UTF-8.
        body = b'{"subject": "\xed\xa0\x80"}'
        response = app_client.post(ME, content=body, headers={**alice, **JSON_HEADERS})
        assert "UTF-8" in graph_error(response, 400)["message"]

    def test_in_a_meeting_subject(self, app_client: TestClient, alice: dict[str, str]) -> None:
        body = b'{"subject": "Plan \\ud83d"}'
        response = app_client.post(ME, content=body, headers={**alice, **JSON_HEADERS})
        graph_error(response, 400)
        assert (
            app_client.get(
                f"{ME}?$filter=joinMeetingIdSettings/joinMeetingId eq '1'", headers=alice
            ).status_code
            != 500
        )

    def test_a_real_pair_is_kept(self, app_client: TestClient, alice: dict[str, str]) -> None:
        body = b'{"subject": "Plan \\ud83d\\ude00 \\\\ud800"}'
        response = app_client.post(ME, content=body, headers={**alice, **JSON_HEADERS})
        assert response.status_code == 201, response.text
        assert response.json()["subject"] == "Plan \U0001f600 \\ud800"

    def test_in_ucwa_json(self, app_client: TestClient, auth: Auth) -> None:
        meetings = application(app_client, auth)
        response = app_client.post(
            f"{meetings}/myOnlineMeetings",
            content=b'{"subject": "\\ud800"}',
            headers=headers(auth, JSON),
        )
        assert ucwa_error(response, 400)["subcode"] == "DeserializationFailure"

    def test_in_ucwa_xml(self, app_client: TestClient, auth: Auth) -> None:
        meetings = application(app_client, auth, XML)
        xml = f'<input xmlns="{_UCWA_NS}"><property name="subject">&#xD800;</property></input>'
        response = app_client.post(
            f"{meetings}/myOnlineMeetings", content=xml.encode(), headers=headers(auth, XML)
        )
        assert response.status_code == 400
        assert "<subcode>DeserializationFailure</subcode>" in response.text


_UCWA_NS = "http://schemas.microsoft.com/rtc/2012/03/ucwa"


class TestDepth:
    def test_deep_unknown_property(self, app_client: TestClient, auth: Auth) -> None:
        body = create_call_text(unknownThing=nested(900))
        response = app_client.post(CALLS, content=body, headers={**auth(), **JSON_HEADERS})
        assert "deeper" in graph_error(response, 400)["message"]

    def test_the_limit_itself_is_accepted_by_the_edge(
        self, app_client: TestClient, alice: dict[str, str]
    ) -> None:
        inner = nested(MAX_JSON_DEPTH - 1)  # one level more inside the body object
        body = f'{{"subject": "deep", "extra": {inner}}}'.encode()
        response = app_client.post(ME, content=body, headers={**alice, **JSON_HEADERS})
        assert response.status_code == 201, response.text
        deeper = f'{{"subject": "deep", "extra": {nested(MAX_JSON_DEPTH)}}}'.encode()
        graph_error(app_client.post(ME, content=deeper, headers={**alice, **JSON_HEADERS}), 400)

    def test_brackets_inside_strings_do_not_count(
        self, app_client: TestClient, alice: dict[str, str]
    ) -> None:
        subject = "[" * 500 + '\\"{' * 100
        body = f'{{"subject": "{subject}"}}'.encode()
        response = app_client.post(ME, content=body, headers={**alice, **JSON_HEADERS})
        assert response.status_code == 201, response.text

    @pytest.mark.parametrize("depth", [1_000, 100_000])
    def test_deep_ucwa_json(self, app_client: TestClient, auth: Auth, depth: int) -> None:
        meetings = application(app_client, auth)
        body = f'{{"subject": "x", "description": {nested(depth)}}}'.encode()
        response = app_client.post(
            f"{meetings}/myOnlineMeetings", content=body, headers=headers(auth, JSON)
        )
        assert ucwa_error(response, 400)["subcode"] == "DeserializationFailure"

    def test_deep_admin_json(self, app_client: TestClient) -> None:
        body = f'{{"response": {nested(5_000)}}}'.encode()
        response = app_client.put(
            "/_callboard/behaviours/someone", content=body, headers=JSON_HEADERS
        )
        graph_error(response, 400)


class TestControlCharacters:
    @pytest.mark.parametrize(
        "path",
        [
            f"{CALLS}/abc%00def",
            f"{CALLS}/abc%00def/participants",
            f"{ME}/x%00y",
            f"{ME}/x%1Fy",
            "/v1.0/users/alice%00@callboard.dev/onlineMeetings",
            f"{ME}?$filter=joinMeetingIdSettings/joinMeetingId%20eq%20'1%002'",
        ],
    )
    def test_in_a_graph_url(self, app_client: TestClient, alice: dict[str, str], path: str) -> None:
        error = graph_error(app_client.get(path, headers=alice), 400)
        assert "control character" in error["message"]

    def test_delete_with_nul(self, app_client: TestClient, auth: Auth) -> None:
        graph_error(app_client.delete(f"{CALLS}/x%00", headers=auth()), 400)

    def test_in_a_ucwa_url(self, app_client: TestClient, auth: Auth) -> None:
        meetings = application(app_client, auth)
        response = app_client.get(f"{meetings}/myOnlineMeetings/a%00b", headers=headers(auth))
        ucwa_error(response, 400)

    def test_ordinary_ids_still_reach_the_route(self, app_client: TestClient, auth: Auth) -> None:
        error = graph_error(app_client.get(f"{CALLS}/abc%20def", headers=auth()), 404)
        assert error["code"] == "itemNotFound"


class TestBodySize:
    def test_over_the_limit_with_a_length(self, app_client: TestClient, auth: Auth) -> None:
        body = create_call_text(padding=json.dumps("x" * MAX_BODY_BYTES))
        response = app_client.post(CALLS, content=body, headers={**auth(), **JSON_HEADERS})
        error = graph_error(response, 413)
        assert str(MAX_BODY_BYTES) in error["message"]

    def test_over_the_limit_streamed(self, app_client: TestClient, alice: dict[str, str]) -> None:
        def chunks() -> Iterator[bytes]:
            yield b'{"subject": "'
            for _ in range(MAX_BODY_BYTES // 65536 + 1):
                yield b"x" * 65536
            yield b'"}'

        response = app_client.post(ME, content=chunks(), headers={**alice, **JSON_HEADERS})
        graph_error(response, 413)
        assert app_client.get(f"{ME}?$filter=JoinWebUrl eq 'x'", headers=alice).status_code < 500

    def test_just_under_the_limit_reaches_the_route(
        self, app_client: TestClient, alice: dict[str, str]
    ) -> None:
        # The route refuses the shape; the edge let the size through.
        body = b'{"subject": ' + json.dumps(["x" * 1000] * 4000).encode() + b"}"
        assert len(body) < MAX_BODY_BYTES
        response = app_client.post(ME, content=body, headers={**alice, **JSON_HEADERS})
        assert response.status_code == 400
        assert "larger than" not in response.text

    def test_ucwa_answers_in_its_own_envelope(self, app_client: TestClient, auth: Auth) -> None:
        meetings = application(app_client, auth)
        body = b'{"subject": "' + b"x" * MAX_BODY_BYTES + b'"}'
        response = app_client.post(
            f"{meetings}/myOnlineMeetings", content=body, headers=headers(auth, JSON)
        )
        assert ucwa_error(response, 413)["subcode"] == "EntityTooLarge"


class TestAuthenticationFirst:
    @pytest.mark.parametrize(
        "body",
        [b"{nope", b'{"subject": "\\ud800"}', nested(1000).encode(), b"[]", b"null"],
    )
    def test_bad_body_without_a_token_is_401(self, app_client: TestClient, body: bytes) -> None:
        for path in (CALLS, ME, f"{CALLS}/x/answer"):
            response = app_client.post(path, content=body, headers=JSON_HEADERS)
            assert graph_error(response, 401)["code"] == "InvalidAuthenticationToken"
            assert "www-authenticate" in response.headers

    def test_bad_body_with_a_bad_token_is_401(self, app_client: TestClient) -> None:
        response = app_client.post(
            CALLS, content=b"{nope", headers={"Authorization": "Bearer x.y.z", **JSON_HEADERS}
        )
        graph_error(response, 401)

    def test_oversized_body_without_a_token_is_401(self, app_client: TestClient) -> None:
        body = b"[" + b" " * MAX_BODY_BYTES + b"]"
        graph_error(app_client.post(CALLS, content=body, headers=JSON_HEADERS), 401)

    def test_bad_body_with_a_good_token_is_400(self, app_client: TestClient, auth: Auth) -> None:
        response = app_client.post(CALLS, content=b"{nope", headers={**auth(), **JSON_HEADERS})
        graph_error(response, 400)

    def test_ucwa_bad_body_without_a_token_is_401(self, app_client: TestClient, auth: Auth) -> None:
        meetings = application(app_client, auth)
        for body in (nested(2000).encode(), b"x" * (MAX_BODY_BYTES + 1)):
            response = app_client.post(
                f"{meetings}/myOnlineMeetings", content=body, headers={"Content-Type": JSON}
            )
            ucwa_error(response, 401)

    def test_token_endpoint_needs_no_bearer_token(self, app_client: TestClient) -> None:
        response = app_client.post(
            "/c0ffee00-0000-4000-8000-000000000001/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": DEV_APP,
                "client_secret": "callboard-dev-secret",
            },
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "uri",
    [
        "https://[::1/cb",
        "https://[zz]/cb",
        "https://host:99999/cb",
        "https:///cb",
        "bot.contoso.com/cb",
        "https://user:secret@bot.contoso.com/cb",
    ],
)
def test_malformed_callback_uri_is_a_400(app_client: TestClient, auth: Auth, uri: str) -> None:
    response = app_client.post(CALLS, json=p2p_body(callbackUri=uri), headers=auth())
    assert graph_error(response, 400)["code"] == "invalidRequest"
