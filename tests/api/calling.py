"""Helpers for the call behaviour tests: one ``Harness`` bundling the client, tokens, the
receiver and the frozen clock, plus builders for request bodies."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from callboard.errors import BadRequest
from callboard.services.runtime import Runtime
from tests.conftest import CALLING_BOT, CONTOSO, TEST_BOT
from tests.support import Receiver, seed

CALLS = "/v1.0/communications/calls"
JOHN = "112f7296-5fa4-42ca-bae8-6a692b15d4b8"
USER1 = "98da8a1a-1b87-452c-a713-65d3f10b5555"
USER2 = "bf5aae9a-d11d-47a8-93b1-782504c95555"
BOB = "5810cede-f3cc-42eb-b2c1-e9bd5d53ec96"
CALLING_BOT_INSTANCE = "3d913abb-aec0-4964-8fa6-3c6850c4f278"
SEED_PHONE = "+12345678901"
# What TestClient returns: httpx2's Response here (starlette prefers it), else httpx's.
HttpResponse = Any
# The 400 error code (decided in callboard.errors; Graph uses several).
BAD_REQUEST = BadRequest.code
# The Calling Bot's callingWebhookUrl, as rewritten to the receiver.
WEBHOOK_PATH = "/api/calls"

__all__ = ["CALLING_BOT", "CONTOSO", "TEST_BOT"]


def user_target(user_id: str, name: str | None = None) -> dict[str, Any]:
    user: dict[str, Any] = {"@odata.type": "#microsoft.graph.identity", "id": user_id}
    if name is not None:
        user["displayName"] = name
    return {
        "@odata.type": "#microsoft.graph.invitationParticipantInfo",
        "identity": {"@odata.type": "#microsoft.graph.identitySet", "user": user},
    }


def phone_target(number: str) -> dict[str, Any]:
    return {"identity": {"phone": {"id": number}}}


def p2p_body(target: str = JOHN, **extra: Any) -> dict[str, Any]:
    """Seed example 1 (service-hosted media) calling ``target``."""
    body: dict[str, Any] = seed("create-call-1")["body"]
    body["targets"] = [user_target(target)]
    body.update(extra)
    return body


def group_body(*targets: str, app_hosted: bool = False) -> dict[str, Any]:
    """Seed example 3 (or 4 with app-hosted media), TestBot calling ``targets``."""
    body: dict[str, Any] = seed("create-call-4" if app_hosted else "create-call-3")["body"]
    if targets:
        body["targets"] = [user_target(t) for t in targets]
    return body


SERVICE_MEDIA = {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"}
APP_MEDIA = {"@odata.type": "#microsoft.graph.appHostedMediaConfig", "blob": "<media>"}


def answer_body(
    callback: str = "https://bot.contoso.com/answered", media: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "callbackUri": callback,
        "mediaConfig": copy.deepcopy(media or SERVICE_MEDIA),
        "acceptedModalities": ["audio"],
    }


def assert_error(response: HttpResponse, status: int, code: str) -> dict[str, Any]:
    """A Graph error envelope with this status and code; returns the ``error`` object."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    assert "request-id" in error["innerError"]
    return error


