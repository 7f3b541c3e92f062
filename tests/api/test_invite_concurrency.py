"""Simultaneous invites into one group call: 20 threads call the service layer at the same
moment, each with its own unit of work (on PostgreSQL the call row is locked; on SQLite
the losers of the optimistic version check retry). The roster ends consistent: no lost or
doubled participant, never more than a group call holds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from callboard.domain import graph_json
from callboard.domain.call_requests import InviteParticipants
from callboard.domain.invitations import GROUP_CALL_CAPACITY, InvitationTarget
from callboard.errors import BadRequest, Conflict, GraphError
from callboard.services import participants
from callboard.services.runtime import Runtime
from callboard.services.token_issuing import issue_token
from callboard.tokens import Principal
from tests.api.calling import CALLING_BOT, CONTOSO, USER1, USER2, Harness, user_target
from tests.api.inviting import (
    PARTICIPANT,
    add_users,
    group_call,
    operation,
    ring_and_answer,
    user_ids,
)

THREADS = 20


def _principal(rt: Runtime) -> Principal:
    token = issue_token(rt, app_id=CALLING_BOT, tenant_id=CONTOSO)
    return rt.keyring.verify_access_token(token, rt.clock.now())


def _all_at_once(request: Callable[[int], dict[str, Any]]) -> list[dict[str, Any] | GraphError]:
    """Run ``request(i)`` for i in 0..19 on 20 threads released together; each result is the
    operation or the Graph error (anything else fails the test)."""
    start = threading.Barrier(THREADS)

    def one(index: int) -> dict[str, Any] | GraphError:
        start.wait(timeout=30)
        try:
            return request(index)
        except GraphError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(one, i) for i in range(THREADS)]
        return [f.result(timeout=120) for f in futures]


def _invite(rt: Runtime, principal: Principal, call_id: str, user: str, index: int) -> Any:
    request = InviteParticipants(
        (InvitationTarget.parse(user_target(user)),), client_context=f"thread-{index}"
    )
    # As a client sees the operation.
    return graph_json.operation(participants.invite_participants(rt, principal, call_id, request))


def test_twenty_invites_of_different_people(h: Harness) -> None:
    extra = add_users(h, THREADS)
    call = group_call(h)  # the bot, user1 and user2
    principal = _principal(h.rt)

    outcomes = _all_at_once(lambda i: _invite(h.rt, principal, call["id"], extra[i], i))

    accepted = [(i, o) for i, o in enumerate(outcomes) if not isinstance(o, GraphError)]
    refused = [o for o in outcomes if isinstance(o, GraphError)]
    room = GROUP_CALL_CAPACITY - 3
    assert len(accepted) == room
    assert len(refused) == THREADS - room
    assert all(isinstance(e, BadRequest) and "at most 20" in e.detail for e in refused), refused

    ring_and_answer(h)
    roster = h.participants(call["id"])
    assert len(roster) == GROUP_CALL_CAPACITY
    assert len({p["id"] for p in roster}) == len(roster)
    assert sorted(user_ids(roster)) == sorted([USER1, USER2] + [extra[i] for i, _ in accepted])
    for _, op in accepted:
        # Each participant joined under the id its operation announced.
        assert op["participants"][0]["participantId"] in {p["id"] for p in roster}
        assert operation(h, call["id"], op["id"])["status"] == "Completed"
    # The roster notifications tell the same story, in order.
    rosters = h.rosters(call["id"])
    assert [len(r) for r in rosters] == list(range(1, GROUP_CALL_CAPACITY + 1))
    assert rosters[-1] == roster


def test_twenty_invites_of_the_same_person(h: Harness) -> None:
    call = group_call(h)
    principal = _principal(h.rt)

    outcomes = _all_at_once(lambda i: _invite(h.rt, principal, call["id"], PARTICIPANT, i))

    accepted = [o for o in outcomes if not isinstance(o, GraphError)]
    refused = [o for o in outcomes if isinstance(o, GraphError)]
    assert len(accepted) == 1
    assert all(isinstance(e, BadRequest) and "being invited" in e.detail for e in refused), refused

    ring_and_answer(h)
    assert user_ids(h.participants(call["id"])) == [USER1, USER2, PARTICIPANT]
    assert operation(h, call["id"], accepted[0]["id"])["status"] == "Completed"


def test_a_lost_race_is_retried() -> None:
    """The unit of work is re-run after a Conflict; after too many, the 409 reaches the
    client (which may retry)."""
    tries = []

    def flaky() -> str:
        tries.append(1)
        if len(tries) < 5:
            raise Conflict("lost")
        return "done"

    assert participants._retrying(flaky) == "done"
    assert len(tries) == 5

    def hopeless() -> str:
        tries.append(1)
        raise Conflict("lost")

    tries.clear()
    with pytest.raises(Conflict):
        participants._retrying(hopeless)
    assert len(tries) == participants.CONFLICT_ATTEMPTS
