"""Fixtures: every database-backed test runs on SQLite and on PostgreSQL.

PostgreSQL is taken from ``CALLBOARD_TEST_POSTGRES_URL`` (default: the local server at
127.0.0.1:5432, database ``test``). Each test run works in a schema of its own, so runs
do not collide. Where PostgreSQL is unreachable those tests skip and say why.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from callboard.app import attach, build_app, build_services
from callboard.clock import FrozenClock
from callboard.config import Settings
from callboard.jobs.runner import Runner
from callboard.services.runtime import Runtime
from callboard.services.token_issuing import issue_token
from callboard.store.db import make_engine, reset_state, upgrade
from callboard.store.directory import KeyRepository
from callboard.tokens import generate_private_pem
from tests.schema.capture import Watch
from tests.schema.summary import (  # noqa: F401 (pytest hooks)
    pytest_sessionfinish,
    pytest_terminal_summary,
    pytest_testnodedown,
)
from tests.support import Receiver

PG_URL = os.environ.get("CALLBOARD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DEV_TENANT = "c0ffee00-0000-4000-8000-000000000001"
DEV_APP = "b07b0700-0000-4000-8000-000000000001"
CONTOSO = "aa67bd4c-8475-432d-bd41-39f255720e0a"
FABRIKAM = "86dc81db-c112-4228-9222-63f3esaa1edb"
CALLING_BOT = "2891555a-92ff-42e6-80fa-6e1300c6b5c6"
TEST_BOT = "dd3885da-f9ab-486b-bfae-85de3d445555"


@pytest.fixture(scope="session")
def signing_key() -> tuple[str, str]:
    return generate_private_pem()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, signing_key: tuple[str, str]) -> Path:
    """A migrated SQLite file with a signing key, copied for each test (fast setup)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        KeyRepository(conn).add(*signing_key, 0.0)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema(signing_key: tuple[str, str]) -> Iterator[str]:
    """A private schema on the PostgreSQL server; the URL that selects it."""
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}: {type(exc).__name__}")
    schema = f"cbtest_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        KeyRepository(conn).add(*signing_key, 0.0)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "callboard.db"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_schema")
    engine = make_engine(url)
    reset_state(engine)
    engine.dispose()
    return url


@pytest.fixture
def graph_watch() -> Iterator[Watch]:
    """The test's Graph v1.0 responses and notifications must conform to Graph's schema."""
    watch = Watch()
    yield watch
    watch.verify()


@pytest.fixture
def receiver(graph_watch: Watch) -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()
    graph_watch.notifications([attempt.body for attempt in r.attempts])


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings."""
    return {}


@pytest.fixture
def settings(database_url: str, receiver: Receiver, settings_overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "run_jobs_in_process": False,
        "callback_rewrites": {"https://bot.contoso.com": receiver.url},
        "callback_loopback_only": True,
        "webhook_timeout_seconds": 5.0,
        # The test client's host: the admin API answers only to loopback or the base URL's host.
        "base_url": "http://callboard.test",
    }
    values.update(settings_overrides)
    return Settings(**values)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    e = make_engine(settings.database_url)
    yield e
    e.dispose()


@pytest.fixture(scope="session")
def shared_app() -> FastAPI:
    """One app for the session: FastAPI prepares each route on its first request (costly),
    so tests share the routes and attach their own services."""
    return build_app()


@pytest.fixture
def app_client(
    shared_app: FastAPI,
    settings: Settings,
    clock: FrozenClock,
    engine: Engine,
    graph_watch: Watch,
) -> Iterator[TestClient]:
    attach(shared_app, build_services(settings, clock=clock, engine=engine))
    with TestClient(shared_app, base_url="http://callboard.test") as client:
        client.event_hooks["response"].append(graph_watch.response_hook)
        yield client


@pytest.fixture
def rt(app_client: TestClient) -> Runtime:
    runtime: Runtime = app_client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


@pytest.fixture
def runner(app_client: TestClient) -> Runner:
    r: Runner = app_client.app.state.runner  # type: ignore[attr-defined]
    return r


@pytest.fixture
def run_jobs(runner: Runner) -> Callable[[], int]:
    """Run every job due at the frozen clock's time (no sleeping anywhere)."""

    def run() -> int:
        async def drain() -> int:
            try:
                return await runner.run_until_idle()
            finally:
                await runner.sender.close()

        return asyncio.run(drain())

    return run


@pytest.fixture
def advance(clock: FrozenClock, run_jobs: Callable[[], int]) -> Callable[[float], int]:
    """Move the clock forward and run what fell due."""

    def step(seconds: float) -> int:
        clock.advance(seconds)
        return run_jobs()

    return step


@pytest.fixture
def token(rt: Runtime) -> Callable[..., str]:
    def make(app: str = CALLING_BOT, tenant: str | None = CONTOSO, user: str | None = None) -> str:
        return issue_token(rt, app_id=app, tenant_id=tenant, user=user)

    return make


@pytest.fixture
def auth(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    def headers(**kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(**kwargs)}"}

    return headers
