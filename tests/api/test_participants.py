"""``DELETE .../participants/{id}`` and ``POST .../participants/{id}/mute``, and roster
notifications on every change, in order per call."""

from __future__ import annotations

from typing import Any

from tests.api.calling import (
    BAD_REQUEST,
    CALLS,
    TEST_BOT,
    USER1,
    USER2,
    Harness,
    assert_error,
)
from tests.api.inviting import (
    PARTICIPANT,
    establish,
    group_call,
    group_call_body,
    invite_body,
    invited,
    operation,
    ring_and_answer,
    state_of,
    user_ids,
)

G = "#microsoft.graph."
INVITE_ONLY_APP = "3c3c3c3c-0000-4000-8000-00000000003c"


def _url(call_id: str, participant_id: str, action: str = "") -> str:
    return f"{CALLS}/{call_id}/participants/{participant_id}{action}"


def _by_user(h: Harness, call_id: str, user_id: str) -> dict[str, Any]:
    return next(
        p
        for p in h.participants(call_id)
        if p["info"]["identity"].get("user", {}).get("id") == user_id
    )


class TestDelete:
    def test_removes_a_joined_participant(self, h: Harness) -> None:
        call = group_call(h)
        user1 = _by_user(h, call["id"], USER1)
        rosters = len(h.rosters(call["id"]))

        response = h.delete(_url(call["id"], user1["id"]))
        assert response.status_code == 204, response.text
        assert response.content == b""
        h.run_jobs()

        assert len(h.rosters(call["id"])) == rosters + 1
        roster = h.rosters(call["id"])[-1]
        assert user_ids(roster) == [USER2]
        assert [p["id"] for p in h.participants(call["id"])] == [p["id"] for p in roster]
        assert_error(h.get(_url(call["id"], user1["id"])), 404, "itemNotFound")
        assert_error(h.delete(_url(call["id"], user1["id"])), 404, "itemNotFound")
        assert h.call(call["id"])["state"] == "established"

    def test_removing_the_last_other_participant_ends_the_call(self, h: Harness) -> None:
        call = group_call(h)
        for user in (USER1, USER2):
            assert (
                h.delete(_url(call["id"], _by_user(h, call["id"], user)["id"])).status_code == 204
            )
        h.run_jobs()
        ended = h.ended(call["id"])
        assert ended["state"] == "terminated"
        assert (ended["resultInfo"]["code"], ended["resultInfo"]["subcode"]) == (200, 5002)
        assert h.changes(call["id"])[-1] == ("deleted", "terminated")

    def test_removes_an_invited_participant_once_joined(self, h: Harness) -> None:
        call = group_call(h)
        op = invited(h, call["id"], invite_body(PARTICIPANT))
        ring_and_answer(h)
        participant_id = op["participants"][0]["participantId"]
        assert h.delete(_url(call["id"], participant_id)).status_code == 204
        h.run_jobs()
        assert PARTICIPANT not in user_ids(h.rosters(call["id"])[-1])
        # The invitation had completed: removing the participant does not touch it.
        assert operation(h, call["id"], op["id"])["status"] == "Completed"

    def test_the_applications_own_participant_cannot_be_removed(self, h: Harness) -> None:
        call = group_call(h)
        before = state_of(h, call["id"])
        error = assert_error(h.delete(_url(call["id"], call["myParticipantId"])), 400, BAD_REQUEST)
        assert "DELETE /communications/calls/{id}" in error["message"]
        assert state_of(h, call["id"]) == before

    def test_unknown_participant_is_404(self, h: Harness) -> None:
        call = group_call(h)
        assert_error(h.delete(_url(call["id"], "nobody")), 404, "itemNotFound")

    def test_group_calls_only(self, h: Harness) -> None:
        call = h.establish_p2p()
        peer = h.participants(call["id"])[1]
        error = assert_error(h.delete(_url(call["id"], peer["id"])), 400, BAD_REQUEST)
        assert "peer-to-peer" in error["message"]

    def test_needs_join_group_call(self, h: Harness) -> None:
        h.add_application(INVITE_ONLY_APP, ["Calls.InitiateGroupCall.All"])
        call = establish(h, group_call_body(), app=INVITE_ONLY_APP)
        participant = h.participants(call["id"], app=INVITE_ONLY_APP)[1]
        response = h.delete(_url(call["id"], participant["id"]), app=INVITE_ONLY_APP)
        error = assert_error(response, 403, "accessDenied")
        assert "Calls.JoinGroupCall.All" in error["message"]

    def test_another_apps_call_is_404(self, h: Harness) -> None:
        call = group_call(h)
        participant = h.participants(call["id"])[1]
        assert_error(
            h.delete(_url(call["id"], participant["id"]), app=TEST_BOT), 404, "itemNotFound"
        )


