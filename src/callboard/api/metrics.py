"""``GET /metrics``: Prometheus metrics (docs/metrics.md).

Three sources:

- requests, recorded by ``MetricsMiddleware``: one histogram observation per request,
  labelled by method, route *template* and status (a raw path would make a new series per
  call id, without bound);
- notification delivery attempts, observed by the job runner through ``observe_delivery``;
- calls by state, jobs by kind and status, the due queue's depth and age, SMS by status:
  read from the database at scrape time (``DatabaseCollector``), so they are right whichever
  process changed the rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callboard.api.admin_guard import require_admin_token
from callboard.api.deps import runtime
from callboard.errors import UnknownRoute
from callboard.services import metrics as metrics_service
from callboard.services.runtime import Runtime

# Most requests take about a millisecond: the default buckets (from 5 ms) would lump them.
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DELIVERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Any other method a client sends is counted as "other": labels must stay a bounded set.
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
# Requests no route matched (404s for unknown paths).
UNMATCHED = "unmatched"


class DatabaseCollector:
    """Gauges counted from the database on each scrape."""

    def __init__(self, runtime_of: Callable[[], Runtime | None]) -> None:
        self._runtime_of = runtime_of

    def describe(self) -> list[Metric]:
        # Nothing at registration: the database is only read when scraped.
        return []

    def collect(self) -> Iterator[Metric]:
        rt = self._runtime_of()
        if rt is None:
            return
        figures = metrics_service.snapshot(rt)
        calls = GaugeMetricFamily("callboard_calls", "Calls by state.", labels=["state"])
        for state, count in sorted(figures.calls_by_state.items()):
            calls.add_metric([state], count)
        yield calls
        jobs = GaugeMetricFamily(
            "callboard_jobs", "Jobs by kind and status.", labels=["kind", "status"]
        )
        for (kind, status), count in sorted(figures.jobs_by_kind_and_status.items()):
            jobs.add_metric([kind, status], count)
        yield jobs
        due = GaugeMetricFamily(
            "callboard_jobs_due", "Pending jobs whose time has come, by kind.", labels=["kind"]
        )
        age = GaugeMetricFamily(
            "callboard_jobs_oldest_due_age_seconds",
            "How long the oldest due pending job has waited past its time, by kind.",
            labels=["kind"],
        )
        for kind, depth in sorted(figures.due_jobs_by_kind.items()):
            due.add_metric([kind], depth.due)
            age.add_metric([kind], depth.oldest_age_seconds)
        yield due
        yield age
        sms = GaugeMetricFamily(
            "callboard_sms_messages", "Virtual-appointment SMS by status.", labels=["status"]
        )
        for status, count in sorted(figures.sms_by_status.items()):
            sms.add_metric([status], count)
        yield sms


class Metrics:
    """One app's registry and the metrics recorded in process."""

    def __init__(self, runtime_of: Callable[[], Runtime | None]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Histogram(
            "callboard_http_request_duration_seconds",
            "HTTP requests by method, route template and status, with their latency.",
            ["method", "route", "status"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.notification_attempts = Counter(
            "callboard_notification_attempts",
            "Notification delivery attempts by outcome (delivered, retry, dead).",
            ["outcome"],
            registry=self.registry,
        )
        self.notification_latency = Histogram(
            "callboard_notification_delivery_seconds",
            "Latency of the notification POSTs that were sent, by outcome.",
            ["outcome"],
            buckets=DELIVERY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(DatabaseCollector(runtime_of))
        # (method, route, status) -> its histogram child: ``labels()`` on every request would
        # build and hash the label tuple under a lock.
        self._children: dict[tuple[str, tuple[str, str], int], Any] = {}

    def observe_request(
        self, method: str, route: tuple[str, str], status: int, seconds: float
    ) -> None:
        """``route`` is the template as ``(prefix, path)``, joined only for a new series."""
        if method not in _METHODS:
            method = "other"
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.requests.labels(
                method, route[0] + route[1], str(status)
            )
        child.observe(seconds)

    def observe_delivery(self, outcome: str, latency_ms: float) -> None:
        """One notification attempt. Its latency counts only if a POST was made (a refused
        URL is an attempt of no duration)."""
        self.notification_attempts.labels(outcome).inc()
        if latency_ms > 0:
            self.notification_latency.labels(outcome).observe(latency_ms / 1000)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _route_template(scope: Scope) -> tuple[str, str]:
    """The matched route's template, as ``(prefix, path)`` to be joined.

    FastAPI gives the route as declared on its router, without the prefix it was included
    under (``/v1.0``, ``/beta``, the UCWA roots): that prefix is as many leading segments of
    the request's path as it has more than the template."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return "", UNMATCHED
    path: str = scope["path"]
    extra = path.count("/") - template.count("/")
    if extra <= 0 or ":path}" in template:
        return "", template
    end = 0
    for _ in range(extra):
        end = path.index("/", end + 1)
    return path[:end], template


class MetricsMiddleware:
    """Times each HTTP request; labels it once the router has matched its route."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.observe_request(
                scope["method"], _route_template(scope), status, time.perf_counter() - started
            )


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def get_metrics(request: Request) -> Response:
    # docs/metrics.md: CALLBOARD_METRICS_ENABLED; the admin token where the admin API needs
    # credentials, unless CALLBOARD_METRICS_PUBLIC.
    settings = runtime(request).settings
    if not settings.metrics_enabled:
        raise UnknownRoute("Metrics are disabled (CALLBOARD_METRICS_ENABLED).")
    if settings.metrics_need_credentials:
        require_admin_token(request)
    metrics: Metrics = request.app.state.metrics
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