@dataclass
class Harness:
    client: TestClient
    auth: Callable[..., dict[str, str]]
    receiver: Receiver
    run_jobs: Callable[[], int]
    advance: Callable[[float], int]
    rt: Runtime

    # -- HTTP ---------------------------------------------------------------------

    def post(
        self, path: str, body: Any = None, *, app: str = CALLING_BOT, tenant: str = CONTOSO
    ) -> HttpResponse:
        return self.client.post(path, json=body, headers=self.auth(app=app, tenant=tenant))

    def get(self, path: str, *, app: str = CALLING_BOT, tenant: str = CONTOSO) -> HttpResponse:
        return self.client.get(path, headers=self.auth(app=app, tenant=tenant))

    def delete(self, path: str, *, app: str = CALLING_BOT, tenant: str = CONTOSO) -> HttpResponse:
        return self.client.delete(path, headers=self.auth(app=app, tenant=tenant))

    def create_call(self, body: dict[str, Any], *, app: str = CALLING_BOT) -> dict[str, Any]:
        response = self.post(CALLS, body, app=app)
        assert response.status_code == 201, response.text
        call: dict[str, Any] = response.json()
        return call

    def call(self, call_id: str, *, app: str = CALLING_BOT) -> dict[str, Any]:
        response = self.get(f"{CALLS}/{call_id}", app=app)
        assert response.status_code == 200, response.text
        call: dict[str, Any] = response.json()
        return call

    def ended(self, call_id: str, *, app: str = CALLING_BOT) -> dict[str, Any]:
        """An ended call: Graph's GET answers 404; the admin API still shows it."""
        assert_error(self.get(f"{CALLS}/{call_id}", app=app), 404, "itemNotFound")
        response = self.client.get(f"/_callboard/calls/{call_id}")
        assert response.status_code == 200, response.text
        call: dict[str, Any] = response.json()
        assert call["state"] == "terminated", call
        return call

    def participants(self, call_id: str, *, app: str = CALLING_BOT) -> list[dict[str, Any]]:
        response = self.get(f"{CALLS}/{call_id}/participants", app=app)
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value

    def action(
        self, call_id: str, name: str, body: Any = None, *, app: str = CALLING_BOT
    ) -> HttpResponse:
        return self.post(f"{CALLS}/{call_id}/{name}", {} if body is None else body, app=app)

    def place_incoming(self, **fields: Any) -> dict[str, Any]:
        body = {"tenantId": CONTOSO, "fromUserId": JOHN, "toAppId": CALLING_BOT, **fields}
        response = self.client.post("/_callboard/incoming-calls", json=body)
        assert response.status_code == 201, response.text
        call: dict[str, Any] = response.json()
        return call

    # -- time ---------------------------------------------------------------------

    @property
    def connect_delay(self) -> float:
        return self.rt.settings.connect_delay_seconds

    @property
    def answer_delay(self) -> float:
        return self.rt.settings.answer_delay_seconds

    def establish_p2p(
        self, body: dict[str, Any] | None = None, *, app: str = CALLING_BOT
    ) -> dict[str, Any]:
        """Place a peer-to-peer call that the callee answers; return the call (established)."""
        call = self.create_call(body or p2p_body(), app=app)
        self.run_jobs()
        self.advance(self.connect_delay)
        self.advance(self.answer_delay)
        got = self.call(call["id"], app=app)
        assert got["state"] == "established", got
        return got

    def establish_group(self, *targets: str, app_hosted: bool = False) -> dict[str, Any]:
        call = self.create_call(group_body(*targets, app_hosted=app_hosted), app=TEST_BOT)
        self.run_jobs()
        self.advance(self.connect_delay)
        self.advance(self.answer_delay)
        got = self.call(call["id"], app=TEST_BOT)
        assert got["state"] == "established", got
        return got

    # -- notifications ------------------------------------------------------------

    def notes(self, call_id: str) -> list[dict[str, Any]]:
        """Notifications about the call resource itself, in arrival order."""
        url = f"/communications/calls/{call_id}"
        return [n for n in self.receiver.notifications() if n["resourceUrl"] == url]

    def changes(self, call_id: str) -> list[tuple[str, str]]:
        """``(changeType, state)`` of each call notification."""
        return [(n["changeType"], n["resourceData"]["state"]) for n in self.notes(call_id)]

    def rosters(self, call_id: str) -> list[list[dict[str, Any]]]:
        url = f"/communications/calls/{call_id}/participants"
        return [n["resourceData"] for n in self.receiver.notifications() if n["resourceUrl"] == url]

    def operation_notes(self, call_id: str) -> list[dict[str, Any]]:
        prefix = f"/communications/calls/{call_id}/operations/"
        return [n for n in self.receiver.notifications() if n["resourceUrl"].startswith(prefix)]

    def received_for(self, call_id: str) -> list[str]:
        """The receiver paths the call's notifications arrived at."""
        prefix = f"/communications/calls/{call_id}"
        return [
            r.path
            for r in self.receiver.received
            if r.notification["resourceUrl"].startswith(prefix)
        ]

    # -- admin --------------------------------------------------------------------

    def directory(self) -> dict[str, Any]:
        response = self.client.get("/_callboard/directory")
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def put_directory(self, document: dict[str, Any]) -> None:
        response = self.client.put("/_callboard/directory", json=document)
        assert response.status_code == 204, response.text

    def add_application(
        self,
        app_id: str,
        permissions: list[str],
        *,
        webhook: str | None = "https://bot.contoso.com/api/calls",
        tenants: tuple[str, ...] = (CONTOSO,),
    ) -> None:
        document = self.directory()
        document["applications"].append(
            {
                "appId": app_id,
                "displayName": f"App {app_id[:4]}",
                "clientSecret": "secret",
                "tenants": list(tenants),
                "applicationPermissions": permissions,
                "delegatedPermissions": [],
                "callingWebhookUrl": webhook,
            }
        )
        self.put_directory(document)

    def set_behaviour(self, identity_id: str, **behaviour: Any) -> dict[str, Any]:
        response = self.client.put(f"/_callboard/behaviours/{identity_id}", json=behaviour)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result
