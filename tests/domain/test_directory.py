"""The directory without I/O: user lookups, application instances, and a simulated
callee's behaviour (parsed, checked, written back)."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain.directory import (
    ApplicationInstance,
    Behaviour,
    Directory,
    Response,
    User,
)
from callboard.domain.party_scripts import PartyAction, TransferAnswer
from callboard.errors import BadRequest

ALICE = User("a1", "t1", "Alice", "Alice@Example.com")
OTHER = User("o1", "t2", "Other", "other@example.com")
BOT = ApplicationInstance("i1", "t1", "Bot", "app-1", "+14255550100")


@pytest.fixture
def directory() -> Directory:
    return Directory(
        users={(u.tenant_id, u.id): u for u in (ALICE, OTHER)},
        instances={(BOT.tenant_id, BOT.id): BOT},
    )


def test_users_are_found_by_id_or_upn_in_their_tenant(directory: Directory) -> None:
    assert directory.user("t1", "a1") is ALICE
    assert directory.user("t1", "alice@example.COM") is ALICE
    assert directory.user("t2", "a1") is None
    assert directory.user("t1", "other@example.com") is None
    assert directory.find_user_anywhere("o1") is OTHER
    assert directory.find_user_anywhere("OTHER@example.com") is OTHER
    assert directory.find_user_anywhere("nobody") is None


def test_application_instances_are_per_tenant(directory: Directory) -> None:
    assert directory.instance("t1", "i1") is BOT
    assert directory.instance("t2", "i1") is None


def test_a_behaviour_defaults_to_answering() -> None:
    assert Behaviour.parse({}) == Behaviour()
    assert Behaviour().to_dict() == {
        "response": "answer",
        "answerAfterSeconds": None,
        "hangUpAfterSeconds": None,
    }


def test_a_behaviour_reads_back_as_written() -> None:
    written: dict[str, Any] = {
        "response": "noAnswer",
        "answerAfterSeconds": 2.5,
        "hangUpAfterSeconds": 10.0,
        "script": [{"afterSeconds": 1.0, "pressKeys": "1"}],
        "transfer": "refuse",
    }
    behaviour = Behaviour.parse(written)
    assert behaviour.response is Response.NO_ANSWER
    assert behaviour.answer_after_seconds == 2.5 and behaviour.hang_up_after_seconds == 10.0
    assert behaviour.script[0].step.action is PartyAction.PRESS_KEYS
    assert behaviour.transfer is TransferAnswer.REFUSE
    assert behaviour.to_dict() == written
    assert Behaviour.parse(behaviour.to_dict()) == behaviour


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"ring": True}, "Unknown behaviour properties: ring"),
        ({"response": "maybe"}, "behaviour.response must be one of"),
        ({"answerAfterSeconds": -1}, "answerAfterSeconds must be a non-negative"),
        ({"hangUpAfterSeconds": True}, "hangUpAfterSeconds must be a non-negative"),
        ({"answerAfterSeconds": "1"}, "answerAfterSeconds must be a non-negative"),
        ({"transfer": "maybe"}, "behaviour.transfer must be accept or refuse"),
        ({"script": [{}]}, r"script\[0\]"),
    ],
)
def test_bad_behaviours_are_bad_requests(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        Behaviour.parse(data)
