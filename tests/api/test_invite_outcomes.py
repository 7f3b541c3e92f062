"""How invitations end, following the simulated remote parties: an invitee who declines, is
busy, does not answer or cannot be reached makes the operation fail with a resultInfo,
notified like a success; ended calls, cancelled and stale invitations."""

from __future__ import annotations

from typing import Any

from tests.api.calling import CALLS, Harness, answer_body, assert_error, p2p_body
from tests.api.inviting import (
    PARTICIPANT,
    PARTICIPANT_TWO,
    group_call,
    invite_body,
    invited,
    operation,
    ring_and_answer,
    user_ids,
)

UNKNOWN_USER = "0badbad0-0000-4000-8000-000000000bad"


def _finished(h: Harness, call_id: str, op: dict[str, Any]) -> dict[str, Any]:
    """The operation's one ``deleted`` notification; GET shows the same final state."""
    url = f"/communications/calls/{call_id}/operations/{op['id']}"
    notes = [n for n in h.receiver.notifications() if n["resourceUrl"] == url]
    assert len(notes) == 1, notes
    assert notes[0]["changeType"] == "deleted"
    data: dict[str, Any] = notes[0]["resourceData"]
    assert data["@odata.type"] == "#microsoft.graph.inviteParticipantsOperation"
    assert data["participants"] == op["participants"]
    assert data["clientContext"] == op["clientContext"]
    response = h.get(f"{CALLS}/{call_id}/operations/{op['id']}")
    if h.get(f"{CALLS}/{call_id}").status_code == 404:
        # The call has ended: Graph forgets it and its operations.
        assert_error(response, 404, "itemNotFound")
        return data
    got = operation(h, call_id, op["id"])
    assert (got["status"], got["resultInfo"]) == (data["status"], data["resultInfo"])
    return data


def _failed_with(h: Harness, call_id: str, op: dict[str, Any], code: int, subcode: int) -> None:
    data = _finished(h, call_id, op)
    assert data["status"] == "Failed"
    assert (data["resultInfo"]["code"], data["resultInfo"]["subcode"]) == (code, subcode)
    assert data["resultInfo"]["message"]


class TestFailures:
    def test_an_invitee_who_declines(self, h: Harness) -> None:
        call = group_call(h)
        rosters = len(h.rosters(call["id"]))
        h.set_behaviour(PARTICIPANT, response="decline", answerAfterSeconds=3)
        op = invited(h, call["id"], invite_body(PARTICIPANT))
        h.advance(h.connect_delay)
        h.advance(2.9)
        assert operation(h, call["id"], op["id"])["status"] == "Running"
        h.advance(0.1)
        _failed_with(h, call["id"], op, 603, 0)
        # The roster did not change: no roster notification.
        assert len(h.rosters(call["id"])) == rosters
        assert h.call(call["id"])["state"] == "established"

    def test_a_busy_invitee_fails_at_once(self, h: Harness) -> None:
        call = group_call(h)
        h.set_behaviour(PARTICIPANT, response="busy")
        op = invited(h, call["id"], invite_body(PARTICIPANT))
        h.advance(h.connect_delay)
        _failed_with(h, call["id"], op, 486, 0)

    def test_an_invitee_who_does_not_answer(self, h: Harness) -> None:
        call = group_call(h)
        h.set_behaviour(PARTICIPANT, response="noAnswer")
        op = invited(h, call["id"], invite_body(PARTICIPANT))
        h.advance(h.connect_delay)
        h.advance(h.rt.settings.ringing_timeout_seconds - 0.1)
        assert operation(h, call["id"], op["id"])["status"] == "Running"
        h.advance(0.1)
        _failed_with(h, call["id"], op, 408, 10057)

    def test_an_unknown_user_is_unreachable(self, h: Harness) -> None:
        call = group_call(h)
        op = invited(h, call["id"], invite_body(UNKNOWN_USER))
        h.advance(h.connect_delay)
        _failed_with(h, call["id"], op, 480, 10037)

    def test_one_answers_one_declines(self, h: Harness) -> None:
        """The operation ends when the last invitee does; failed, with the failure's reason;
        the one who answered stays in the call."""
        call = group_call(h)
        h.set_behaviour(PARTICIPANT_TWO, response="decline", answerAfterSeconds=5)
        op = invited(h, call["id"], invite_body(PARTICIPANT, PARTICIPANT_TWO))
        ring_and_answer(h)
        assert operation(h, call["id"], op["id"])["status"] == "Running"
        assert user_ids(h.rosters(call["id"])[-1])[-1] == PARTICIPANT
        h.advance(5)
        _failed_with(h, call["id"], op, 603, 0)
        assert user_ids(h.participants(call["id"]))[-1] == PARTICIPANT

    def test_a_declined_invitation_notified_after_the_join_of_the_other(self, h: Harness) -> None:
        """An early failure does not finish the operation while others still ring."""
        call = group_call(h)
        h.set_behaviour(PARTICIPANT, response="busy")
        op = invited(h, call["id"], invite_body(PARTICIPANT, PARTICIPANT_TWO))
        h.advance(h.connect_delay)
        assert operation(h, call["id"], op["id"])["status"] == "Running"
        h.advance(h.answer_delay)
        _failed_with(h, call["id"], op, 486, 0)
        notes = [n["resourceUrl"].rsplit("/", 1)[-1] for n in h.receiver.notifications()]
        # Seed 002's order: the operation, then the roster with the one who joined.
        assert notes[-2:] == [op["id"], "participants"]


