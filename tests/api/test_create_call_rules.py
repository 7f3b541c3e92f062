"""The rules of POST /communications/calls: each violation is a Graph error, nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from callboard.store import tables
from tests.conftest import CALLING_BOT, CONTOSO, DEV_APP, DEV_TENANT, TEST_BOT
from tests.support import seed

URL = "/v1.0/communications/calls"


def _user_target(user_id: str, name: str = "x") -> dict[str, Any]:
    return {"identity": {"user": {"id": user_id, "displayName": name}}}


def _p2p(**changes: Any) -> dict[str, Any]:
    body = seed("create-call-1")["body"]
    body.update(changes)
    return body


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        calls = conn.execute(select(func.count()).select_from(tables.calls)).scalar_one()
        jobs = conn.execute(select(func.count()).select_from(tables.jobs)).scalar_one()
    return calls, jobs


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["innerError"]["request-id"] == response.headers["request-id"]
    assert error["innerError"]["date"]
    return error


BAD_BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "missing callbackUri": lambda: {k: v for k, v in _p2p().items() if k != "callbackUri"},
    "missing mediaConfig": lambda: {k: v for k, v in _p2p().items() if k != "mediaConfig"},
    "missing requestedModalities": lambda: {
        k: v for k, v in _p2p().items() if k != "requestedModalities"
    },
    "empty requestedModalities": lambda: _p2p(requestedModalities=[]),
    "unknown modality": lambda: _p2p(requestedModalities=["smell"]),
    "wrong mediaConfig type": lambda: _p2p(mediaConfig={"@odata.type": "#microsoft.graph.call"}),
    "blob with service-hosted media": lambda: _p2p(
        mediaConfig={"@odata.type": "#microsoft.graph.serviceHostedMediaConfig", "blob": "b"}
    ),
    "wrong call type": lambda: _p2p(**{"@odata.type": "#microsoft.graph.participant"}),
    "target without identity": lambda: _p2p(targets=[{"hidden": False}]),
    "empty identitySet": lambda: _p2p(targets=[{"identity": {}}]),
    "unknown endpointType": lambda: _p2p(
        targets=[{"identity": {"user": {"id": "u"}}, "endpointType": "toaster"}]
    ),
    "ringing timeout too long": lambda: _p2p(ringingTimeoutInSeconds=116),
    "not an object": lambda: ["a", "list"],  # type: ignore[return-value, dict-item]
    "no targets": lambda: _p2p(targets=[]),
    "six group targets": lambda: _p2p(targets=[_user_target(f"u{i}") for i in range(6)]),
    "http callback to another host": lambda: _p2p(callbackUri="http://bot.contoso.com/cb"),
    "relative callback": lambda: _p2p(callbackUri="/callback"),
    "phone target without an application instance": lambda: _p2p(
        targets=[{"identity": {"phone": {"id": "+12345678901"}}}]
    ),
    "meeting join (online-meetings issue)": lambda: seed("create-call-7")["body"],
    "tenantId of another tenant": lambda: _p2p(tenantId="someone-else"),
    "duplicate targets": lambda: _p2p(targets=[_user_target("a"), _user_target("a")]),
    "ringing timeout on a group call": lambda: _p2p(
        targets=[_user_target("a"), _user_target("b")], ringingTimeoutInSeconds=30
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_body_is_a_400_and_writes_nothing(
    case: str, app_client: TestClient, auth: Callable[..., dict[str, str]], engine: Engine
) -> None:
    before = _counts(engine)
    response = app_client.post(URL, json=BAD_BODIES[case](), headers=auth())
    _error(response, 400, "invalidRequest")
    assert _counts(engine) == before


@pytest.mark.parametrize(
    "number", ["12345678901", "+1 234 567", "+12", "+1234567890123456", "tel:+12345678901"]
)
def test_phone_targets_must_be_e164(
    number: str, app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    body = seed("create-call-9")["body"]
    body["targets"][0]["identity"]["phone"]["id"] = number
    error = _error(app_client.post(URL, json=body, headers=auth()), 400, "invalidRequest")
    assert "E.164" in error["message"] or "phone number" in error["message"]


def test_invalid_json_is_a_400(app_client: TestClient, auth: Callable[..., dict[str, str]]) -> None:
    response = app_client.post(
        URL, content=b"{not json", headers={**auth(), "Content-Type": "application/json"}
    )
    _error(response, 400, "invalidRequest")


def test_odata_type_is_optional_and_position_free(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    """The SDKs omit base-type annotations and put the others last."""
    body = {
        "callbackUri": "https://bot.contoso.com/callback",
        "targets": [
            {
                "identity": {
                    "user": {"id": "112f7296-5fa4-42ca-bae8-6a692b15d4b8", "displayName": "John"}
                }
            }
        ],
        "requestedModalities": ["audio"],
        "mediaConfig": {"removeFromDefaultAudioGroup": False},
        "callOptions": {
            "isContentSharingNotificationEnabled": True,
            "@odata.type": "#microsoft.graph.outgoingCallOptions",
        },
    }
    response = app_client.post(URL, json=body, headers=auth())
    assert response.status_code == 201, response.text
    call = response.json()
    assert call["mediaConfig"]["@odata.type"] == "#microsoft.graph.serviceHostedMediaConfig"
    # Accepted, but not echoed: v1.0's serviceHostedMediaConfig (a closed type) lacks it.
    assert call["mediaConfig"] == {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"}


def test_app_hosted_media_is_inferred_from_blob(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    body = _p2p(mediaConfig={"blob": "<media session>"})
    call = app_client.post(URL, json=body, headers=auth()).json()
    assert call["mediaConfig"] == {
        "@odata.type": "#microsoft.graph.appHostedMediaConfig",
        "blob": "<media session>",
    }


def test_unknown_open_properties_are_kept(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    body = _p2p(customProperty={"a": 1})
    body["targets"][0]["identity"]["user"]["identityProvider"] = "AAD"
    call = app_client.post(URL, json=body, headers=auth()).json()
    assert call["customProperty"] == {"a": 1}
    assert call["targets"][0]["identity"]["user"]["identityProvider"] == "AAD"


def test_http_loopback_callback_needs_the_setting(
    app_client: TestClient, auth: Callable[..., dict[str, str]], rt: Any
) -> None:
    body = _p2p(callbackUri="http://127.0.0.1:9/callback")
    assert app_client.post(URL, json=body, headers=auth()).status_code == 201
    rt.settings.allow_http_loopback_callbacks = False
    error = _error(app_client.post(URL, json=body, headers=auth()), 400, "invalidRequest")
    assert "https" in error["message"]


class TestPermissions:
    def _directory_with(self, app_client: TestClient, permissions: list[str]) -> None:
        directory = app_client.get("/_callboard/directory").json()
        for app in directory["applications"]:
            if app["appId"] == DEV_APP:
                app["applicationPermissions"] = permissions
        assert app_client.put("/_callboard/directory", json=directory).status_code == 204

    def _dev_call(self, targets: int = 1, media: str = "service") -> dict[str, Any]:
        body = _p2p(
            targets=[
                _user_target(f"a11ce000-0000-4000-8000-00000000000{i + 1}") for i in range(targets)
            ]
        )
        if media == "app":
            body["mediaConfig"] = {
                "@odata.type": "#microsoft.graph.appHostedMediaConfig",
                "blob": "b",
            }
        return body

    @pytest.mark.parametrize(
        ("permissions", "targets", "media", "missing"),
        [
            ([], 1, "service", "Calls.Initiate.All"),
            (["Calls.JoinGroupCall.All"], 1, "service", "Calls.Initiate.All"),
            (["Calls.Initiate.All"], 2, "service", "Calls.InitiateGroupCall.All"),
            (["Calls.Initiate.All"], 1, "app", "Calls.AccessMedia.All"),
            (["Calls.InitiateGroupCall.All"], 2, "app", "Calls.AccessMedia.All"),
        ],
    )
    def test_missing_permission_is_403_naming_it(
        self,
        permissions: list[str],
        targets: int,
        media: str,
        missing: str,
        app_client: TestClient,
        auth: Callable[..., dict[str, str]],
        engine: Engine,
    ) -> None:
        self._directory_with(app_client, permissions)
        before = _counts(engine)
        response = app_client.post(
            URL, json=self._dev_call(targets, media), headers=auth(app=DEV_APP, tenant=DEV_TENANT)
        )
        error = _error(response, 403, "accessDenied")
        assert missing in error["message"]
        assert _counts(engine) == before

    @pytest.mark.parametrize(
        ("permissions", "targets", "media"),
        [
            (["Calls.Initiate.All"], 1, "service"),
            (["Calls.InitiateGroupCall.All"], 1, "service"),
            (["Calls.InitiateGroupCall.All"], 5, "service"),
            (["Calls.Initiate.All", "Calls.AccessMedia.All"], 1, "app"),
        ],
    )
    def test_sufficient_permissions_create_the_call(
        self,
        permissions: list[str],
        targets: int,
        media: str,
        app_client: TestClient,
        auth: Callable[..., dict[str, str]],
    ) -> None:
        self._directory_with(app_client, permissions)
        response = app_client.post(
            URL, json=self._dev_call(targets, media), headers=auth(app=DEV_APP, tenant=DEV_TENANT)
        )
        assert response.status_code == 201, response.text

    def test_delegated_token_is_refused(
        self, app_client: TestClient, auth: Callable[..., dict[str, str]]
    ) -> None:
        response = app_client.post(
            URL,
            json=self._dev_call(),
            headers=auth(app=DEV_APP, tenant=None, user="alice@callboard.dev"),
        )
        error = _error(response, 403, "accessDenied")
        assert "Delegated" in error["message"]

    def test_source_naming_another_app_is_refused(
        self, app_client: TestClient, auth: Callable[..., dict[str, str]], engine: Engine
    ) -> None:
        body = seed("create-call-3")["body"]  # its source is the TestBot
        before = _counts(engine)
        error = _error(
            app_client.post(URL, json=body, headers=auth(app=CALLING_BOT)), 403, "accessDenied"
        )
        assert TEST_BOT in error["message"]
        assert _counts(engine) == before

    def test_application_instance_of_another_app_is_refused(
        self, app_client: TestClient, auth: Callable[..., dict[str, str]]
    ) -> None:
        body = seed("create-call-9")["body"]  # the Calling Bot's instance
        _error(app_client.post(URL, json=body, headers=auth(app=TEST_BOT)), 403, "accessDenied")

    def test_unknown_application_instance_is_a_400(
        self, app_client: TestClient, auth: Callable[..., dict[str, str]]
    ) -> None:
        body = seed("create-call-9")["body"]
        body["source"]["identity"]["applicationInstance"]["id"] = "no-such-instance"
        _error(app_client.post(URL, json=body, headers=auth()), 400, "invalidRequest")


def test_source_is_filled_from_the_token(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    call = app_client.post(URL, json=_p2p(), headers=auth()).json()
    assert call["source"]["identity"]["application"] == {
        "@odata.type": "#microsoft.graph.identity",
        "displayName": "Calling Bot",
        "id": CALLING_BOT,
    }
    assert call["tenantId"] == CONTOSO


def test_a_null_identity_in_a_target_is_no_identity(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    """An identitySet member sent as null names nobody (a 500 when it was read as an
    object): the target rings the user it names, and is echoed as sent."""
    body = _p2p()
    body["targets"][0]["identity"]["phone"] = None
    response = app_client.post(URL, json=body, headers=auth())
    assert response.status_code == 201, response.text
    identity = response.json()["targets"][0]["identity"]
    assert identity["phone"] is None and identity["user"]["id"]


def test_a_null_application_in_the_source_is_no_identity(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    """The source's applicationInstance counts; its application sent as null is none."""
    body = seed("create-call-9")["body"]
    body["source"]["identity"]["application"] = None
    response = app_client.post(URL, json=body, headers=auth())
    assert response.status_code == 201, response.text
