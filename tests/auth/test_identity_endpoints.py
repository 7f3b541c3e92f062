"""The identity side in process: OpenID metadata MSAL reads, instance discovery, the token
endpoint's OAuth errors, ``POST /_callboard/token``, reset and the clock, notification times."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock, VirtualClock
from callboard.errors import GraphError, InvalidClient
from callboard.jobs.webhooks import NotificationSigner
from callboard.services import clock_sync, control_plane
from callboard.services.runtime import Runtime
from tests.conftest import CALLING_BOT, CONTOSO, DEV_APP, DEV_TENANT
from tests.support import Receiver, seed

ROOT = "http://callboard.test"


def test_tenant_openid_document_has_what_msal_reads(app_client: TestClient) -> None:
    response = app_client.get(f"/{CONTOSO}/v2.0/.well-known/openid-configuration")

    assert response.status_code == 200
    document = response.json()
    oauth = f"{ROOT}/{CONTOSO}/oauth2/v2.0"
    assert document["authorization_endpoint"] == f"{oauth}/authorize"
    assert document["token_endpoint"] == f"{oauth}/token"
    assert document["jwks_uri"] == f"{ROOT}/common/discovery/v2.0/keys"
    assert document["issuer"] == f"https://sts.windows.net/{CONTOSO}/"
    assert "client_credentials" in document["grant_types_supported"]


def test_instance_discovery_points_at_the_tenant_document(app_client: TestClient) -> None:
    # MSAL names the authority without its port.
    asked = f"https://callboard.test/{CONTOSO}/oauth2/v2.0/authorize"
    response = app_client.get(
        "/common/discovery/instance",
        params={"authorization_endpoint": asked, "api-version": "1.0"},
    )

    assert response.status_code == 200
    document = response.json()
    assert document["tenant_discovery_endpoint"] == (
        f"{ROOT}/{CONTOSO}/v2.0/.well-known/openid-configuration"
    )
    assert document["metadata"][0]["aliases"] == ["callboard.test"]


@pytest.mark.parametrize(
    "asked",
    [
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        "",
        "https://callboard.test/",
    ],
)
def test_instance_discovery_of_another_authority_is_invalid_instance(
    app_client: TestClient, asked: str
) -> None:
    response = app_client.get(
        "/common/discovery/instance", params={"authorization_endpoint": asked}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_instance"


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "password", "client_id": CALLING_BOT}, 400, "unsupported_grant_type"),
        ({"client_id": CALLING_BOT}, 400, "invalid_request"),
        ({"grant_type": "client_credentials"}, 400, "invalid_request"),
        (
            {"grant_type": "client_credentials", "client_id": CALLING_BOT, "client_secret": "x"},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
            401,
            "invalid_client",
        ),
    ],
)
def test_token_endpoint_errors_use_oauth_envelope(
    app_client: TestClient, form: dict[str, str], status: int, error: str
) -> None:
    response = app_client.post(f"/{CONTOSO}/oauth2/v2.0/token", data=form)

    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]


def test_invalid_client_is_a_graph_error() -> None:
    assert issubclass(InvalidClient, GraphError)
    assert InvalidClient().status_code == 401
    assert InvalidClient().code == "invalid_client"


def test_admin_token_is_signed_with_the_servers_keys_and_clock(
    app_client: TestClient, clock: FrozenClock
) -> None:
    response = app_client.post("/_callboard/token", json={"user": "alice@callboard.dev"})

    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["appid"] == DEV_APP and claims["tid"] == DEV_TENANT
    assert claims["upn"] == "alice@callboard.dev"
    # Real time in the token; its lifetime runs on the server's clock.
    assert abs(claims["iat"] - time.time()) < 60
    assert claims["iat"] + claims["xms_cb_skew"] == int(clock.now())
    # The server accepts it (the call does not exist, but the caller is authenticated).
    got = app_client.get(
        "/v1.0/me/onlineMeetings/nope", headers={"Authorization": f"Bearer {token}"}
    )
    assert got.status_code == 404


@pytest.mark.parametrize(
    "body", [{"app": "00000000-0000-4000-8000-00000000dead"}, {"user": "nobody@nowhere"}]
)
def test_admin_token_for_an_unknown_party_is_a_400(
    app_client: TestClient, body: dict[str, str]
) -> None:
    response = app_client.post("/_callboard/token", json=body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalidRequest"


def test_admin_token_rejects_unknown_fields(app_client: TestClient) -> None:
    response = app_client.post("/_callboard/token", json={"application": DEV_APP})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalidRequest"


def test_reset_puts_the_virtual_clock_back_to_real_time(rt: Runtime) -> None:
    rt.clock = VirtualClock()
    control_plane.advance_clock(rt, 7200)
    assert rt.clock.now() - time.time() > 7000

    control_plane.reset(rt)

    assert abs(rt.clock.now() - time.time()) < 60
    clock_sync.load(rt)  # what the runner does on each turn: the stored offset is gone too
    assert abs(rt.clock.now() - time.time()) < 60


def test_notification_tokens_carry_wall_clock_times(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    advance: Callable[[float], int],
    receiver: Receiver,
) -> None:
    advance(2 * 3600)  # a test moved the server's clock two hours ahead
    request = seed("create-call-1")
    assert app_client.post(request["url"], json=request["body"], headers=auth()).status_code == 201
    advance(0)

    token = receiver.received[0].headers["authorization"].removeprefix("Bearer ")
    jwks = app_client.get("/v1/keys").json()
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    # A bot checks the times against its own (real) clock: no ImmatureSignatureError.
    claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"], audience=CALLING_BOT)
    assert abs(claims["iat"] - time.time()) < 60
    assert claims["exp"] - claims["iat"] == 3900


def test_notification_signer_reuses_a_token_until_near_its_expiry(rt: Runtime) -> None:
    now = [1_000_000.0]
    signer = NotificationSigner(rt.keyring, rt.settings, wall_clock=lambda: now[0])

    first = signer.token(CALLING_BOT, CONTOSO)
    now[0] += 3000
    assert signer.token(CALLING_BOT, CONTOSO) == first
    now[0] += 400  # under ten minutes left: a new one
    renewed = signer.token(CALLING_BOT, CONTOSO)
    assert renewed != first
    assert jwt.decode(renewed, options={"verify_signature": False})["iat"] == int(now[0])


def test_access_tokens_carry_real_times_and_expire_on_the_servers_clock(
    app_client: TestClient, clock: FrozenClock, auth: Callable[..., dict[str, str]]
) -> None:
    clock.advance(5 * 3600)  # the server's clock is five hours ahead
    headers = auth()
    claims = jwt.decode(
        headers["Authorization"].removeprefix("Bearer "), options={"verify_signature": False}
    )
    assert abs(claims["iat"] - time.time()) < 60  # a client's real clock accepts it
    assert claims["exp"] - claims["iat"] == 3600
    url = "/v1.0/communications/calls/00000000-0000-4000-8000-000000000000"
    assert app_client.get(url, headers=headers).status_code == 404  # accepted

    clock.advance(3599)
    assert app_client.get(url, headers=headers).status_code == 404
    clock.advance(1)
    expired = app_client.get(url, headers=headers)
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]


def test_a_token_with_a_malformed_skew_claim_is_rejected(
    app_client: TestClient, rt: Runtime
) -> None:
    token = rt.keyring.sign(
        {
            "aud": "https://graph.microsoft.com",
            "iss": f"https://sts.windows.net/{CONTOSO}/",
            "iat": int(time.time()),
            "exp": int(time.time()) + 3600,
            "tid": CONTOSO,
            "appid": CALLING_BOT,
            "roles": ["Calls.Initiate.All"],
            "xms_cb_skew": "soon",
        }
    )
    response = app_client.get(
        "/v1.0/communications/calls/x", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
