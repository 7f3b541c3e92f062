"""The admin API's guard: Host and Origin checks, the admin token, no client secret ever
returned (docs/decisions.md, "The admin API's guard")."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.services import control_plane
from callboard.services.directory_loading import default_directory_document
from tests.api.calling import BAD_REQUEST, CALLING_BOT, CONTOSO, JOHN, Harness, assert_error

ADMIN = "/_callboard"
ADMIN_TOKEN = "t0ken-for-the-admin-api-of-these-tests-0123456789"
DEV_SECRETS = [
    a["clientSecret"] for a in default_directory_document()["applications"] if a["clientSecret"]
]


def _client_credentials(h: Harness, secret: str) -> int:
    response = h.client.post(
        f"/{CONTOSO}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CALLING_BOT,
            "client_secret": secret,
            "scope": "https://graph.microsoft.com/.default",
        },
    )
    return response.status_code


class TestHost:
    """Against DNS rebinding: only loopback names, the base URL's host or the bind address."""

    @pytest.mark.parametrize(
        "host",
        ["attacker.example", "attacker.example:8765", "127.0.0.1.attacker.example", "callboard"],
    )
    @pytest.mark.parametrize(("method", "path"), [("GET", "/directory"), ("POST", "/reset")])
    def test_another_host_is_refused(self, h: Harness, host: str, method: str, path: str) -> None:
        h.client.put(f"{ADMIN}/behaviours/{JOHN}", json={"response": "busy"})
        response = h.client.request(method, ADMIN + path, headers={"host": host})
        error = assert_error(response, 403, "accessDenied")
        assert "host" in error["message"]
        # Nothing was reset.
        assert JOHN in h.client.get(f"{ADMIN}/behaviours").json()["value"]

    @pytest.mark.parametrize(
        "host",
        [
            "localhost",
            "localhost:8765",
            "127.0.0.1:8765",
            "127.1.2.3",
            "[::1]:8765",
            "bot.localhost",
        ],
    )
    def test_loopback_names_are_accepted(self, h: Harness, host: str) -> None:
        response = h.client.get(f"{ADMIN}/clock", headers={"host": host})
        assert response.status_code == 200, response.text

    def test_the_base_url_host_is_accepted(self, h: Harness) -> None:
        # The test client's own host, configured as the base URL.
        assert h.client.get(f"{ADMIN}/clock").status_code == 200

    def test_health_and_graph_do_not_check_the_host(self, h: Harness) -> None:
        headers = {"host": "attacker.example"}
        assert h.client.get(f"{ADMIN}/health", headers=headers).status_code == 200
        response = h.client.get("/v1.0/communications/calls/x", headers=headers)
        assert_error(response, 401, "InvalidAuthenticationToken")


class TestOrigin:
    """Against CSRF: a state change from another origin is refused."""

    @pytest.mark.parametrize(
        "origin",
        ["http://attacker.example", "null", "http://callboard.test:8080", "https://callboard.test"],
    )
    def test_a_cross_site_directory_wipe_is_refused(self, h: Harness, origin: str) -> None:
        before = h.directory()
        response = h.client.put(f"{ADMIN}/directory", json={}, headers={"origin": origin})
        error = assert_error(response, 403, "accessDenied")
        assert "origin" in error["message"]
        assert h.directory() == before

    def test_a_cross_site_reset_is_refused(self, h: Harness) -> None:
        h.client.put(f"{ADMIN}/behaviours/{JOHN}", json={"response": "busy"})
        response = h.client.post(f"{ADMIN}/reset", headers={"origin": "http://attacker.example"})
        assert_error(response, 403, "accessDenied")
        assert JOHN in h.client.get(f"{ADMIN}/behaviours").json()["value"]

    def test_the_same_origin_may_change_state(self, h: Harness) -> None:
        response = h.client.post(f"{ADMIN}/reset", headers={"origin": "http://callboard.test"})
        assert response.status_code == 204, response.text

    def test_reads_do_not_check_the_origin(self, h: Harness) -> None:
        response = h.client.get(f"{ADMIN}/clock", headers={"origin": "http://attacker.example"})
        assert response.status_code == 200, response.text


