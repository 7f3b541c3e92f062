"""Bearer tokens, tenant isolation, and Graph's HTTP conventions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock
from callboard.tokens import generate_private_pem
from tests.conftest import CALLING_BOT, CONTOSO, FABRIKAM, TEST_BOT
from tests.support import seed

URL = "/v1.0/communications/calls"


def _create(
    client: TestClient, headers: dict[str, str], name: str = "create-call-1"
) -> dict[str, Any]:
    response = client.post(URL, json=seed(name)["body"], headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


class TestTokens:
    def _assert_401(self, response: Any, fragment: str) -> None:
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer ")
        error = response.json()["error"]
        assert error["code"] == "InvalidAuthenticationToken"
        assert fragment in error["message"]

    def test_missing_token(self, app_client: TestClient) -> None:
        self._assert_401(app_client.post(URL, json=seed("create-call-1")["body"]), "empty")

    @pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer    ", "token"])
    def test_malformed_header(self, app_client: TestClient, header: str) -> None:
        self._assert_401(app_client.get(f"{URL}/x", headers={"Authorization": header}), "empty")

    def test_expired_token(
        self, app_client: TestClient, auth: Callable[..., dict[str, str]], clock: FrozenClock
    ) -> None:
        headers = auth()
        clock.advance(3601)
        self._assert_401(app_client.get(f"{URL}/x", headers=headers), "expired")

    def test_token_signed_by_another_key(
        self, app_client: TestClient, token: Callable[..., str]
    ) -> None:
        claims = jwt.decode(token(), options={"verify_signature": False})
        kid, pem = generate_private_pem()
        forged = jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})
        self._assert_401(
            app_client.get(f"{URL}/x", headers={"Authorization": f"Bearer {forged}"}), "validation"
        )

    def test_token_with_a_known_kid_but_a_bad_signature(
        self, app_client: TestClient, token: Callable[..., str]
    ) -> None:
        header, payload, signature = token().split(".")
        tampered = f"{header}.{payload}.{signature[:-6]}AAAAAA"
        self._assert_401(
            app_client.get(f"{URL}/x", headers={"Authorization": f"Bearer {tampered}"}),
            "validation",
        )

    def test_token_for_another_audience(
        self, app_client: TestClient, rt: Any, clock: FrozenClock
    ) -> None:
        now = int(clock.now())
        other = rt.keyring.sign(
            {
                "aud": "api://something-else",
                "tid": CONTOSO,
                "appid": CALLING_BOT,
                "exp": now + 600,
                "roles": [],
            }
        )
        self._assert_401(
            app_client.get(f"{URL}/x", headers={"Authorization": f"Bearer {other}"}), "audience"
        )

    def test_graph_token_claims(self, token: Callable[..., str]) -> None:
        claims = jwt.decode(token(), options={"verify_signature": False})
        assert claims["aud"] == "https://graph.microsoft.com"
        assert claims["iss"] == f"https://sts.windows.net/{CONTOSO}/"
        assert claims["tid"] == CONTOSO
        assert claims["appid"] == claims["oid"] == CALLING_BOT
        assert "Calls.Initiate.All" in claims["roles"]
        assert claims["exp"] > claims["iat"]

    def test_delegated_token_claims(self, token: Callable[..., str]) -> None:
        claims = jwt.decode(
            token(
                app="b07b0700-0000-4000-8000-000000000001", tenant=None, user="alice@callboard.dev"
            ),
            options={"verify_signature": False},
        )
        assert claims["oid"] == "a11ce000-0000-4000-8000-000000000001"
        assert "OnlineMeetings.ReadWrite" in claims["scp"].split()
        assert "roles" not in claims

    def test_keys_are_published(self, app_client: TestClient, token: Callable[..., str]) -> None:
        config = app_client.get(f"/{CONTOSO}/v2.0/.well-known/openid-configuration").json()
        assert config["issuer"] == f"https://sts.windows.net/{CONTOSO}/"
        jwks = app_client.get("/common/discovery/v2.0/keys").json()
        value = token()
        key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(value)["kid"]]
        jwt.decode(value, key.key, algorithms=["RS256"], audience="https://graph.microsoft.com")

    def test_client_credentials_endpoint(self, app_client: TestClient) -> None:
        response = app_client.post(
            f"/{CONTOSO}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CALLING_BOT,
                "client_secret": "calling-bot-secret",
                "scope": "https://graph.microsoft.com/.default",
            },
        )
        assert response.status_code == 200, response.text
        access = response.json()["access_token"]
        call = app_client.post(
            URL, json=seed("create-call-1")["body"], headers={"Authorization": f"Bearer {access}"}
        )
        assert call.status_code == 201
        wrong = app_client.post(
            f"/{CONTOSO}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CALLING_BOT,
                "client_secret": "nope",
            },
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_client"


class TestTenantIsolation:
    def test_another_tenant_cannot_see_the_call(
        self, app_client: TestClient, auth: Callable[..., dict[str, str]]
    ) -> None:
        call = _create(app_client, auth(tenant=CONTOSO))
        other = auth(tenant=FABRIKAM)  # the same app, consented in another tenant
        for method, path in [
            ("GET", ""),
            ("DELETE", ""),
            ("GET", "/participants"),
            ("GET", "/operations/x"),
            ("POST", "/keepAlive"),
        ]:
            response = app_client.request(method, f"{URL}/{call['id']}{path}", headers=other)
            assert response.status_code == 404, (method, path)
            assert response.json()["error"]["code"] == "itemNotFound"
        assert app_client.get(f"{URL}/{call['id']}", headers=auth()).status_code == 200

    def test_another_app_of_the_same_tenant_cannot_see_the_call(
        self, app_client: TestClient, auth: Callable[..., dict[str, str]]
    ) -> None:
        call = _create(app_client, auth())
        response = app_client.get(f"{URL}/{call['id']}", headers=auth(app=TEST_BOT))
        assert response.status_code == 404

    def test_unknown_call_is_404(
        self, app_client: TestClient, auth: Callable[..., dict[str, str]]
    ) -> None:
        response = app_client.get(f"{URL}/no-such-call", headers=auth())
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "itemNotFound"


class TestConventions:
    def test_client_request_id_is_echoed(
        self, app_client: TestClient, auth: Callable[..., dict[str, str]]
    ) -> None:
        response = app_client.get(f"{URL}/x", headers={**auth(), "client-request-id": "abc-123"})
        assert response.headers["client-request-id"] == "abc-123"
        assert response.headers["request-id"] != "abc-123"
        assert response.json()["error"]["innerError"]["client-request-id"] == "abc-123"

    def test_request_id_without_client_request_id(self, app_client: TestClient) -> None:
        response = app_client.get("/_callboard/health")
        assert response.headers["request-id"] == response.headers["client-request-id"]

    @pytest.mark.parametrize("path", ["/v1.0/nothing/here", "/v2.0/communications/calls", "/"])
    def test_unknown_routes_get_the_envelope(self, app_client: TestClient, path: str) -> None:
        response = app_client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"]["code"] == "UnknownError"

    def test_wrong_method_gets_the_envelope(self, app_client: TestClient) -> None:
        response = app_client.put(f"{URL}/x")
        assert response.status_code == 405
        assert response.json()["error"]["code"] == "methodNotAllowed"

    def test_beta_and_double_slashes(
        self, app_client: TestClient, auth: Callable[..., dict[str, str]]
    ) -> None:
        response = app_client.post(
            "/beta//communications/calls", json=seed("create-call-1")["body"], headers=auth()
        )
        assert response.status_code == 201
        body = response.json()
        assert body["@odata.context"].startswith("http://callboard.test/beta/$metadata")
        assert response.headers["location"].startswith("http://callboard.test/beta/")

    def test_configured_base_url_is_used(
        self, app_client: TestClient, rt: Any, auth: Callable[..., dict[str, str]]
    ) -> None:
        rt.settings.base_url = "https://callboard.example.test/"
        response = app_client.post(URL, json=seed("create-call-1")["body"], headers=auth())
        assert response.headers["location"].startswith(
            "https://callboard.example.test/v1.0/communications/calls/"
        )

    def test_participants_are_paged(
        self,
        app_client: TestClient,
        auth: Callable[..., dict[str, str]],
        advance: Callable[[float], int],
        rt: Any,
    ) -> None:
        call = _create(app_client, auth(app=TEST_BOT), "create-call-3")
        advance(rt.settings.connect_delay_seconds)
        advance(rt.settings.answer_delay_seconds)
        first = app_client.get(
            f"{URL}/{call['id']}/participants?$top=2", headers=auth(app=TEST_BOT)
        ).json()
        assert len(first["value"]) == 2
        assert first["@odata.context"].endswith(
            f"communications/calls('{call['id']}')/participants"
        )
        second = app_client.get(first["@odata.nextLink"], headers=auth(app=TEST_BOT)).json()
        assert len(second["value"]) == 1
        assert "@odata.nextLink" not in second
        one = app_client.get(
            f"{URL}/{call['id']}/participants/{second['value'][0]['id']}",
            headers=auth(app=TEST_BOT),
        )
        assert one.status_code == 200
        assert one.json()["@odata.type"] == "#microsoft.graph.participant"
        bad = app_client.get(
            f"{URL}/{call['id']}/participants?$top=zero", headers=auth(app=TEST_BOT)
        )
        assert bad.status_code == 400

    def test_openapi_and_docs_are_served(self, app_client: TestClient) -> None:
        spec = app_client.get("/openapi.json").json()
        assert "/v1.0/communications/calls" in spec["paths"]
        assert "/_callboard/incoming-calls" in spec["paths"]
        assert app_client.get("/docs").status_code == 200
