"""A read-only unit of work: reads what is committed, refuses every write, ends in COMMIT."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, func, select

from callboard.config import Settings
from callboard.domain.calls import Call, CallKind, CallResource
from callboard.errors import ItemNotFound
from callboard.services import notifications
from callboard.store import tables
from callboard.store.jobs import NewJob
from callboard.store.uow import ReadOnlyWrite, UnitOfWork
from tests.api.calling import CALLS, p2p_body


def _call(call_id: str = "c1") -> Call:
    resource: dict[str, Any] = {
        "callbackUri": "https://bot/cb",
        "myParticipantId": "me",
        "targets": [{"identity": {"user": {"id": "u"}}}],
    }
    return Call.place_outgoing(
        id=call_id,
        tenant_id="t",
        app_id="a",
        api_version="v1.0",
        kind=CallKind.PEER_TO_PEER,
        resource=CallResource.parse(resource),
        now=0.0,
    )


def _writable(engine: Engine, settings: Settings) -> UnitOfWork:
    return UnitOfWork(
        engine, now=1.0, outbox=lambda call, now: notifications.jobs_for(call, now, settings)
    )


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _store_a_call(engine: Engine, settings: Settings, call_id: str = "c1") -> None:
    with _writable(engine, settings) as uow:
        uow.add_call(_call(call_id))
        uow.commit()


@pytest.fixture
def ends(engine: Engine) -> Iterator[list[str]]:
    """How each transaction on the engine ended: "commit" or "rollback", in order."""
    seen: list[str] = []

    def on_commit(conn: Connection) -> None:
        seen.append("commit")

    def on_rollback(conn: Connection) -> None:
        seen.append("rollback")

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    yield seen
    event.remove(engine, "commit", on_commit)
    event.remove(engine, "rollback", on_rollback)


def test_a_read_only_unit_of_work_reads_what_was_committed(
    engine: Engine, settings: Settings
) -> None:
    _store_a_call(engine, settings)
    with UnitOfWork(engine, now=2.0, read_only=True) as uow:
        loaded = uow.calls.get("c1")
        assert uow.calls.get("nope") is None
    assert loaded is not None
    assert loaded.id == "c1"


def test_a_read_only_unit_of_work_ends_with_commit(
    engine: Engine, settings: Settings, ends: list[str]
) -> None:
    # psycopg throws its prepared statements away at every ROLLBACK: reads end with COMMIT,
    # also when an error that is not the database's leaves them (a 404).
    _store_a_call(engine, settings)
    ends.clear()
    with UnitOfWork(engine, now=2.0, read_only=True) as uow:
        uow.calls.get("c1")
    with pytest.raises(ItemNotFound), UnitOfWork(engine, now=2.0, read_only=True) as uow:
        uow.calls.get("c1")
        raise ItemNotFound("gone")
    assert ends == ["commit", "commit"]


@pytest.mark.parametrize("method", ["add_call", "save_call", "schedule", "commit"])
def test_the_write_methods_of_a_read_only_unit_of_work_raise(
    engine: Engine, settings: Settings, method: str
) -> None:
    _store_a_call(engine, settings, "c0")
    job = NewJob(kind="call.progress", payload={}, run_at=1.0)
    with pytest.raises(ReadOnlyWrite), UnitOfWork(engine, now=2.0, read_only=True) as uow:
        loaded = uow.calls.get("c0")
        assert loaded is not None
        loaded.hang_up()
        if method == "add_call":
            uow.add_call(_call())
        elif method == "save_call":
            uow.save_call(loaded)
        elif method == "schedule":
            uow.schedule(job)
        else:
            uow.commit()
    assert _count(engine, tables.calls) == 1
    assert _count(engine, tables.jobs) == 1  # the stored call's own notification


def test_a_repository_write_in_a_read_only_unit_of_work_fails_and_is_not_kept(
    engine: Engine, settings: Settings, ends: list[str]
) -> None:
    # Past the unit of work's own methods: the database refuses it (PostgreSQL) or the unit
    # of work sees it at the end (SQLite); either way it raises and nothing is committed.
    with pytest.raises(ReadOnlyWrite), UnitOfWork(engine, now=2.0, read_only=True) as uow:
        uow.calls.add(_call())
    assert ends[-1] == "rollback"
    assert _count(engine, tables.calls) == 0


def test_a_write_whose_error_is_swallowed_inside_is_not_kept(
    engine: Engine, settings: Settings, ends: list[str]
) -> None:
    # PostgreSQL refused the write at once (and the use case swallowed the error): the failed
    # transaction is rolled back. SQLite ran it: the unit of work raises at the end.
    raised = (ReadOnlyWrite, ItemNotFound)
    with pytest.raises(raised), UnitOfWork(engine, now=2.0, read_only=True) as uow:
        with contextlib.suppress(Exception):  # what a careless use case might do
            uow.calls.add(_call())
        raise ItemNotFound("the use case went on")
    assert ends[-1] == "rollback"
    assert _count(engine, tables.calls) == 0


def test_connections_are_writable_again_after_read_only_use(
    engine: Engine, settings: Settings
) -> None:
    # The pool hands the same connections back: read-only must not outlive its unit of work,
    # neither after a clean read nor after a refused write.
    for _ in range(3):
        with UnitOfWork(engine, now=2.0, read_only=True) as uow:
            uow.calls.get("c1")
        with pytest.raises(ReadOnlyWrite), UnitOfWork(engine, now=2.0, read_only=True) as uow:
            uow.calls.add(_call("x"))
    for n in range(3):
        _store_a_call(engine, settings, f"c{n}")
    assert _count(engine, tables.calls) == 3


def test_the_reads_of_a_call_end_in_commit(
    app_client: TestClient, auth: Callable[..., dict[str, str]], ends: list[str]
) -> None:
    # Before read-only units of work every GET ended in ROLLBACK (psycopg then forgot its
    # prepared statements): each of these reads is one transaction, ended by COMMIT.
    headers = auth()
    created = app_client.post(CALLS, json=p2p_body(), headers=headers)
    assert created.status_code == 201
    call = f"{CALLS}/{created.json()['id']}"
    ends.clear()
    paths = [call, f"{call}/participants", f"{call}/operations", f"{CALLS}/missing"]
    statuses = [app_client.get(path, headers=headers).status_code for path in paths]
    assert statuses == [200, 200, 200, 404]
    assert ends == ["commit"] * len(paths)