class TestSecretsAreNeverReturned:
    def test_the_directory_masks_client_secrets(self, h: Harness) -> None:
        document = h.directory()
        assert document["applications"]
        for app in document["applications"]:
            assert app["clientSecret"] == "********"

    def test_no_admin_response_carries_a_secret(self, h: Harness) -> None:
        h.establish_p2p()
        h.client.put(f"{ADMIN}/behaviours/{JOHN}", json={"response": "busy"})
        for path in ("/directory", "/behaviours", "/deliveries", "/jobs", "/clock", "/sms"):
            response = h.client.get(ADMIN + path)
            assert response.status_code == 200, response.text
            for secret in DEV_SECRETS:
                assert secret not in response.text, path

    def test_a_round_trip_keeps_the_secrets(self, h: Harness) -> None:
        h.put_directory(h.directory())
        assert _client_credentials(h, "calling-bot-secret") == 200
        assert _client_credentials(h, "********") == 401

    def test_a_new_secret_replaces_the_stored_one(self, h: Harness) -> None:
        document = h.directory()
        bot = next(a for a in document["applications"] if a["appId"] == CALLING_BOT)
        bot["clientSecret"] = "a-brand-new-secret"
        h.put_directory(document)
        assert _client_credentials(h, "a-brand-new-secret") == 200
        assert _client_credentials(h, "calling-bot-secret") == 401

    def test_a_masked_secret_for_a_new_app_is_400(self, h: Harness) -> None:
        document = h.directory()
        before = h.directory()
        document["applications"].append(
            {"appId": "new-app", "clientSecret": "********", "tenants": [CONTOSO]}
        )
        response = h.client.put(f"{ADMIN}/directory", json=document)
        error = assert_error(response, 400, BAD_REQUEST)
        assert "new-app" in error["message"]
        assert h.directory() == before


def _authorized(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


class TestCredentialsBeyondLoopback:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"host": "0.0.0.0", "admin_token": ADMIN_TOKEN}

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            _authorized("wrong"),
            _authorized(ADMIN_TOKEN[:-1]),
            {"authorization": f"Basic {ADMIN_TOKEN}"},
        ],
    )
    @pytest.mark.parametrize(("method", "path"), [("GET", "/directory"), ("POST", "/reset")])
    def test_without_the_admin_token_it_is_401(
        self, h: Harness, headers: dict[str, str], method: str, path: str
    ) -> None:
        response = h.client.request(method, ADMIN + path, headers=headers)
        error = assert_error(response, 401, "InvalidAuthenticationToken")
        assert "CALLBOARD_ADMIN_TOKEN" in error["message"]

    def test_a_graph_token_is_not_an_admin_token(self, h: Harness) -> None:
        response = h.client.get(f"{ADMIN}/clock", headers=h.auth())
        assert_error(response, 401, "InvalidAuthenticationToken")

    def test_with_the_admin_token_it_answers(self, h: Harness) -> None:
        headers = _authorized(ADMIN_TOKEN)
        assert h.client.get(f"{ADMIN}/clock", headers=headers).status_code == 200
        assert h.client.post(f"{ADMIN}/reset", headers=headers).status_code == 204

    def test_the_host_check_still_applies(self, h: Harness) -> None:
        headers = {**_authorized(ADMIN_TOKEN), "host": "attacker.example"}
        assert_error(h.client.get(f"{ADMIN}/clock", headers=headers), 403, "accessDenied")


class TestBeyondLoopbackWithoutAToken:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"host": "0.0.0.0"}

    def test_every_admin_request_is_401(self, h: Harness) -> None:
        for headers in ({}, _authorized(""), _authorized("anything")):
            response = h.client.put(f"{ADMIN}/directory", json={}, headers=headers)
            error = assert_error(response, 401, "InvalidAuthenticationToken")
            assert "none are configured" in error["message"]
        # The directory was not wiped.
        assert control_plane.get_directory(h.rt)["tenants"]


class TestProductionAlwaysAsks:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"mode": "production", "admin_enabled": True, "admin_token": ADMIN_TOKEN}

    def test_even_on_loopback(self, h: Harness) -> None:
        response = h.client.get(f"{ADMIN}/clock", headers={"host": "127.0.0.1:8765"})
        assert_error(response, 401, "InvalidAuthenticationToken")
        headers = {**_authorized(ADMIN_TOKEN), "host": "127.0.0.1:8765"}
        assert h.client.get(f"{ADMIN}/clock", headers=headers).status_code == 200


class TestDevelopmentOnLoopbackStaysOpen:
    def test_no_credentials_needed(self, h: Harness) -> None:
        assert h.client.post(f"{ADMIN}/reset").status_code == 204