class TestEndedCalls:
    def test_the_call_ends_while_the_invitee_rings(self, h: Harness) -> None:
        call = group_call(h)
        op = invited(h, call["id"], invite_body(PARTICIPANT))
        h.advance(h.connect_delay)
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.ended(call["id"])["state"] == "terminated"
        _failed_with(h, call["id"], op, 400, 8508)
        # The invitee's answer comes too late to change anything.
        h.advance(h.answer_delay)
        assert all(PARTICIPANT not in user_ids(roster) for roster in h.rosters(call["id"]))
        assert_error(h.get(f"{CALLS}/{call['id']}/participants"), 404, "itemNotFound")

    def test_a_ringing_invitee_keeps_a_group_call_alive(self, h: Harness) -> None:
        """Both original targets leave while an invitee still rings: the call stays until
        the invitee's answer; when the invitee then declines, the call ends (200/5002)."""
        call = group_call(h)
        h.set_behaviour(PARTICIPANT, response="decline", answerAfterSeconds=10)
        op = invited(h, call["id"], invite_body(PARTICIPANT))
        h.advance(h.connect_delay)
        for participant in h.participants(call["id"])[1:]:
            response = h.delete(f"{CALLS}/{call['id']}/participants/{participant['id']}")
            assert response.status_code == 204, response.text
        h.run_jobs()
        assert h.call(call["id"])["state"] == "established"
        h.advance(10)
        _failed_with(h, call["id"], op, 603, 0)
        ended = h.ended(call["id"])
        assert ended["state"] == "terminated"
        assert (ended["resultInfo"]["code"], ended["resultInfo"]["subcode"]) == (200, 5002)

    def test_the_replaced_call_ends_before_the_move(self, h: Harness) -> None:
        p2p = h.establish_p2p(p2p_body(PARTICIPANT))
        call = group_call(h)
        body = invite_body(PARTICIPANT)
        body["participants"][0]["replacesCallId"] = p2p["id"]
        op = invited(h, call["id"], body)
        assert h.delete(f"{CALLS}/{p2p['id']}").status_code == 204
        h.advance(h.connect_delay)
        _failed_with(h, call["id"], op, 480, 10076)
        assert PARTICIPANT not in user_ids(h.participants(call["id"]))


