"""Seed 002 (participant: invite), examples 1 to 4, sent verbatim into calls created first.

What had to be adapted: the call id in the URL (a group call of the Calling Bot created by
the test: every example invites into a group call, as Graph does not escalate peer-to-peer
calls), and in example 3 the ``replacesCallId`` (a peer-to-peer call created by the test).
Examples 1 and 2 carry a ``replacesCallId`` naming no call of the application: ignored.
Example 4's call comes from the Calling Bot's application instance, which has a number.
"""

from __future__ import annotations

from typing import Any

from tests.api.calling import Harness, p2p_body
from tests.api.inviting import (
    CLIENT_CONTEXT,
    PARTICIPANT,
    PARTICIPANT_ONE,
    PARTICIPANT_TWO,
    SEED_CALL,
    G,
    assert_shape,
    call_notes,
    group_call,
    invite,
    operation,
    pstn_group_call,
    ring_and_answer,
    roster_ids,
    seed_notifications,
    user_ids,
)
from tests.support import seed

ROOT = "http://callboard.test"


def _reply(
    h: Harness, call_id: str, response: Any, name: str, body: dict[str, Any], version: str = "v1.0"
) -> dict[str, Any]:
    """The 200 reply: a running inviteParticipantsOperation with its Location, the
    participants as sent, in the seed's shape; GET shows it running."""
    assert response.status_code == 200, response.text
    op: dict[str, Any] = response.json()
    assert response.headers["location"] == (
        f"{ROOT}/{version}/communications/calls/{call_id}/operations/{op['id']}"
    )
    assert op["@odata.context"] == (
        f"{ROOT}/{version}/$metadata#communications/calls('{call_id}')/operations/$entity"
    )
    assert op["@odata.type"] == G + "inviteParticipantsOperation"
    assert op["status"] == "Running"
    assert op["clientContext"] == CLIENT_CONTEXT
    assert op["resultInfo"] is None
    assert_shape(op, seed(name, "response")["body"])
    assert len(op["participants"]) == len(body["participants"])
    for sent, shown in zip(body["participants"], op["participants"], strict=True):
        assert shown["identity"] == sent["identity"]
        assert shown["replacesCallId"] == sent.get("replacesCallId")
        assert shown["endpointType"] is None
        assert shown["participantId"]  # the id the participant gets in the roster
    got = operation(h, call_id, op["id"])
    assert (got["@odata.type"], got["status"]) == (G + "inviteParticipantsOperation", "Running")
    return op