class TestMute:
    def test_mutes_one_participant(self, h: Harness) -> None:
        call = group_call(h)
        user1 = _by_user(h, call["id"], USER1)
        rosters = len(h.rosters(call["id"]))

        response = h.post(_url(call["id"], user1["id"], "/mute"), {"clientContext": "m-ctx"})
        assert response.status_code == 200, response.text
        op = response.json()
        assert op["@odata.type"] == G + "muteParticipantOperation"
        assert (op["status"], op["clientContext"]) == ("Completed", "m-ctx")
        assert op["resultInfo"]["code"] == 200
        assert response.headers["location"] == (
            f"http://callboard.test/v1.0/communications/calls/{call['id']}/operations/{op['id']}"
        )
        assert operation(h, call["id"], op["id"])["@odata.type"] == G + "muteParticipantOperation"
        h.run_jobs()

        assert len(h.rosters(call["id"])) == rosters + 1
        muted = {p["id"]: p for p in h.rosters(call["id"])[-1]}
        assert muted[user1["id"]]["isMuted"] is True
        audio = [s for s in muted[user1["id"]]["mediaStreams"] if s["mediaType"] == "audio"]
        assert [s["serverMuted"] for s in audio] == [True]
        assert [p["isMuted"] for i, p in muted.items() if i != user1["id"]] == [False, False]
        assert h.get(_url(call["id"], user1["id"])).json()["isMuted"] is True
        # Completed at once: no operation notification.
        assert h.operation_notes(call["id"]) == []

    def test_mutes_through_beta(self, h: Harness) -> None:
        call = group_call(h)
        user1 = _by_user(h, call["id"], USER1)
        response = h.client.post(
            f"/beta/communications/calls/{call['id']}/participants/{user1['id']}/mute",
            json={},
            headers=h.auth(),
        )
        assert response.status_code == 200, response.text
        assert response.json()["clientContext"] is None
        assert "/beta/communications/calls/" in response.headers["location"]

    def test_unknown_participant_is_404(self, h: Harness) -> None:
        call = group_call(h)
        before = state_of(h, call["id"])
        assert_error(h.post(_url(call["id"], "nobody", "/mute"), {}), 404, "itemNotFound")
        assert state_of(h, call["id"]) == before

    def test_group_calls_only(self, h: Harness) -> None:
        call = h.establish_p2p()
        peer = h.participants(call["id"])[1]
        assert_error(h.post(_url(call["id"], peer["id"], "/mute"), {}), 400, BAD_REQUEST)

    def test_client_context_is_at_most_256_characters(self, h: Harness) -> None:
        call = group_call(h)
        user1 = _by_user(h, call["id"], USER1)
        body = {"clientContext": "x" * 257}
        assert_error(h.post(_url(call["id"], user1["id"], "/mute"), body), 400, BAD_REQUEST)


def test_rosters_are_notified_on_every_change_in_order(h: Harness) -> None:
    """Join (invite), mute, leave: one roster notification each, in order, with growing
    rosterSequenceNumbers; the last one matches GET participants."""
    call = group_call(h)
    op = invited(h, call["id"], invite_body(PARTICIPANT))
    ring_and_answer(h)
    invitee = op["participants"][0]["participantId"]
    h.post(_url(call["id"], invitee, "/mute"), {})
    h.delete(_url(call["id"], _by_user(h, call["id"], USER1)["id"]))
    h.run_jobs()

    rosters = h.rosters(call["id"])
    # bot joined, user1, user2, the invitee, the mute, user1 removed
    assert [len(r) for r in rosters] == [1, 2, 3, 4, 4, 3]
    assert [user_ids(r) for r in rosters[-3:]] == [
        [USER1, USER2, PARTICIPANT],
        [USER1, USER2, PARTICIPANT],
        [USER2, PARTICIPANT],
    ]
    assert [next(p for p in r if p["id"] == invitee)["isMuted"] for r in rosters[-3:]] == [
        False,
        True,
        True,
    ]
    sequence = [r[0]["rosterSequenceNumber"] for r in rosters]
    assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)
    assert h.participants(call["id"]) == rosters[-1]