class TestReplacing:
    def test_an_answered_incoming_call_is_moved_into_a_group_call(self, h: Harness) -> None:
        """The usual way to add a caller to a group call: answer, place a group call,
        invite the caller with replacesCallId naming the incoming call."""
        incoming = h.place_incoming(fromUserId=PARTICIPANT)
        assert h.action(incoming["id"], "answer", answer_body()).status_code == 202
        h.run_jobs()
        h.advance(h.connect_delay)
        call = group_call(h)
        body = invite_body(PARTICIPANT)
        body["participants"][0]["replacesCallId"] = incoming["id"]
        op = invited(h, call["id"], body)
        h.advance(h.connect_delay)

        assert _finished(h, call["id"], op)["status"] == "Completed"
        assert user_ids(h.participants(call["id"]))[-1] == PARTICIPANT
        ended = h.ended(incoming["id"])
        assert ended["state"] == "terminated"
        assert (ended["resultInfo"]["code"], ended["resultInfo"]["subcode"]) == (200, 7015)
        assert h.changes(incoming["id"])[-1] == ("deleted", "terminated")
        assert h.received_for(incoming["id"])[-1] == "/answered"

    def test_a_peer_moves_once(self, h: Harness) -> None:
        """Two group calls replace the same peer-to-peer call: the first move wins, the
        other invitation fails (the peer is no longer in that call)."""
        p2p = h.establish_p2p(p2p_body(PARTICIPANT))
        first, second = group_call(h), group_call(h)
        body = invite_body(PARTICIPANT)
        body["participants"][0]["replacesCallId"] = p2p["id"]
        won = invited(h, first["id"], body)
        lost = invited(h, second["id"], body)
        h.advance(h.connect_delay)

        assert _finished(h, first["id"], won)["status"] == "Completed"
        _failed_with(h, second["id"], lost, 480, 10076)
        assert PARTICIPANT in user_ids(h.participants(first["id"]))
        assert PARTICIPANT not in user_ids(h.participants(second["id"]))
        assert [c for c, _ in h.changes(p2p["id"])].count("deleted") == 1


class TestCancelledAndStale:
    def test_cancelling_a_pending_invitation(self, h: Harness) -> None:
        call = group_call(h)
        rosters = len(h.rosters(call["id"]))
        h.set_behaviour(PARTICIPANT, answerAfterSeconds=5)
        op = invited(h, call["id"], invite_body(PARTICIPANT))
        h.advance(h.connect_delay)
        pending = op["participants"][0]["participantId"]
        response = h.delete(f"{CALLS}/{call['id']}/participants/{pending}")
        assert response.status_code == 204, response.text
        h.run_jobs()
        _failed_with(h, call["id"], op, 487, 0)
        h.advance(5)
        assert PARTICIPANT not in user_ids(h.participants(call["id"]))
        assert len(h.rosters(call["id"])) == rosters

    def test_a_step_of_an_earlier_invitation_does_nothing(self, h: Harness) -> None:
        """Invited, cancelled, invited again: the first invitation's answer (due earlier)
        does not answer the second one."""
        call = group_call(h)
        h.set_behaviour(PARTICIPANT, answerAfterSeconds=5)
        first = invited(h, call["id"], invite_body(PARTICIPANT))
        h.advance(h.connect_delay)  # rings; answers at t + 5
        h.delete(f"{CALLS}/{call['id']}/participants/{first['participants'][0]['participantId']}")
        h.advance(2)
        second = invited(h, call["id"], invite_body(PARTICIPANT))
        h.advance(h.connect_delay)  # rings again; answers 5 s from now
        h.advance(3)  # the first invitation's answer fell due
        assert PARTICIPANT not in user_ids(h.participants(call["id"]))
        assert operation(h, call["id"], second["id"])["status"] == "Running"
        h.advance(2)
        assert operation(h, call["id"], second["id"])["status"] == "Completed"
        joined = [
            p
            for p in h.participants(call["id"])
            if p["id"] == second["participants"][0]["participantId"]
        ]
        assert user_ids(joined) == [PARTICIPANT]

    def test_an_invitee_who_hangs_up_later_leaves_the_roster(self, h: Harness) -> None:
        call = group_call(h)
        h.set_behaviour(PARTICIPANT, hangUpAfterSeconds=30)
        op = invited(h, call["id"], invite_body(PARTICIPANT))
        ring_and_answer(h)
        assert _finished(h, call["id"], op)["status"] == "Completed"
        assert PARTICIPANT in user_ids(h.participants(call["id"]))
        h.advance(30)
        assert PARTICIPANT not in user_ids(h.rosters(call["id"])[-1])
        assert h.call(call["id"])["state"] == "established"
