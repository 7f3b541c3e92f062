"""``GET /metrics``: requests by route template and status, notifications by outcome, calls,
jobs and SMS counted from the database at scrape time.

The app (and so its in-process counters) is shared by the tests of one worker: the request
and notification figures are asserted as differences between two scrapes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from callboard.clock import FrozenClock
from tests.api.calling import CALLING_BOT, CALLS, CONTOSO, Harness, assert_error, p2p_body
from tests.support import seed

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
REQUESTS = "callboard_http_request_duration_seconds"
CALL_ROUTE = "/v1.0/communications/calls/{call_id}"


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests_count(samples: Samples, method: str, route: str, status: int) -> float:
    return value(samples, f"{REQUESTS}_count", method=method, route=route, status=str(status))


def test_a_call_and_its_jobs_show_in_the_metrics(h: Harness) -> None:
    before = scrape(h.client)
    call = h.create_call(p2p_body())
    queued = scrape(h.client)
    assert requests_count(queued, "POST", CALLS, 201) - requests_count(
        before, "POST", CALLS, 201
    ) == pytest.approx(1)
    assert value(queued, "callboard_calls", state="establishing") == 1
    # Committed with the call: its first notification and the callee's timer.
    assert value(queued, "callboard_jobs", kind="webhook.deliver", status="pending") == 1
    assert value(queued, "callboard_jobs_due", kind="webhook.deliver") == 1
    assert value(queued, "callboard_jobs_oldest_due_age_seconds", kind="webhook.deliver") == 0
    assert value(queued, "callboard_jobs", kind="call.progress", status="pending") >= 1
    assert value(queued, "callboard_jobs_due", kind="call.progress") == 0

    h.advance(h.connect_delay)
    h.advance(h.answer_delay)
    assert h.call(call["id"])["state"] == "established"
    after = scrape(h.client)
    delivered = len(h.receiver.received)
    assert delivered >= 2
    assert value(after, "callboard_calls", state="established") == 1
    assert value(after, "callboard_calls", state="establishing") == 0
    assert value(after, "callboard_jobs", kind="webhook.deliver", status="done") == delivered
    assert value(after, "callboard_jobs", kind="webhook.deliver", status="pending") == 0
    assert value(after, "callboard_jobs_due", kind="webhook.deliver") == 0
    attempts = "callboard_notification_attempts_total"
    assert (
        value(after, attempts, outcome="delivered") - value(before, attempts, outcome="delivered")
        == delivered
    )
    latency = "callboard_notification_delivery_seconds_count"
    assert (
        value(after, latency, outcome="delivered") - value(before, latency, outcome="delivered")
        == delivered
    )
    # The GET above counts under its route template, never under the call's own path.
    assert requests_count(after, "GET", CALL_ROUTE, 200) - requests_count(
        before, "GET", CALL_ROUTE, 200
    ) == pytest.approx(1)
    assert not any(call["id"] in dict(labels).get("route", "") for _, labels in after)


def test_the_queue_age_grows_while_nothing_runs(h: Harness, clock: FrozenClock) -> None:
    h.create_call(p2p_body())
    clock.advance(7.5)
    samples = scrape(h.client)
    assert value(samples, "callboard_jobs_due", kind="webhook.deliver") == 1
    assert value(samples, "callboard_jobs_oldest_due_age_seconds", kind="webhook.deliver") == 7.5
    # The callee's timers fell due meanwhile too.
    assert value(samples, "callboard_jobs_due", kind="call.progress") >= 1


def test_failed_attempts_count_as_retries_then_dead(h: Harness) -> None:
    before = scrape(h.client)
    h.receiver.responses = [503, 404]
    h.create_call(p2p_body())
    h.run_jobs()  # 503: retried later
    h.advance(h.rt.settings.webhook_backoff_max_seconds)  # 404: permanent
    after = scrape(h.client)
    attempts = "callboard_notification_attempts_total"
    for outcome in ("retry", "dead"):
        assert value(after, attempts, outcome=outcome) - value(before, attempts, outcome=outcome)
    assert value(after, "callboard_jobs", kind="webhook.deliver", status="dead") >= 1


def test_errors_and_unknown_methods_keep_bounded_labels(h: Harness) -> None:
    before = scrape(h.client)
    missing = h.get(f"{CALLS}/no-such-call")
    assert missing.status_code == 404
    assert h.client.request("BREW", f"{CALLS}/coffee").status_code == 405
    assert h.client.get("/no/such/path").status_code == 404
    beta = "/beta/communications/calls/{call_id}"
    assert h.get("/beta/communications/calls/no-such-call").status_code == 404
    after = scrape(h.client)
    assert requests_count(after, "GET", CALL_ROUTE, 404) - requests_count(
        before, "GET", CALL_ROUTE, 404
    ) == pytest.approx(1)
    assert requests_count(after, "other", CALL_ROUTE, 405) - requests_count(
        before, "other", CALL_ROUTE, 405
    ) == pytest.approx(1)
    assert requests_count(after, "GET", "unmatched", 404) - requests_count(
        before, "GET", "unmatched", 404
    ) == pytest.approx(1)
    assert requests_count(after, "GET", beta, 404) - requests_count(
        before, "GET", beta, 404
    ) == pytest.approx(1)
    routes = {dict(labels).get("route") for _, labels in after}
    assert not {"/no/such/path", f"{CALLS}/no-such-call", f"{CALLS}/coffee"} & routes


class TestSms:
    @pytest.fixture
    def clock(self) -> FrozenClock:
        return FrozenClock(start=datetime(2030, 1, 10, 12, tzinfo=UTC).timestamp())

    def test_sms_by_status(self, h: Harness, auth: Callable[..., dict[str, str]]) -> None:
        request = seed("reminder-sms")
        headers = auth(app=CALLING_BOT, tenant=CONTOSO, user="dana@contoso.com")
        response = h.client.post(request["url"], json=request["body"], headers=headers)
        assert response.status_code == 202, response.text
        samples = scrape(h.client)
        assert value(samples, "callboard_sms_messages", status="scheduled") == 1
        assert value(samples, "callboard_sms_messages", status="failed") == 1
        assert value(samples, "callboard_sms_messages", status="sent") == 0


class TestDisabled:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"metrics_enabled": False}

    def test_metrics_are_not_served(self, h: Harness) -> None:
        assert_error(h.client.get("/metrics"), 404, "UnknownError")


class TestWithoutTheAdminApi:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"admin_enabled": False}

    def test_metrics_are_still_served(self, h: Harness) -> None:
        assert h.client.get("/metrics").status_code == 200


ADMIN_TOKEN = "m" * 40


class TestProduction:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"mode": "production", "admin_token": ADMIN_TOKEN}

    def test_the_admin_token_is_needed(self, h: Harness) -> None:
        assert_error(h.client.get("/metrics"), 401, "InvalidAuthenticationToken")
        wrong = {"Authorization": "Bearer " + "x" * 40}
        assert_error(h.client.get("/metrics", headers=wrong), 401, "InvalidAuthenticationToken")
        ok = h.client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert ok.status_code == 200
        assert "callboard_calls" in ok.text


class TestProductionPublic:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"mode": "production", "metrics_public": True}

    def test_no_credentials_are_needed(self, h: Harness) -> None:
        assert h.client.get("/metrics").status_code == 200


class TestBeyondLoopback:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"host": "0.0.0.0", "admin_token": ADMIN_TOKEN}

    def test_the_admin_token_is_needed(self, h: Harness) -> None:
        assert_error(h.client.get("/metrics"), 401, "InvalidAuthenticationToken")
