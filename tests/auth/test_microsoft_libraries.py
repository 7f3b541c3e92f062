"""Microsoft's own libraries, unchanged, against a live ``callboard serve --tls``: azure-identity
and MSAL get Graph tokens with only their authority changed; a bot validates notifications
with PyJWT's ``PyJWKClient`` through Callboard's OpenID document, even after the server's
clock moved ahead; ``callboard token`` asks the running server."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import msal
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential

from callboard.testing import CallboardServer, NotificationReceiver
from tests.conftest import DEV_APP, DEV_TENANT

pytestmark = pytest.mark.slow

SECRET = "callboard-dev-secret"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
BOB = "b0b00000-0000-4000-8000-000000000002"


@pytest.fixture(scope="module")
def receiver() -> Iterator[NotificationReceiver]:
    bot = NotificationReceiver()
    yield bot
    bot.close()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, receiver: NotificationReceiver
) -> Iterator[CallboardServer]:
    with CallboardServer(
        {"tls": True, "callback_rewrites": {"http://127.0.0.1:3978": receiver.url}},
        workdir=tmp_path_factory.mktemp("tls-server"),
    ) as live:
        yield live


@pytest.fixture
def trust(server: CallboardServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The documented trust step: the development CA for the requests-based libraries."""
    assert server.ca_file is not None
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    return str(server.ca_file)


def test_azure_identity_client_secret_credential(server: CallboardServer, trust: str) -> None:
    credential = ClientSecretCredential(
        DEV_TENANT,
        DEV_APP,
        SECRET,
        authority=server.base_url,
        disable_instance_discovery=True,
    )

    access = credential.get_token(GRAPH_SCOPE)

    assert access.expires_on > time.time() + 3000
    response = server.http.get(
        "/v1.0/communications/calls/00000000-0000-4000-8000-000000000000",
        headers={"Authorization": f"Bearer {access.token}"},
    )
    assert response.status_code == 404  # authenticated; the call does not exist
    assert response.json()["error"]["code"] == "itemNotFound"


def test_azure_identity_with_a_wrong_secret_fails_to_authenticate(
    server: CallboardServer, trust: str
) -> None:
    credential = ClientSecretCredential(
        DEV_TENANT, DEV_APP, "wrong", authority=server.base_url, disable_instance_discovery=True
    )

    with pytest.raises(ClientAuthenticationError, match="Invalid client id or secret"):
        credential.get_token(GRAPH_SCOPE)


def test_azure_identity_refuses_an_http_authority() -> None:
    # Why ``serve --tls`` exists.
    with pytest.raises(ValueError, match="https"):
        ClientSecretCredential(DEV_TENANT, DEV_APP, SECRET, authority="http://127.0.0.1:8765")


@pytest.mark.parametrize("discovery", ["callboard", "off"])
def test_msal_confidential_client(server: CallboardServer, trust: str, discovery: str) -> None:
    instance_discovery: str | bool = (
        f"{server.base_url}/common/discovery/instance" if discovery == "callboard" else False
    )
    app = msal.ConfidentialClientApplication(
        DEV_APP,
        client_credential=SECRET,
        authority=f"{server.base_url}/{DEV_TENANT}",
        instance_discovery=instance_discovery,
    )

    result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])

    assert "access_token" in result, result
    assert result["token_type"] == "Bearer"
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["appid"] == DEV_APP and claims["tid"] == DEV_TENANT
    # A second request is served from MSAL's cache.
    assert app.acquire_token_for_client(scopes=[GRAPH_SCOPE])["token_source"] == "cache"


def test_msal_with_a_wrong_secret_gets_invalid_client(server: CallboardServer, trust: str) -> None:
    app = msal.ConfidentialClientApplication(
        DEV_APP,
        client_credential="wrong",
        authority=f"{server.base_url}/{DEV_TENANT}",
        instance_discovery=False,
    )

    result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])

    assert result["error"] == "invalid_client"


def test_bot_validates_notifications_with_pyjwkclient_after_the_clock_moved(
    server: CallboardServer, receiver: NotificationReceiver
) -> None:
    server.clock.advance(3 * 3600)
    token = server.token(DEV_APP)
    created = server.http.post(
        "/v1.0/communications/calls",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "callbackUri": f"{receiver.url}/api/calls",
            "targets": [{"identity": {"user": {"id": BOB, "displayName": "Bob"}}}],
            "requestedModalities": ["audio"],
            "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
        },
    )
    assert created.status_code == 201, created.text
    notification = receiver.wait_for(created.json()["id"], state="establishing")

    # Microsoft's calling samples: the OpenID document, then its JWKS, then the token's checks.
    assert server.ca_file is not None
    context = ssl.create_default_context(cafile=str(server.ca_file))
    config = httpx.get(
        f"{server.base_url}/v1/.well-known/OpenIdConfiguration", verify=context
    ).json()
    jwks = jwt.PyJWKClient(config["jwks_uri"], ssl_context=context)
    bearer = notification.headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(
        bearer,
        jwks.get_signing_key_from_jwt(bearer).key,
        algorithms=["RS256"],
        audience=DEV_APP,
        issuer=config["issuer"],
    )
    assert claims["tid"] == DEV_TENANT

    # A reset puts the server's clock back to real time.
    server.reset()
    assert abs(server.clock.now() - time.time()) < 60


def test_token_command_asks_the_running_server(server: CallboardServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBOARD_")}
    env["CALLBOARD_DATA_DIR"] = server.settings["data_dir"]  # where the CA to trust is
    result = subprocess.run(
        [sys.executable, "-m", "callboard", "token", "--url", server.base_url],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    response = server.http.get(
        "/v1.0/communications/calls/00000000-0000-4000-8000-000000000000",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404, response.text
    # Nothing was created where it ran: no database of its own, no keys of its own.
    assert list(tmp_path.iterdir()) == []
