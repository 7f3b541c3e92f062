"""Access tokens must come from Callboard's issuer for their own tenant (``iss``)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock
from callboard.services.runtime import Runtime
from callboard.tokens import token_issuer
from tests.conftest import CALLING_BOT, CONTOSO, FABRIKAM

URL = "/v1.0/communications/calls/x"


def _token(rt: Runtime, clock: FrozenClock, **changes: Any) -> str:
    now = int(clock.now())
    claims: dict[str, Any] = {
        "aud": "https://graph.microsoft.com",
        "iss": token_issuer(CONTOSO),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "tid": CONTOSO,
        "appid": CALLING_BOT,
        "roles": ["Calls.Initiate.All"],
    }
    claims.update(changes)
    return rt.keyring.sign({k: v for k, v in claims.items() if v is not None})


def test_a_token_from_the_right_issuer_is_accepted(
    app_client: TestClient, rt: Runtime, clock: FrozenClock
) -> None:
    response = app_client.get(URL, headers={"Authorization": f"Bearer {_token(rt, clock)}"})
    # Authenticated: the call does not exist.
    assert response.status_code == 404, response.text


@pytest.mark.parametrize(
    "issuer",
    [
        "https://evil.example/",
        token_issuer(FABRIKAM),  # another tenant's authority
        "https://login.microsoftonline.com/common/v2.0",
        "",
        None,  # no iss at all
    ],
)
def test_a_token_from_another_issuer_is_401(
    app_client: TestClient, rt: Runtime, clock: FrozenClock, issuer: str | None
) -> None:
    token = _token(rt, clock, iss=issuer) if issuer is not None else _token(rt, clock, iss=None)
    response = app_client.get(URL, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    error = response.json()["error"]
    assert error["code"] == "InvalidAuthenticationToken"
    assert "issuer" in error["message"]
