"""Presence over HTTP: sessions, fading and expiry on the virtual clock, preferred presence,
status messages, permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock
from tests.conftest import CALLING_BOT, CONTOSO, DEV_APP, DEV_TENANT, TEST_BOT
from tests.support import error_message as _error

ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
CAROL = "ca201000-0000-4000-8000-000000000003"
JOHN = "112f7296-5fa4-42ca-bae8-6a692b15d4b8"
MINUTE = 60.0


@pytest.fixture
def app_headers(auth: Callable[..., dict[str, str]]) -> dict[str, str]:
    return auth(app=DEV_APP, tenant=DEV_TENANT)


@pytest.fixture
def alice_headers(auth: Callable[..., dict[str, str]]) -> dict[str, str]:
    return auth(app=DEV_APP, tenant=DEV_TENANT, user="alice@callboard.dev")


def _state(client: TestClient, headers: dict[str, str], user: str = ALICE) -> tuple[str, str]:
    response = client.get(f"/v1.0/users/{user}/presence", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["availability"], body["activity"]


def _set(client: TestClient, headers: dict[str, str], user: str = ALICE, **body: Any) -> Any:
    sent = {"sessionId": DEV_APP, "availability": "Available", "activity": "Available"}
    sent.update(body)
    return client.post(f"/v1.0/users/{user}/presence/setPresence", json=sent, headers=headers)


class TestRead:
    def test_a_user_without_sessions_is_offline(
        self, app_client: TestClient, app_headers: dict[str, str]
    ) -> None:
        response = app_client.get(f"/v1.0/users/{ALICE}/presence", headers=app_headers)
        assert response.status_code == 200
        body = response.json()
        assert body["@odata.context"].endswith(f"$metadata#users('{ALICE}')/presence/$entity")
        assert body["id"] == ALICE
        assert (body["availability"], body["activity"]) == ("Offline", "Offline")
        assert body["statusMessage"] is None
        assert body["outOfOfficeSettings"] == {"message": None, "isOutOfOffice": False}

    def test_me_and_upn_and_communications_forms(
        self, app_client: TestClient, app_headers: dict[str, str], alice_headers: dict[str, str]
    ) -> None:
        assert (
            _set(app_client, app_headers, availability="Busy", activity="InACall").status_code
            == 200
        )
        me = app_client.get("/v1.0/me/presence", headers=alice_headers).json()
        assert me["@odata.context"].endswith("$metadata#me/presence/$entity")
        assert (me["id"], me["availability"], me["activity"]) == (ALICE, "Busy", "InACall")
        upn = app_client.get("/v1.0/users/alice@callboard.dev/presence", headers=app_headers)
        assert upn.json()["activity"] == "InACall"
        comms = app_client.get(f"/v1.0/communications/presences/{ALICE}", headers=app_headers)
        assert comms.json()["availability"] == "Busy"

    def test_get_presences_by_user_id(
        self, app_client: TestClient, app_headers: dict[str, str]
    ) -> None:
        _set(app_client, app_headers, user=BOB, availability="Away", activity="Away")
        response = app_client.post(
            "/v1.0/communications/getPresencesByUserId",
            json={"ids": [BOB, ALICE, "00000000-0000-4000-8000-00000000dead"]},
            headers=app_headers,
        )
        assert response.status_code == 200, response.text
        values = response.json()["value"]
        assert [(v["id"], v["availability"]) for v in values] == [(BOB, "Away"), (ALICE, "Offline")]

    def test_get_presences_limits(
        self, app_client: TestClient, app_headers: dict[str, str]
    ) -> None:
        url = "/v1.0/communications/getPresencesByUserId"
        _error(app_client.post(url, json={"ids": []}, headers=app_headers), 400, "invalidRequest")
        many = {"ids": [ALICE] * 651}
        assert "650" in _error(
            app_client.post(url, json=many, headers=app_headers), 400, "invalidRequest"
        )

    def test_unknown_user_and_other_tenant(
        self, app_client: TestClient, app_headers: dict[str, str]
    ) -> None:
        # John is a user of another tenant: as unknown as a made-up id.
        for user in (JOHN, "nobody@callboard.dev"):
            _error(
                app_client.get(f"/v1.0/users/{user}/presence", headers=app_headers),
                404,
                "itemNotFound",
            )

    def test_permissions(self, app_client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
        # TestBot has no presence permission at all.
        _error(
            app_client.get(f"/v1.0/users/{JOHN}/presence", headers=auth(app=TEST_BOT)),
            403,
            "accessDenied",
        )
        # Calling Bot's delegated Presence.Read reaches the signed-in user only.
        john = auth(app=CALLING_BOT, tenant=CONTOSO, user="john@contoso.com")
        assert app_client.get("/v1.0/me/presence", headers=john).status_code == 200
        other = "/v1.0/users/bob@contoso.com/presence"
        assert "Presence.Read.All" in _error(
            app_client.get(other, headers=john), 403, "accessDenied"
        )
        # /me needs a delegated token.
        _error(app_client.get("/v1.0/me/presence", headers=auth()), 400, "invalidRequest")
        _error(app_client.get(f"/v1.0/users/{JOHN}/presence"), 401, "InvalidAuthenticationToken")


class TestSessions:
    def test_available_fades_then_expires(
        self, app_client: TestClient, app_headers: dict[str, str], clock: FrozenClock
    ) -> None:
        assert _set(app_client, app_headers, expirationDuration="PT30M").status_code == 200
        assert _state(app_client, app_headers) == ("Available", "Available")
        clock.advance(5 * MINUTE)
        assert _state(app_client, app_headers) == ("AvailableIdle", "Inactive")
        clock.advance(5 * MINUTE)
        assert _state(app_client, app_headers) == ("Away", "Away")
        clock.advance(20 * MINUTE - 1)
        assert _state(app_client, app_headers) == ("Away", "Away")
        clock.advance(1)
        assert _state(app_client, app_headers) == ("Offline", "Offline")

    def test_refreshing_keeps_it_available(
        self, app_client: TestClient, app_headers: dict[str, str], clock: FrozenClock
    ) -> None:
        for _ in range(4):
            _set(app_client, app_headers)
            clock.advance(4 * MINUTE)
            assert _state(app_client, app_headers) == ("Available", "Available")

    def test_default_expiration_is_five_minutes(
        self, app_client: TestClient, app_headers: dict[str, str], clock: FrozenClock
    ) -> None:
        _set(app_client, app_headers, availability="Busy", activity="InAConferenceCall")
        clock.advance(5 * MINUTE - 1)
        assert _state(app_client, app_headers) == ("Busy", "InAConferenceCall")
        clock.advance(1)
        assert _state(app_client, app_headers) == ("Offline", "Offline")

    def test_clear_presence(self, app_client: TestClient, app_headers: dict[str, str]) -> None:
        _set(app_client, app_headers, availability="Busy", activity="InACall")
        url = f"/v1.0/users/{ALICE}/presence/clearPresence"
        assert (
            app_client.post(url, json={"sessionId": DEV_APP}, headers=app_headers).status_code
            == 200
        )
        assert _state(app_client, app_headers) == ("Offline", "Offline")
        _error(
            app_client.post(url, json={"sessionId": DEV_APP}, headers=app_headers),
            400,
            "invalidRequest",
        )

    @pytest.mark.parametrize(
        ("body", "fragment"),
        [
            ({"availability": "Busy", "activity": "Available"}, "not a supported combination"),
            ({"availability": "Offline", "activity": "OffWork"}, "not a supported combination"),
            ({"expirationDuration": "PT4M"}, "PT5M and PT4H"),
            ({"expirationDuration": "PT5H"}, "PT5M and PT4H"),
            ({"sessionId": "someone-else"}, "sessionId"),
        ],
    )
    def test_rules(
        self,
        app_client: TestClient,
        app_headers: dict[str, str],
        body: dict[str, Any],
        fragment: str,
    ) -> None:
        assert fragment in _error(_set(app_client, app_headers, **body), 400, "invalidRequest")

    def test_bad_duration_and_missing_fields(
        self, app_client: TestClient, app_headers: dict[str, str]
    ) -> None:
        _error(_set(app_client, app_headers, expirationDuration="an hour"), 400, "invalidRequest")
        url = f"/v1.0/users/{ALICE}/presence/setPresence"
        _error(
            app_client.post(url, json={"sessionId": DEV_APP}, headers=app_headers),
            400,
            "invalidRequest",
        )

    def test_set_presence_is_application_only(
        self, app_client: TestClient, alice_headers: dict[str, str]
    ) -> None:
        _error(_set(app_client, alice_headers), 403, "accessDenied")
        # And there is no /me form of it.
        response = app_client.post(
            "/v1.0/me/presence/setPresence",
            json={"sessionId": DEV_APP, "availability": "Available", "activity": "Available"},
            headers=alice_headers,
        )
        assert response.status_code in (404, 405)

    def test_precedence_of_sessions(
        self,
        app_client: TestClient,
        app_headers: dict[str, str],
        auth: Callable[..., dict[str, str]],
    ) -> None:
        # Two applications' sessions: Busy outranks Available; DoNotDisturb outranks Busy.
        _set(app_client, app_headers, availability="Busy", activity="InACall")
        assert _state(app_client, app_headers) == ("Busy", "InACall")
        _set(app_client, app_headers, availability="Available", activity="Available")
        assert _state(app_client, app_headers) == ("Available", "Available")  # same session
        _set(app_client, app_headers, availability="DoNotDisturb", activity="Presenting")
        assert _state(app_client, app_headers) == ("DoNotDisturb", "Presenting")


class TestPreferredAndStatusMessage:
    def test_preferred_presence_needs_a_session_and_overrides_it(
        self,
        app_client: TestClient,
        app_headers: dict[str, str],
        alice_headers: dict[str, str],
        clock: FrozenClock,
    ) -> None:
        url = "/v1.0/me/presence/setUserPreferredPresence"
        body = {
            "availability": "DoNotDisturb",
            "activity": "DoNotDisturb",
            "expirationDuration": "PT8H",
        }
        assert app_client.post(url, json=body, headers=alice_headers).status_code == 200
        assert _state(app_client, app_headers) == ("Offline", "Offline")  # no session yet
        _set(app_client, app_headers, expirationDuration="PT4H")
        assert _state(app_client, app_headers) == ("DoNotDisturb", "DoNotDisturb")
        clear = "/v1.0/me/presence/clearUserPreferredPresence"
        assert app_client.post(clear, headers=alice_headers).status_code == 200
        assert _state(app_client, app_headers) == ("Available", "Available")

    def test_preferred_presence_expires(
        self, app_client: TestClient, app_headers: dict[str, str], clock: FrozenClock
    ) -> None:
        url = f"/v1.0/users/{ALICE}/presence/setUserPreferredPresence"
        body = {"availability": "Busy", "activity": "Busy", "expirationDuration": "PT30M"}
        assert app_client.post(url, json=body, headers=app_headers).status_code == 200
        _set(
            app_client, app_headers, availability="Away", activity="Away", expirationDuration="PT4H"
        )
        assert _state(app_client, app_headers) == ("Busy", "Busy")
        clock.advance(30 * MINUTE)
        assert _state(app_client, app_headers) == ("Away", "Away")

    def test_preferred_presence_rules_and_permissions(
        self,
        app_client: TestClient,
        alice_headers: dict[str, str],
        auth: Callable[..., dict[str, str]],
    ) -> None:
        url = "/v1.0/me/presence/setUserPreferredPresence"
        bad = {"availability": "Busy", "activity": "InACall"}
        _error(app_client.post(url, json=bad, headers=alice_headers), 400, "invalidRequest")
        john = auth(app=CALLING_BOT, tenant=CONTOSO, user="john@contoso.com")
        other = "/v1.0/users/bob@contoso.com/presence/setUserPreferredPresence"
        good = {"availability": "Away", "activity": "Away"}
        _error(app_client.post(other, json=good, headers=john), 403, "accessDenied")
        assert app_client.post(url, json=good, headers=john).status_code == 200

    def test_status_message(
        self,
        app_client: TestClient,
        app_headers: dict[str, str],
        alice_headers: dict[str, str],
        clock: FrozenClock,
    ) -> None:
        url = "/v1.0/me/presence/setStatusMessage"
        body = {
            "statusMessage": {
                "message": {"content": "Hey I'm currently in a meeting.", "contentType": "text"},
                "expiryDateTime": {
                    "dateTime": "2099-10-18T17:05:33.2079781",
                    "timeZone": "Pacific Standard Time",
                },
            }
        }
        assert app_client.post(url, json=body, headers=alice_headers).status_code == 200
        mine = app_client.get("/v1.0/me/presence", headers=alice_headers).json()["statusMessage"]
        assert mine["message"] == {
            "content": "Hey I'm currently in a meeting.",
            "contentType": "text",
        }
        assert mine["expiryDateTime"]["timeZone"] == "Pacific Standard Time"
        assert "publishedDateTime" in mine
        # Another reader sees the message, not its times.
        theirs = app_client.get(f"/v1.0/users/{ALICE}/presence", headers=app_headers).json()
        assert theirs["statusMessage"] == {"message": mine["message"]}

    def test_status_message_expires(
        self, app_client: TestClient, alice_headers: dict[str, str], clock: FrozenClock
    ) -> None:
        from callboard.clock import to_datetime

        soon = to_datetime(clock.now() + 10 * MINUTE).replace(tzinfo=None).isoformat()
        body = {
            "statusMessage": {
                "message": {"content": "back soon"},
                "expiryDateTime": {"dateTime": soon, "timeZone": "UTC"},
            }
        }
        url = "/v1.0/me/presence/setStatusMessage"
        assert app_client.post(url, json=body, headers=alice_headers).status_code == 200
        get = "/v1.0/me/presence"
        assert app_client.get(get, headers=alice_headers).json()["statusMessage"] is not None
        # A second past the expiry: the dateTime sent has microseconds, the clock does not.
        clock.advance(10 * MINUTE + 1)
        assert app_client.get(get, headers=alice_headers).json()["statusMessage"] is None

    def test_status_message_bad_time_zone(
        self, app_client: TestClient, alice_headers: dict[str, str]
    ) -> None:
        body = {
            "statusMessage": {
                "message": {"content": "x"},
                "expiryDateTime": {
                    "dateTime": "2099-01-01T00:00:00",
                    "timeZone": "Mars Standard Time",
                },
            }
        }
        response = app_client.post(
            "/v1.0/me/presence/setStatusMessage", json=body, headers=alice_headers
        )
        _error(response, 400, "invalidRequest")
