"""Seed 003's create-call examples 1-4 and 9-10, sent verbatim: reply and notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.conftest import CALLING_BOT, CONTOSO, TEST_BOT
from tests.support import Receiver, seed

# The app each example's source names (examples 1, 2: none, so the Calling Bot).
EXAMPLES = {
    "create-call-1": CALLING_BOT,
    "create-call-2": CALLING_BOT,
    "create-call-3": TEST_BOT,
    "create-call-4": TEST_BOT,
    "create-call-9": CALLING_BOT,
    "create-call-10": CALLING_BOT,
}


def _same_shape(expected: Any, actual: Any, path: str = "$") -> None:
    """Every property of the seed's response is present with the same kind of value."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path} should be an object"
        for key, value in expected.items():
            assert key in actual, f"{path}.{key} is missing"
            if value is not None:
                _same_shape(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path} should be an array"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_seed_example_creates_call(
    name: str, app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    request = seed(name)
    response = app_client.post(
        request["url"], json=request["body"], headers=auth(app=EXAMPLES[name])
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["content-type"] == "application/json"
    assert response.headers["location"] == (
        f"http://callboard.test/v1.0/communications/calls/{body['id']}"
    )
    assert response.headers["request-id"]
    assert body["@odata.context"] == (
        "http://callboard.test/v1.0/$metadata#communications/calls/$entity"
    )
    assert body["@odata.type"] == "#microsoft.graph.call"
    assert body["state"] == "establishing"
    assert body["direction"] == "outgoing"
    assert body["tenantId"] == CONTOSO
    assert body["myParticipantId"] and body["callChainId"]
    assert body["myParticipantId"] != body["id"]
    assert body["source"]["identity"][
        "application"
        if name <= "create-call-4" and name != "create-call-10"
        else "applicationInstance"
    ]
    expected = seed(name, "response")["body"]
    for generated in ("id", "callChainId", "myParticipantId", "@odata.context", "tenantId"):
        expected.pop(generated, None)
    # Seed responses show server-side media defaults (prefetched prompts, the blob) that the
    # request never sent; only the shape of mediaConfig is compared.
    expected.pop("mediaConfig")
    _same_shape(expected, body)
    assert body["mediaConfig"]["@odata.type"] == request["body"]["mediaConfig"]["@odata.type"]
    assert [t["identity"] for t in body["targets"]] == [
        t["identity"] for t in request["body"]["targets"]
    ]
    assert body["requestedModalities"] == request["body"]["requestedModalities"]


def test_peer_to_peer_call_notifies_establishing_then_established(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    rt: Any,
) -> None:
    request = seed("create-call-1")
    call = app_client.post(request["url"], json=request["body"], headers=auth()).json()

    run_jobs()
    assert receiver.states(call["id"]) == ["establishing"]
    advance(rt.settings.connect_delay_seconds)  # the callee's phone rings (silent on v1.0)
    advance(rt.settings.answer_delay_seconds)  # John answers
    assert receiver.states(call["id"]) == ["establishing", "established"]

    first, second = receiver.received
    assert first.path == "/callback"
    assert first.body["@odata.type"] == "#microsoft.graph.commsNotifications"
    note = first.notification
    assert note["@odata.type"] == "#microsoft.graph.commsNotification"
    assert note["changeType"] == "updated"
    assert note["callbackUri"] == "https://bot.contoso.com/callback"
    assert note["resourceData"]["@odata.type"] == "#microsoft.graph.call"
    assert note["resourceData"]["id"] == call["id"]
    assert second.notification["resourceData"]["direction"] == "outgoing"

    got = app_client.get(f"/v1.0/communications/calls/{call['id']}", headers=auth()).json()
    assert got["state"] == "established"
    assert got["answeredBy"]["identity"]["user"]["id"] == "112f7296-5fa4-42ca-bae8-6a692b15d4b8"


def test_notifications_carry_a_verifiable_token(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
    rt: Any,
) -> None:
    request = seed("create-call-1")
    app_client.post(request["url"], json=request["body"], headers=auth())
    run_jobs()

    headers = receiver.received[0].headers
    scheme, _, token = headers["authorization"].partition(" ")
    assert scheme == "Bearer"
    config = app_client.get("/v1/.well-known/OpenIdConfiguration").json()
    assert config["issuer"] == "https://api.botframework.com"
    assert config["jwks_uri"] == "http://callboard.test/v1/keys"
    jwks = app_client.get("/v1/keys").json()
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=CALLING_BOT, issuer=config["issuer"]
    )
    assert claims["tid"] == CONTOSO
    assert claims["exp"] - claims["iat"] == 3900
    assert headers["x-microsoft-skype-chain-id"]
    assert headers["content-type"] == "application/json"


def test_group_call_adds_each_answering_target_to_the_roster(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    rt: Any,
) -> None:
    request = seed("create-call-3")
    call = app_client.post(request["url"], json=request["body"], headers=auth(app=TEST_BOT)).json()
    run_jobs()
    advance(rt.settings.connect_delay_seconds)
    advance(rt.settings.answer_delay_seconds)

    assert receiver.states(call["id"]) == ["establishing", "established"]
    rosters = [
        n
        for n in receiver.notifications()
        if n["resourceUrl"] == f"/communications/calls/{call['id']}/participants"
    ]
    assert [len(r["resourceData"]) for r in rosters] == [1, 2, 3]
    last = rosters[-1]["resourceData"]
    assert last[0]["id"] == call["myParticipantId"]
    names = [p["info"]["identity"].get("user", {}).get("displayName") for p in last[1:]]
    assert names == ["user1", "user2"]
    assert all(p["@odata.type"] == "#microsoft.graph.participant" for p in last)
    listed = app_client.get(
        f"/v1.0/communications/calls/{call['id']}/participants", headers=auth(app=TEST_BOT)
    ).json()
    assert [p["id"] for p in listed["value"]] == [p["id"] for p in last]
