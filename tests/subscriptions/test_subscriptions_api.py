"""``/subscriptions`` over HTTP: the validation handshake, limits, renewal, isolation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock, iso
from tests.conftest import CALLING_BOT, CONTOSO, DEV_APP, DEV_TENANT, FABRIKAM, TEST_BOT
from tests.support import LoopbackServer
from tests.support import error_message as _error

URL = "/v1.0/subscriptions"
MINUTE = 60.0


class Endpoint:
    """A bot's notification endpoint on loopback. ``mode`` says how it answers Graph's
    validation request: ``echo`` (correctly), ``wrong`` (another text), ``json`` (the
    token with the wrong content type), ``status`` (HTTP 500)."""

    def __init__(self) -> None:
        self.mode = "echo"
        self.tokens: list[str] = []
        self.content_types: list[str] = []
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                token = parse_qs(urlsplit(self.path).query).get("validationToken", [""])[0]
                with endpoint._lock:
                    endpoint.tokens.append(token)
                    endpoint.content_types.append(self.headers.get("Content-Type", ""))
                    mode = endpoint.mode
                status, content_type, text = {
                    "echo": (200, "text/plain; charset=utf-8", token),
                    "wrong": (200, "text/plain", "not the token"),
                    "json": (200, "application/json", token),
                    "status": (500, "text/plain", token),
                }[mode]
                raw = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return self._server.url + "/api/notifications"

    def close(self) -> None:
        self._server.close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    e = Endpoint()
    yield e
    e.close()


def body(clock: FrozenClock, endpoint: Endpoint, **overrides: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "changeType": "created",
        "notificationUrl": endpoint.url,
        "resource": "/communications/callRecords",
        "expirationDateTime": iso(clock.now() + 60 * MINUTE),
        "clientState": "secretClientValue",
    }
    result.update(overrides)
    return result


@pytest.fixture
def create(
    app_client: TestClient,
    clock: FrozenClock,
    endpoint: Endpoint,
    auth: Callable[..., dict[str, str]],
) -> Callable[..., Any]:
    def post(headers: dict[str, str] | None = None, **overrides: Any) -> Any:
        return app_client.post(
            URL,
            json=body(clock, endpoint, **overrides),
            headers=auth() if headers is None else headers,
        )

    return post


class TestCreate:
    def test_created_after_the_endpoint_echoes_the_token(
        self, create: Callable[..., Any], endpoint: Endpoint, clock: FrozenClock
    ) -> None:
        response = create()
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["@odata.context"].endswith("/v1.0/$metadata#subscriptions/$entity")
        assert created["resource"] == "/communications/callRecords"
        assert created["changeType"] == "created"
        assert created["clientState"] == "secretClientValue"
        assert created["applicationId"] == CALLING_BOT
        assert created["notificationUrl"] == endpoint.url
        assert created["expirationDateTime"] == iso(clock.now() + 60 * MINUTE)
        assert created["latestSupportedTlsVersion"] == "v1_2"
        assert created["includeResourceData"] is False
        # Graph's handshake: one POST with an opaque token, as text/plain.
        assert len(endpoint.tokens) == 1
        assert endpoint.tokens[0].startswith("Validation: Testing client application")
        assert endpoint.content_types[0].startswith("text/plain")

    def test_both_endpoints_are_validated(
        self, create: Callable[..., Any], endpoint: Endpoint
    ) -> None:
        response = create(lifecycleNotificationUrl=endpoint.url + "/lifecycle")
        assert response.status_code == 201, response.text
        assert len(endpoint.tokens) == 2
        assert endpoint.tokens[0] != endpoint.tokens[1]

    @pytest.mark.parametrize(
        ("mode", "fragment"),
        [
            ("wrong", "must exactly match validationToken"),
            ("json", "must exactly match validationToken"),
            ("status", "must respond with 200 OK"),
        ],
    )
    def test_a_failing_handshake_is_a_400_and_nothing_is_kept(
        self,
        create: Callable[..., Any],
        endpoint: Endpoint,
        app_client: TestClient,
        auth: Callable[..., dict[str, str]],
        mode: str,
        fragment: str,
    ) -> None:
        endpoint.mode = mode
        message = _error(create(), 400, "ValidationError")
        assert fragment in message
        assert app_client.get(URL, headers=auth()).json()["value"] == []

    def test_an_unreachable_endpoint_is_a_400(self, create: Callable[..., Any]) -> None:
        # Port 9 (discard) on loopback: nothing listens there.
        message = _error(create(notificationUrl="http://127.0.0.1:9/x"), 400, "ValidationError")
        assert "could not be reached" in message

    def test_a_non_loopback_endpoint_is_refused_in_development(
        self, create: Callable[..., Any]
    ) -> None:
        message = _error(
            create(notificationUrl="https://hooks.example.org/x"), 400, "ValidationError"
        )
        assert "loopback" in message

    def test_callback_rewrites_apply(self, create: Callable[..., Any], endpoint: Endpoint) -> None:
        # tests/conftest.py rewrites https://bot.contoso.com to the receiver, which does not
        # echo: the handshake reaches it (and fails), proving the rewrite was applied.
        message = _error(
            create(notificationUrl="https://bot.contoso.com/api/notify"), 400, "ValidationError"
        )
        assert "must exactly match" in message or "200 OK" in message

    @pytest.mark.parametrize(
        "url", ["ftp://127.0.0.1/x", "not a url", "http://hooks.example.org/x"]
    )
    def test_a_bad_notification_url_is_a_400(self, create: Callable[..., Any], url: str) -> None:
        _error(create(notificationUrl=url), 400, "invalidRequest")

    @pytest.mark.parametrize(
        ("overrides", "fragment"),
        [
            ({"resource": "me/messages"}, "not supported"),
            ({"changeType": "deleted"}, "not supported"),
            ({"changeType": "renamed"}, "not a valid changeType"),
            ({"changeType": "created,created"}, "twice"),
            ({"clientState": "x" * 129}, "128"),
            ({"latestSupportedTlsVersion": "v9"}, "latestSupportedTlsVersion"),
            ({"includeResourceData": True}, "encryptionCertificate"),
        ],
    )
    def test_documented_rules(
        self,
        create: Callable[..., Any],
        endpoint: Endpoint,
        overrides: dict[str, Any],
        fragment: str,
    ) -> None:
        assert fragment in _error(create(**overrides), 400, "invalidRequest")
        assert endpoint.tokens == []  # rules are checked before anyone is called

    def test_several_change_types(self, create: Callable[..., Any]) -> None:
        response = create(changeType="created,updated")
        assert response.status_code == 201, response.text
        assert response.json()["changeType"] == "created,updated"

    def test_expiration_limits(self, create: Callable[..., Any], clock: FrozenClock) -> None:
        assert "in the future" in _error(
            create(expirationDateTime=iso(clock.now() - 1)), 400, "invalidRequest"
        )
        message = _error(
            create(expirationDateTime=iso(clock.now() + 4231 * MINUTE)), 400, "invalidRequest"
        )
        assert "4230 minutes" in message
        response = create(expirationDateTime=iso(clock.now() + 4229 * MINUTE))
        assert response.status_code == 201, response.text

    @pytest.mark.parametrize("missing", ["changeType", "notificationUrl", "resource"])
    def test_required_properties(
        self,
        app_client: TestClient,
        clock: FrozenClock,
        endpoint: Endpoint,
        auth: Callable[..., dict[str, str]],
        missing: str,
    ) -> None:
        sent = body(clock, endpoint)
        del sent[missing]
        _error(app_client.post(URL, json=sent, headers=auth()), 400, "invalidRequest")

    def test_needs_a_token(self, create: Callable[..., Any]) -> None:
        _error(create(headers={}), 401, "InvalidAuthenticationToken")

    def test_needs_the_call_records_permission(
        self, create: Callable[..., Any], auth: Callable[..., dict[str, str]]
    ) -> None:
        # TestBot has calling permissions only.
        message = _error(create(headers=auth(app=TEST_BOT)), 403, "accessDenied")
        assert "CallRecords.Read.All" in message

    def test_delegated_tokens_cannot_subscribe_to_call_records(
        self, create: Callable[..., Any], auth: Callable[..., dict[str, str]]
    ) -> None:
        headers = auth(app=DEV_APP, tenant=DEV_TENANT, user="alice@callboard.dev")
        _error(create(headers=headers), 403, "accessDenied")


class TestReadRenewDelete:
    def test_get_list_patch_delete(
        self,
        create: Callable[..., Any],
        app_client: TestClient,
        auth: Callable[..., dict[str, str]],
        clock: FrozenClock,
    ) -> None:
        created = create().json()
        url = f"{URL}/{created['id']}"
        got = app_client.get(url, headers=auth()).json()
        assert got["id"] == created["id"] and got["clientState"] == "secretClientValue"
        listed = app_client.get(URL, headers=auth()).json()
        assert listed["@odata.context"].endswith("$metadata#subscriptions")
        assert [s["id"] for s in listed["value"]] == [created["id"]]

        later = iso(clock.now() + 4000 * MINUTE)
        renewed = app_client.patch(url, json={"expirationDateTime": later}, headers=auth())
        assert renewed.status_code == 200, renewed.text
        assert renewed.json()["expirationDateTime"] == later
        assert app_client.get(url, headers=auth()).json()["expirationDateTime"] == later

        assert app_client.delete(url, headers=auth()).status_code == 204
        _error(app_client.get(url, headers=auth()), 404, "itemNotFound")
        _error(app_client.delete(url, headers=auth()), 404, "itemNotFound")

    def test_renewal_is_limited_like_creation(
        self,
        create: Callable[..., Any],
        app_client: TestClient,
        auth: Callable[..., dict[str, str]],
        clock: FrozenClock,
    ) -> None:
        url = f"{URL}/{create().json()['id']}"
        too_far = iso(clock.now() + 5000 * MINUTE)
        response = app_client.patch(url, json={"expirationDateTime": too_far}, headers=auth())
        assert "4230 minutes" in _error(response, 400, "invalidRequest")

    def test_moving_the_notification_url_validates_it(
        self,
        create: Callable[..., Any],
        app_client: TestClient,
        auth: Callable[..., dict[str, str]],
        endpoint: Endpoint,
    ) -> None:
        created = create().json()
        url = f"{URL}/{created['id']}"
        endpoint.mode = "wrong"
        moved = endpoint.url + "/moved"
        response = app_client.patch(url, json={"notificationUrl": moved}, headers=auth())
        _error(response, 400, "ValidationError")
        assert app_client.get(url, headers=auth()).json()["notificationUrl"] == endpoint.url
        endpoint.mode = "echo"
        response = app_client.patch(url, json={"notificationUrl": moved}, headers=auth())
        assert response.status_code == 200, response.text
        assert response.json()["notificationUrl"] == moved

    def test_an_expired_subscription_is_gone(
        self,
        create: Callable[..., Any],
        app_client: TestClient,
        auth: Callable[..., dict[str, str]],
        clock: FrozenClock,
    ) -> None:
        url = f"{URL}/{create().json()['id']}"
        clock.advance(61 * MINUTE)
        _error(app_client.get(url, headers=auth()), 404, "itemNotFound")
        renew = iso(clock.now() + 60 * MINUTE)
        _error(
            app_client.patch(url, json={"expirationDateTime": renew}, headers=auth()),
            404,
            "itemNotFound",
        )
        assert app_client.get(URL, headers=auth()).json()["value"] == []

    def test_another_app_or_tenant_sees_nothing(
        self,
        create: Callable[..., Any],
        app_client: TestClient,
        auth: Callable[..., dict[str, str]],
    ) -> None:
        url = f"{URL}/{create().json()['id']}"
        for other in (auth(app=CALLING_BOT, tenant=FABRIKAM), auth(app=DEV_APP, tenant=DEV_TENANT)):
            _error(app_client.get(url, headers=other), 404, "itemNotFound")
            _error(app_client.delete(url, headers=other), 404, "itemNotFound")
            assert app_client.get(URL, headers=other).json()["value"] == []
        assert app_client.get(url, headers=auth(app=CALLING_BOT, tenant=CONTOSO)).status_code == 200

    def test_beta_serves_the_same_resource(
        self,
        create: Callable[..., Any],
        app_client: TestClient,
        auth: Callable[..., dict[str, str]],
    ) -> None:
        created = create().json()
        got = app_client.get(f"/beta/subscriptions/{created['id']}", headers=auth())
        assert got.status_code == 200
        assert got.json()["@odata.context"].endswith("/beta/$metadata#subscriptions/$entity")
