"""Stored calls and operations: typed objects out of rows, including rows of older versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from callboard.domain.calls import Call, CallKind, CallState
from callboard.domain.invitations import InvitationStatus
from callboard.domain.operations import OperationStatus
from callboard.store import tables
from callboard.store.uow import UnitOfWork


def _legacy_row(**document: Any) -> dict[str, Any]:
    """A call row as versions that kept bookkeeping inside the Graph document wrote it."""
    return {
        "id": "old",
        "tenant_id": "t",
        "app_id": "a",
        "state": "establishing",
        "created_at": 0.0,
        "modified_at": 0.0,
        "version": 1,
        "meeting_id": "m",
        "document": {
            "apiVersion": "v1.0",
            "kind": "meeting",
            "direction": "outgoing",
            "resource": {
                "callbackUri": "https://bot/cb",
                "myParticipantId": "me",
                "waitingForHost": True,
                "mediaQueue": {"operations": ["o1"], "endsAt": 5.0},
                "toneSubscribed": True,
                "customProperty": "kept",
            },
            "participants": [],
            "invitations": {
                "user:u": {
                    "status": "failed",
                    "participantId": None,
                    "resultInfo": {"code": 486, "subcode": 0, "message": "busy"},
                }
            },
            "resultInfo": None,
            "rosterSequence": 0,
            **document,
        },
    }


def test_a_row_of_an_older_version_loads_typed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(tables.calls.insert().values(**_legacy_row()))
        conn.execute(
            tables.operations.insert().values(
                id="o1",
                call_id="old",
                status="running",
                created_at=0.0,
                document={
                    "@odata.type": "#microsoft.graph.playPromptOperation",
                    "id": "o1",
                    "status": "running",
                    "clientContext": None,
                    "resultInfo": None,
                },
            )
        )
    with UnitOfWork(engine, now=1.0) as uow:
        call = uow.calls.get("old")
        assert call is not None
        assert (call.kind, call.state) == (CallKind.MEETING, CallState.ESTABLISHING)
        assert call.waiting_for_host is True
        assert call.tone_subscribed is True
        assert (call.media_queue.operations, call.media_queue.ends_at) == (["o1"], 5.0)
        assert "waitingForHost" not in call.resource and "mediaQueue" not in call.resource
        assert call.echo == {"customProperty": "kept"}
        invitation = call.invitations["user:u"]
        assert invitation.status is InvitationStatus.FAILED
        assert invitation.result_info is not None and invitation.result_info.code == 486
        operation = uow.operations.get("old", "o1")
        assert operation is not None and operation.status is OperationStatus.RUNNING


def test_a_saved_call_reads_back_equal(engine: Engine) -> None:
    call = Call.place_outgoing(
        id="c",
        tenant_id="t",
        app_id="a",
        api_version="v1.0",
        kind=CallKind.GROUP,
        resource={
            "callbackUri": "https://bot/cb",
            "myParticipantId": "me",
            "targets": [{"identity": {"user": {"id": "u"}}}],
        },
        echo={"x": 1},
        now=0.0,
    )
    call.waiting_for_host = True
    call.redirect_targets = [{"identity": {"user": {"id": "v"}}}]
    with UnitOfWork(engine, now=1.0) as uow:
        uow.calls.add(call)
        uow.commit()
    with UnitOfWork(engine, now=1.0) as uow:
        loaded = uow.calls.get("c")
    assert loaded is not None
    call.events.clear()
    assert loaded == call
