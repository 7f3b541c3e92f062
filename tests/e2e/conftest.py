"""Live ``callboard`` processes on loopback, stopped at teardown.

``launcher`` starts servers and workers for one test (on the parametrised ``database_url``
of ``tests/conftest.py``, or ``fresh_database_url``: SQLite and PostgreSQL). ``shared`` is
one server for the whole session (SQLite) with its receiver and the ``callboard token``
outputs, for tests that do not concern persistence. Its virtual clock is shared too: the
tokens issued at the start expire an hour later on that clock, so tests advance it by
minutes at most and filter the receiver's notifications by call id.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_URL
from tests.e2e.live import (
    LiveServer,
    Process,
    callboard_env,
    run_cli,
    start_server,
    start_worker,
)
from tests.support import Receiver


class Launcher:
    """Starts callboard processes and makes sure none outlives the test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: list[Process] = []

    def serve(self, database_url: str, env: dict[str, str], port: int | None = None) -> LiveServer:
        server = start_server(database_url, env, self.workdir, port)
        self.processes.append(server)
        return server

    def worker(self, database_url: str, env: dict[str, str]) -> Process:
        worker = start_worker(database_url, env, self.workdir)
        self.processes.append(worker)
        return worker

    def close(self) -> None:
        """SIGTERM whatever still runs; a process that ignores it is killed and reported."""
        failures = []
        for process in self.processes:
            if process.running:
                try:
                    process.stop(signal.SIGTERM)
                except AssertionError as exc:
                    failures.append(str(exc))
        self.processes.clear()
        if failures:
            raise AssertionError("\n\n".join(failures))


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    lau = Launcher(tmp_path)
    yield lau
    lau.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables, no keys): what a first start meets."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    request.getfixturevalue("postgres_schema")  # skips, saying why, without PostgreSQL
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
    schema = f"cbfresh_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Shared:
    server: LiveServer
    receiver: Receiver
    database_url: str
    tokens: dict[str, CliResult]


# ``callboard token`` runs made once per session, concurrently with the server start
# (each process spends over a second of CPU importing).
TOKEN_RUNS: dict[str, list[str]] = {
    "default": [],
    "alice": ["--user", "alice@callboard.dev"],
    "unknown-app": ["--app", "00000000-0000-4000-8000-00000000dead"],
}


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Shared]:
    workdir = tmp_path_factory.mktemp("e2e-shared")
    db = workdir / "callboard.db"
    shutil.copy(sqlite_template, db)
    database_url = f"sqlite:///{db}"
    receiver = Receiver()
    env = callboard_env(receiver.url)
    # The token commands and the server start together on the same database.
    runs: dict[str, subprocess.Popen[str]] = {
        name: run_cli(["token", *args, "--database-url", database_url], env, workdir)
        for name, args in TOKEN_RUNS.items()
    }
    lau = Launcher(workdir)
    try:
        server = lau.serve(database_url, env)
        tokens = {}
        for name, popen in runs.items():
            out, err = popen.communicate(timeout=60)
            tokens[name] = CliResult(popen.returncode, out, err)
        yield Shared(server, receiver, database_url, tokens)
    finally:
        for popen in runs.values():
            if popen.poll() is None:
                popen.kill()
                popen.communicate()
        lau.close()
        receiver.close()


def token_of(shared: Shared, name: str) -> str:
    result = shared.tokens[name]
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
