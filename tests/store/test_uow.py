"""The unit of work turns every touched call's events into jobs, atomically."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from callboard.config import Settings
from callboard.domain.calls import Call, CallKind, CallResource
from callboard.services import notifications
from callboard.store import tables
from callboard.store.uow import UnitOfWork


def _uow(engine: Engine, settings: Settings) -> UnitOfWork:
    return UnitOfWork(
        engine, now=1.0, outbox=lambda call, now: notifications.jobs_for(call, now, settings)
    )


def _jobs(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.jobs)).scalar_one())


def _call() -> Call:
    resource: dict[str, Any] = {
        "callbackUri": "https://bot/cb",
        "myParticipantId": "me",
        "targets": [{"identity": {"user": {"id": "u"}}}],
    }
    return Call.place_outgoing(
        id="c1",
        tenant_id="t",
        app_id="a",
        api_version="v1.0",
        kind=CallKind.PEER_TO_PEER,
        resource=CallResource.parse(resource),
        now=0.0,
    )


def test_events_of_two_copies_of_one_call_all_become_jobs(
    engine: Engine, settings: Settings
) -> None:
    with _uow(engine, settings) as uow:
        uow.add_call(_call())
        uow.commit()
    assert _jobs(engine) == 1
    with _uow(engine, settings) as uow:
        first = uow.calls.get("c1")
        assert first is not None
        first.hang_up()
        uow.save_call(first)
        second = uow.calls.get("c1")
        assert second is not None
        second.finish_termination()
        uow.save_call(second)
        uow.commit()
    assert _jobs(engine) == 3


def test_nothing_is_written_without_commit(engine: Engine, settings: Settings) -> None:
    with _uow(engine, settings) as uow:
        uow.add_call(_call())
    assert _jobs(engine) == 0
    with _uow(engine, settings) as uow:
        assert uow.calls.get("c1") is None


def test_a_unit_of_work_knows_the_calls_it_inserted(engine: Engine, settings: Settings) -> None:
    # The call-records observer skips looking for the log of a call inserted here.
    with _uow(engine, settings) as uow:
        call = _call()
        uow.add_call(call)
        assert uow.added_here(call)
        uow.commit()
    with _uow(engine, settings) as uow:
        loaded = uow.calls.get("c1")
        assert loaded is not None
        loaded.hang_up()
        uow.save_call(loaded)
        assert not uow.added_here(loaded)


def test_a_presence_stored_with_a_session_per_call_reads_back_as_counts(engine: Engine) -> None:
    # Presence rows written before calls were counted held one session per call or meeting.
    session = {"availability": "Busy", "set_at": 0.0, "expires_at": 86_400.0}
    document = {
        "sessions": {
            "call:1": {**session, "activity": "InACall"},
            "call:2": {**session, "activity": "InACall"},
            "meeting:m": {**session, "activity": "InAMeeting"},
        },
        "preferred": None,
        "status_message": None,
    }
    with engine.begin() as conn:
        conn.execute(
            tables.presences.insert().values(
                tenant_id="t", user_id="ann", sequence=3, document=document
            )
        )
    with UnitOfWork(engine, now=10.0) as uow:
        presence = uow.presences.get("t", "ann")
    assert presence.sessions == {}
    assert presence.calls == {"InACall": 2, "InAMeeting": 1}
    assert presence.current(10.0) == ("Busy", "InAMeeting")
