"""A call's record id is its chain id, or its own id where another record has that chain id."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi.testclient import TestClient

from callboard.domain.call_records import CallLog, CallParty
from callboard.ids import RandomIds
from callboard.services.runtime import Runtime
from callboard.store.call_records import CLOSED
from tests.support import seed

URL = "/v1.0/communications/calls"
TAKEN = "c4a1c4a1-0000-4000-8000-00000000c4a1"


class FirstIdTaken:
    """Gives ``TAKEN`` first (create-call draws the chain id first), then random ids."""

    def __init__(self) -> None:
        self._ids: Iterator[str] = iter([TAKEN])
        self._random = RandomIds()

    def new(self) -> str:
        return next(self._ids, None) or self._random.new()


def _log(record_id: str, call_id: str) -> CallLog:
    return CallLog(
        record_id=record_id,
        call_id=call_id,
        tenant_id="t",
        app_id="a",
        kind="peerToPeer",
        direction="outgoing",
        started_at=1.0,
        organizer=CallParty.of({}),
        targets=[],
    )


def test_add_unless_taken_leaves_the_other_record_alone(rt: Runtime) -> None:
    with rt.uow() as uow:
        assert uow.call_records.add_unless_taken(_log(TAKEN, "first-call"))
        uow.call_records.save(_log(TAKEN, "first-call"), CLOSED)
        assert not uow.call_records.add_unless_taken(_log(TAKEN, "second-call"))
        found = uow.call_records.get(TAKEN)
        uow.commit()
    assert found is not None
    assert (found[0].call_id, found[1]) == ("first-call", CLOSED)


def test_a_taken_chain_id_gives_the_record_the_call_id(
    app_client: TestClient, rt: Runtime, auth: Callable[..., dict[str, str]]
) -> None:
    with rt.uow() as uow:
        uow.call_records.add(_log(TAKEN, "an-older-call"))
        uow.commit()
    rt.ids = FirstIdTaken()
    response = app_client.post(URL, json=seed("create-call-1")["body"], headers=auth())
    assert response.status_code == 201, response.text
    call = response.json()
    assert call["callChainId"] == TAKEN
    with rt.uow() as uow:
        mine = uow.call_records.of_call(call["id"])
        older = uow.call_records.get(TAKEN)
    assert mine is not None and mine[0].record_id == call["id"]
    assert older is not None and older[0].call_id == "an-older-call"
