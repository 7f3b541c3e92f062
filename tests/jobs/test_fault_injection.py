"""Fault injection through the admin API: notifications delayed, duplicated, reordered and
dropped, Graph requests answered 429 + Retry-After, 503 or 504; scoped per app, call or
route; deterministic with a seed; every injected notification fault in the deliveries
listing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.domain.faults import Fault, FaultKind
from callboard.errors import BadRequest
from tests.conftest import CALLING_BOT, TEST_BOT
from tests.support import Receiver, seed

FAULTS = "/_callboard/faults"
CALLS = "/v1.0/communications/calls"


def _fault(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(FAULTS, json=body)
    assert response.status_code == 201, response.text
    fault: dict[str, Any] = response.json()
    return fault


def _call(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post(CALLS, json=seed("create-call-1")["body"], headers=headers)
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def _deliveries(client: TestClient, call_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(
        "/_callboard/deliveries", params={"callId": call_id}
    ).json()["value"]
    return items


def test_faults_are_off_by_default_and_listed_once_created(app_client: TestClient) -> None:
    assert app_client.get(FAULTS).json() == {"value": []}
    fault = _fault(app_client, kind="drop", share=0.5, seed=7, appId=CALLING_BOT)
    assert app_client.get(FAULTS).json()["value"] == [fault]
    assert app_client.delete(f"{FAULTS}/{fault['id']}").status_code == 204
    assert app_client.delete(f"{FAULTS}/{fault['id']}").status_code == 404
    assert app_client.get(FAULTS).json() == {"value": []}


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "explode"},
        {"kind": "drop", "share": 2},
        {"kind": "drop", "share": "all"},
        {"kind": "delay", "delaySeconds": -1},
        {"kind": "throttle", "route": "communications"},
        {"kind": "drop", "route": "/communications/calls"},
        {"kind": "drop", "appId": ""},
    ],
)
def test_a_senseless_rule_is_400(app_client: TestClient, body: dict[str, Any]) -> None:
    assert app_client.post(FAULTS, json=body).status_code == 400


def test_drop(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    run_jobs: Callable[[], int],
    receiver: Receiver,
) -> None:
    _fault(app_client, kind="drop", appId=CALLING_BOT)
    call_id = _call(app_client, auth())
    run_jobs()
    assert receiver.attempts == []
    (item,) = _deliveries(app_client, call_id)
    assert item["fault"] == "drop" and item["outcome"] == "dead"


def test_duplicate(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    run_jobs: Callable[[], int],
    receiver: Receiver,
) -> None:
    _fault(app_client, kind="duplicate")
    call_id = _call(app_client, auth())
    run_jobs()
    assert receiver.states(call_id) == ["establishing", "establishing"]
    first, second = receiver.received
    assert first.body == second.body
    assert (
        first.headers["x-microsoft-skype-message-id"]
        == second.headers["x-microsoft-skype-message-id"]
    )
    (item,) = _deliveries(app_client, call_id)
    assert item["fault"] == "duplicate" and item["outcome"] == "delivered"


def test_delay(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    receiver: Receiver,
) -> None:
    _fault(app_client, kind="delay", delaySeconds=30, callId="placeholder")  # another call
    _fault(app_client, kind="delay", delaySeconds=30, appId=CALLING_BOT)
    call_id = _call(app_client, auth())
    run_jobs()
    assert receiver.states(call_id) == []
    advance(29)
    assert receiver.states(call_id) == []
    advance(1)
    assert receiver.states(call_id)[:1] == ["establishing"]
    first, second = _deliveries(app_client, call_id)[:2]
    assert (first["fault"], first["outcome"]) == ("delay", "retry")
    assert (second["fault"], second["outcome"]) == (None, "delivered")


def test_reorder(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    receiver: Receiver,
    rt: Any,
) -> None:
    call_id = _call(app_client, auth())
    # Only the call's first notification is reordered: the rule is keyed on job ids.
    with rt.uow() as uow:
        (first_job,) = [
            j["id"]
            for j in uow.jobs.list_page(status=None, kind="webhook.deliver", skip=0, top=100)
        ]
    picked = _seed_picking(first_job, share=0.5)
    _fault(app_client, kind="reorder", share=0.5, seed=picked, delaySeconds=5, callId=call_id)
    run_jobs()
    advance(rt.settings.connect_delay_seconds)
    advance(rt.settings.answer_delay_seconds)
    assert receiver.states(call_id)[0] != "establishing"
    advance(5)
    states = receiver.states(call_id)
    assert states[-1] == "establishing" and "established" in states
    assert _deliveries(app_client, call_id)[0]["fault"] == "reorder"


def _seed_picking(job_id: int, share: float) -> int:
    """A seed for which a rule with ``share`` fires on ``job_id`` and not on the next jobs."""
    for candidate in range(10_000):
        rule = Fault("r", FaultKind.REORDER, share=share, seed=candidate)
        if rule.fires(f"job:{job_id}") and not any(
            rule.fires(f"job:{job_id + n}") for n in range(1, 6)
        ):
            return candidate
    raise AssertionError("no seed found")


def test_the_same_seed_picks_the_same_notifications() -> None:
    rule = Fault("id-1", FaultKind.DROP, share=0.3, seed=42)
    picked = [n for n in range(1000) if rule.fires(f"job:{n}")]
    assert picked == [n for n in range(1000) if rule.fires(f"job:{n}")]
    assert 200 < len(picked) < 400
    other = Fault("id-1", FaultKind.DROP, share=0.3, seed=43)
    assert picked != [n for n in range(1000) if other.fires(f"job:{n}")]


@pytest.mark.parametrize(
    ("kind", "status", "code", "retry_after"),
    [
        ("throttle", 429, "TooManyRequests", "7"),
        ("unavailable", 503, "serviceNotAvailable", "7"),
        ("timeout", 504, "gatewayTimeout", None),
    ],
)
def test_graph_requests_get_injected_errors(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    kind: str,
    status: int,
    code: str,
    retry_after: str | None,
) -> None:
    _fault(
        app_client, kind=kind, route="/communications/calls", appId=CALLING_BOT, retryAfterSeconds=7
    )
    response = app_client.post(CALLS, json=seed("create-call-1")["body"], headers=auth())
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and "request-id" in error["innerError"]
    assert response.headers.get("Retry-After") == retry_after
    # Another app, and the calling bot elsewhere, are untouched.
    assert app_client.get(f"{CALLS}/nope", headers=auth(app=TEST_BOT)).status_code == 404
    assert app_client.get("/v1.0/me/onlineMeetings", headers=auth()).status_code != status


def test_a_share_of_requests_deterministically(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    fault = _fault(app_client, kind="throttle", share=0.5, seed=3)
    rule = Fault(fault["id"], FaultKind.THROTTLE, share=0.5, seed=3)
    expected = [429 if rule.fires(f"request:{n}") else 404 for n in range(1, 21)]
    got = [app_client.get(f"{CALLS}/nope", headers=auth()).status_code for _ in range(20)]
    assert got == expected and 429 in got and 404 in got


def test_rules_are_checked_as_domain_rules() -> None:
    with pytest.raises(BadRequest):
        Fault.parse("x", {"kind": "delay", "delaySeconds": 4000})