def _notified(
    h: Harness, call_id: str, op: dict[str, Any], name: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The last two notifications of the call: the operation completed, then the roster with
    the new participants, both in the seed's shape. Returns the completed operation and the
    roster."""
    *_, done, roster_note = call_notes(h, call_id)
    seed_done, seed_roster = seed_notifications(name)

    assert done["changeType"] == "deleted"
    assert done["resourceUrl"] == f"/communications/calls/{call_id}/operations/{op['id']}"
    assert_shape(done, seed_done)
    data = done["resourceData"]
    assert data["@odata.type"] == G + "inviteParticipantsOperation"
    assert (data["id"], data["status"], data["clientContext"]) == (
        op["id"],
        "Completed",
        CLIENT_CONTEXT,
    )
    assert data["resultInfo"]["code"] == 200
    assert data["participants"] == op["participants"]

    assert roster_note["changeType"] == "updated"
    assert roster_note["resourceUrl"] == f"/communications/calls/{call_id}/participants"
    assert_shape(roster_note, seed_roster)
    roster: list[dict[str, Any]] = roster_note["resourceData"]
    invited_ids = [p["participantId"] for p in op["participants"]]
    joined = [p for p in roster if p["id"] in invited_ids]
    assert [p["id"] for p in joined] == invited_ids
    for participant, sent in zip(joined, op["participants"], strict=True):
        assert participant["@odata.type"] == G + "participant"
        assert participant["info"]["identity"] == sent["identity"]
        assert participant["isMuted"] is False
        assert participant["isInLobby"] is False
        assert [
            (s["mediaType"], s["direction"], s["serverMuted"]) for s in participant["mediaStreams"]
        ] == [("audio", "sendReceive", False)]

    # The operation is readable in its final state; GET participants matches the roster.
    got = operation(h, call_id, op["id"])
    assert got["status"] == "Completed"
    assert got["@odata.type"] == G + "inviteParticipantsOperation"
    assert roster_ids(h.participants(call_id)) == roster_ids(roster)
    # Everything went to the call's callbackUri (https://bot.contoso.com/api/calls).
    assert set(h.received_for(call_id)) == {"/api/calls"}
    return data, roster


def test_example_1_invites_one_participant(h: Harness) -> None:
    call = group_call(h)
    before = roster_ids(h.participants(call["id"]))
    body = seed("invite-1")["body"]
    assert body["participants"][0]["replacesCallId"] == SEED_CALL  # no call of ours: ignored

    op = _reply(h, call["id"], invite(h, call["id"], body), "invite-1", body)
    ring_and_answer(h)

    _, roster = _notified(h, call["id"], op, "invite-1")
    assert roster_ids(roster)[: len(before)] == before
    assert user_ids(roster)[-1] == PARTICIPANT_ONE


def test_example_2_invites_two_participants_into_a_group_call(h: Harness) -> None:
    call = group_call(h)
    body = seed("invite-2")["body"]

    op = _reply(h, call["id"], invite(h, call["id"], body), "invite-2", body)
    ring_and_answer(h)

    _, roster = _notified(h, call["id"], op, "invite-2")
    assert user_ids(roster)[-2:] == [PARTICIPANT, PARTICIPANT_TWO]
    # The first to join was notified on its own, before the operation completed.
    rosters = h.rosters(call["id"])
    assert user_ids(rosters[-2])[-1] == PARTICIPANT
    assert PARTICIPANT_TWO not in user_ids(rosters[-2])


def test_example_3_replaces_a_peer_to_peer_call(h: Harness) -> None:
    p2p = h.establish_p2p(p2p_body(PARTICIPANT, callbackUri="https://bot.contoso.com/p2p"))
    call = group_call(h)
    body = seed("invite-3")["body"]
    body["participants"][0]["replacesCallId"] = p2p["id"]  # the call created above

    op = _reply(h, call["id"], invite(h, call["id"], body), "invite-3", body)
    # The participant is moved without ringing: it joins once the connection is made.
    h.advance(h.connect_delay)

    _, roster = _notified(h, call["id"], op, "invite-3")
    assert user_ids(roster)[-1] == PARTICIPANT
    # The peer-to-peer call was terminated and deleted in the same moment, notified to its
    # own callbackUri.
    ended = h.notes(p2p["id"])[-1]
    assert ended["changeType"] == "deleted"
    assert ended["resourceData"]["state"] == "terminated"
    assert ended["resourceData"]["resultInfo"]["code"] == 200
    assert ended["resourceData"]["resultInfo"]["subcode"] == 7015
    assert set(h.received_for(p2p["id"])) == {"/p2p"}
    assert h.ended(p2p["id"])["state"] == "terminated"


def test_example_4_invites_a_pstn_participant(h: Harness) -> None:
    call = pstn_group_call(h)
    body = seed("invite-4")["body"]

    op = _reply(h, call["id"], invite(h, call["id"], body), "invite-4", body)
    ring_and_answer(h)

    _, roster = _notified(h, call["id"], op, "invite-4")
    assert roster[-1]["info"]["identity"]["phone"]["id"] == "+12345678901"


def test_example_1_through_beta(h: Harness) -> None:
    call = group_call(h)
    body = seed("invite-1")["body"]

    response = invite(h, call["id"], body, root="/beta/communications/calls")
    op = _reply(h, call["id"], response, "invite-1", body, version="beta")
    ring_and_answer(h)

    _notified(h, call["id"], op, "invite-1")
