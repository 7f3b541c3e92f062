"""``create_app``: wires settings, the database, keys, the directory and the job runner."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import Engine

from callboard import __version__
from callboard.api import (
    admin,
    admin_console,
    admin_deliveries,
    admin_faults,
    admin_parties,
    api_docs,
    errors,
    metrics,
    route_gates,
    wellknown,
)
from callboard.api.access_log import AccessLogMiddleware
from callboard.api.fault_injection import FaultInjectionMiddleware
from callboard.api.graph import appointments as graph_appointments
from callboard.api.graph import attendance as graph_attendance
from callboard.api.graph import call_control as graph_call_control
from callboard.api.graph import call_records as graph_call_records
from callboard.api.graph import calls as graph_calls
from callboard.api.graph import meetings as graph_meetings
from callboard.api.graph import participants as graph_participants
from callboard.api.graph import presence as graph_presence
from callboard.api.graph import recordings as graph_recordings
from callboard.api.graph import subscriptions as graph_subscriptions
from callboard.api.middleware import GraphRequestMiddleware
from callboard.api.request_guard import RequestGuardMiddleware
from callboard.api.ucwa import routes as ucwa_routes
from callboard.api.write_retry import WriteRetryMiddleware
from callboard.clock import Clock, SystemClock, VirtualClock
from callboard.config import Settings
from callboard.ids import IdFactory, RandomIds
from callboard.jobs.runner import Runner
from callboard.jobs.webhooks import AiohttpSender, WebhookSender
from callboard.services import call_presence, call_records, clock_sync, meetings
from callboard.services.directory_loading import ensure_directory, load_keyring
from callboard.services.runtime import Runtime
from callboard.store.db import make_engine, startup_lock, upgrade

GRAPH_VERSIONS = ("v1.0", "beta")


@dataclass
class Services:
    runtime: Runtime
    runner: Runner


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
    sender: WebhookSender | None = None,
    engine: Engine | None = None,
) -> Services:
    """Open the database (migrating it), load keys and directory, build the runner."""
    owns_engine = engine is None
    engine = engine or make_engine(settings.database_url)
    try:
        # One process at a time: serve and worker may start together on a new database.
        with startup_lock(engine):
            upgrade(engine)
            clock = clock or (VirtualClock() if settings.virtual_clock else SystemClock())
            keyring = load_keyring(engine, clock.now())
            rt = Runtime(
                engine=engine,
                settings=settings,
                clock=clock,
                ids=ids or RandomIds(),
                keyring=keyring,
                observer=call_records.observe,
                attendance_observer=call_presence.follow_meeting,
            )
            with rt.uow() as uow:
                ensure_directory(uow, settings.directory_file)
                uow.commit()
            meetings.load_fixtures(rt)
            clock_sync.load(rt)
    except BaseException:
        # A failed start (say, an invalid directory file) must not leak pooled connections.
        if owns_engine:
            engine.dispose()
        raise
    runner = Runner(
        rt,
        sender
        or AiohttpSender(limit=settings.runner_concurrency * 2, policy=settings.destinations),
    )
    rt.wake_runner = runner.wake
    return Services(rt, runner)


def create_app(settings: Settings, **collaborators: object) -> FastAPI:
    app = build_app()
    attach(app, build_services(settings, **collaborators))  # type: ignore[arg-type]
    return app


def attach(app: FastAPI, services: Services) -> None:
    """Give an app its services. Tests reuse one app (FastAPI prepares each route on its first
    request, which is costly) and attach fresh services for each test."""
    app.state.runtime = services.runtime
    app.state.runner = services.runner
    services.runner.observe_delivery = app.state.metrics.observe_delivery


# The cyclic collector's young-generation threshold (CPython's default is 700 allocations).
# Request handling allocates thousands of short-lived objects that reference counting frees;
# at 700 the collector ran several times per request and its older-generation passes walked
# every long-lived object, the source of the tens-of-milliseconds p99 outliers under load.
GC_YOUNG_THRESHOLD = 50_000


def settle_heap() -> None:
    """Move what start-up built (routes, schemas, directory, keys) out of the collector's way
    and collect young objects less often: the objects that live for the whole process are then
    never walked again, so a collection costs what the recent requests allocated."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    runner: Runner = app.state.runner
    stop = asyncio.Event()
    task = None
    if app.state.runtime.settings.run_jobs_in_process:
        task = asyncio.create_task(runner.run_forever(stop))
    try:
        yield
    finally:
        stop.set()
        runner.wake()
        if task is not None:
            await task


def build_app() -> FastAPI:
    """The routes, error handlers and middleware; services come from ``attach``."""
    app = FastAPI(
        title="Callboard",
        version=__version__,
        description="Microsoft Graph cloud-communications APIs, self-hosted.",
        lifespan=_lifespan,
        # Graph never redirects: ``calls/%2F`` (a slash as the id) is an unknown route, not a
        # 307 to ``calls`` that a client would follow into another operation.
        redirect_slashes=False,
        # /docs is served from local files by api_docs (FastAPI's loads a CDN); no ReDoc.
        docs_url=None,
        redoc_url=None,
    )
    errors.install(app)
    api_docs.install(app)
    for version in GRAPH_VERSIONS:
        app.include_router(graph_calls.router, prefix=f"/{version}")
        app.include_router(graph_participants.router, prefix=f"/{version}")
        app.include_router(graph_call_control.router, prefix=f"/{version}")
        app.include_router(graph_meetings.router, prefix=f"/{version}")
        app.include_router(graph_appointments.router, prefix=f"/{version}")
        app.include_router(graph_subscriptions.router, prefix=f"/{version}")
        app.include_router(graph_presence.router, prefix=f"/{version}")
        app.include_router(graph_recordings.router, prefix=f"/{version}")
        app.include_router(graph_call_records.router, prefix=f"/{version}")
        app.include_router(graph_attendance.router, prefix=f"/{version}")
    app.include_router(admin.health_router)
    app.include_router(admin.router)
    app.include_router(admin_parties.router)
    app.include_router(graph_recordings.media_router)
    app.include_router(admin_deliveries.router)
    app.include_router(admin_faults.router)
    app.include_router(admin_console.pages)
    app.include_router(admin_console.router)
    app.include_router(wellknown.router)
    ucwa_routes.install(app)  # /ucwa/oauth/v1 and /ucwa/v1 (docs/ucwa.md)
    app.include_router(metrics.router)
    route_gates.install(app)  # after the last router: each is gated by its paths' prefix
    app.state.metrics = metrics.Metrics(lambda: getattr(app.state, "runtime", None))
    # A write that lost a race runs again inside everything else (docs/reliability.md).
    app.add_middleware(WriteRetryMiddleware)
    # Injected 429/503/504 answers (docs/fault-injection.md), inside the request ids.
    app.add_middleware(FaultInjectionMiddleware)
    # Innermost (added first): GraphRequestMiddleware and the guard may hand on a copy of
    # the scope, and this one must see the scope the router writes the matched route into.
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    # The guard runs inside the request-id middleware, so its refusals carry the ids too.
    app.add_middleware(RequestGuardMiddleware)
    # Inside the request-id middleware: its line carries the request's id.
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(GraphRequestMiddleware)
    return app
