"""``POST /communications/calls/{id}/transfer``: blind, consultative, to a phone, to an
application, from a group call; the target's behaviour decides; Graph's 400s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.calling import (
    BAD_REQUEST,
    CALLING_BOT,
    CALLING_BOT_INSTANCE,
    CALLS,
    JOHN,
    TEST_BOT,
    USER1,
    USER2,
    Harness,
    answer_body,
    assert_error,
    p2p_body,
    phone_target,
    user_target,
)

TRANSFER_BOT = "7a4f0c33-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
UNKNOWN_USER = "00000000-0000-4000-8000-0000000000aa"


def _transfer(h: Harness, call_id: str, body: dict[str, Any], *, app: str = CALLING_BOT) -> None:
    response = h.action(call_id, "transfer", body, app=app)
    assert response.status_code == 202, response.text
    assert response.content == b""


def _result(h: Harness, call_id: str) -> dict[str, Any]:
    result: dict[str, Any] = h.notes(call_id)[-1]["resourceData"]["resultInfo"]
    return result


class TestBlindTransfer:
    def test_accepted_then_terminated(self, h: Harness) -> None:
        call = h.establish_p2p()
        _transfer(h, call["id"], {"transferTarget": user_target(USER1, "user1")})
        h.run_jobs()
        assert h.changes(call["id"])[-1] == ("updated", "transferring")
        assert h.call(call["id"])["state"] == "transferring"
        h.advance(h.connect_delay)  # the target rings
        h.advance(h.answer_delay)  # and answers
        assert h.changes(call["id"])[-1] == ("updated", "transferAccepted")
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(call["id"])[-3:] == [
            ("updated", "transferring"),
            ("updated", "transferAccepted"),
            ("deleted", "terminated"),
        ]
        assert _result(h, call["id"]) == {
            "@odata.type": "#microsoft.graph.resultInfo",
            "code": 0,
            "subcode": 7015,
            "message": "GracefulTransferCompleted",
        }
        ended = h.ended(call["id"])
        assert ended["terminationReason"] == "GracefulTransferCompleted"

    @pytest.mark.parametrize(
        ("behaviour", "wait", "why"),
        [
            ({"response": "decline"}, "answer", "declined"),
            ({"response": "busy"}, None, "busy"),
            ({"response": "noAnswer"}, "ringing", "did not answer"),
            ({"response": "unreachable"}, None, "no endpoints"),
            # A party that answers ordinary calls may still refuse a transfer.
            ({"response": "answer", "transfer": "refuse"}, "answer", "declined"),
        ],
    )
    def test_target_refuses_and_the_call_is_established_again(
        self, h: Harness, behaviour: dict[str, Any], wait: str | None, why: str
    ) -> None:
        h.set_behaviour(USER1, **behaviour)
        call = h.establish_p2p()
        _transfer(h, call["id"], {"transferTarget": user_target(USER1)})
        h.advance(h.connect_delay)
        if wait == "answer":
            h.advance(h.answer_delay)
        elif wait == "ringing":
            h.advance(h.rt.settings.ringing_timeout_seconds)
        assert h.changes(call["id"])[-2:] == [
            ("updated", "transferring"),
            ("updated", "established"),
        ]
        result = _result(h, call["id"])
        assert (result["code"], result["subcode"]) == (500, 7000)
        assert why in result["message"]
        got = h.call(call["id"])
        assert got["state"] == "established"
        assert got["resultInfo"]["subcode"] == 7000
        # The call goes on: a second transfer can succeed.
        h.set_behaviour(USER2)
        _transfer(h, call["id"], {"transferTarget": user_target(USER2)})
        h.advance(h.connect_delay)
        h.advance(h.answer_delay)
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(call["id"])[-1] == ("deleted", "terminated")

    def test_a_party_that_accepts_transfers_answers_one_while_declining_calls(
        self, h: Harness
    ) -> None:
        h.set_behaviour(USER1, response="decline", transfer="accept")
        call = h.establish_p2p()
        _transfer(h, call["id"], {"transferTarget": user_target(USER1)})
        h.advance(h.connect_delay)
        h.advance(h.answer_delay)
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(call["id"])[-3:] == [
            ("updated", "transferring"),
            ("updated", "transferAccepted"),
            ("deleted", "terminated"),
        ]

    def test_unknown_user_is_unreachable(self, h: Harness) -> None:
        call = h.establish_p2p()
        _transfer(h, call["id"], {"transferTarget": user_target(UNKNOWN_USER)})
        h.advance(h.connect_delay)
        assert h.changes(call["id"])[-1] == ("updated", "established")
        assert _result(h, call["id"])["subcode"] == 7000

    def test_phone_target_needs_an_instance_with_a_number(self, h: Harness) -> None:
        call = h.establish_p2p()
        response = h.action(
            call["id"], "transfer", {"transferTarget": phone_target("+14255550199")}
        )
        assert "phone number" in assert_error(response, 400, BAD_REQUEST)["message"]
        source = {"identity": {"applicationInstance": {"id": CALLING_BOT_INSTANCE}}}
        call = h.establish_p2p(p2p_body(source=source))
        _transfer(h, call["id"], {"transferTarget": phone_target("+14255550199")})
        h.advance(h.connect_delay)
        h.advance(h.answer_delay)
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(call["id"])[-1] == ("deleted", "terminated")

    def test_the_bot_hanging_up_while_transferring_ends_the_call(self, h: Harness) -> None:
        call = h.establish_p2p()
        _transfer(h, call["id"], {"transferTarget": user_target(USER1)})
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        h.advance(h.connect_delay)
        h.advance(h.answer_delay)
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(call["id"])[-2:] == [
            ("updated", "terminating"),
            ("deleted", "terminated"),
        ]
        assert _result(h, call["id"])["subcode"] == 5001

    def test_an_answered_incoming_call_can_be_transferred(self, h: Harness) -> None:
        call = h.place_incoming()
        assert h.action(call["id"], "answer", answer_body()).status_code == 202
        h.advance(h.connect_delay)
        assert h.call(call["id"])["state"] == "established"
        _transfer(h, call["id"], {"transferTarget": user_target(USER1)})
        h.advance(h.connect_delay)
        h.advance(h.answer_delay)
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(call["id"])[-3:] == [
            ("updated", "transferring"),
            ("updated", "transferAccepted"),
            ("deleted", "terminated"),
        ]


class TestConsultativeTransfer:
    def test_the_consulted_call_is_replaced(self, h: Harness) -> None:
        first = h.establish_p2p(p2p_body(JOHN))
        consulted = h.establish_p2p(p2p_body(USER1))
        target = {**user_target(USER1), "replacesCallId": consulted["id"]}
        _transfer(h, first["id"], {"transferTarget": target})
        h.advance(h.connect_delay)
        assert h.changes(first["id"])[-1] == ("updated", "transferAccepted")
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(first["id"])[-1] == ("deleted", "terminated")
        assert h.ended(first["id"])["terminationReason"] == "AppTransferred"
        assert h.changes(consulted["id"])[-1] == ("deleted", "terminated")
        assert _result(h, consulted["id"])["subcode"] == 7015

    def test_a_target_not_in_the_consulted_call_fails_with_7700(self, h: Harness) -> None:
        first = h.establish_p2p(p2p_body(JOHN))
        consulted = h.establish_p2p(p2p_body(USER1))
        target = {**user_target(USER2), "replacesCallId": consulted["id"]}
        _transfer(h, first["id"], {"transferTarget": target})
        h.advance(h.connect_delay)
        assert h.changes(first["id"])[-1] == ("updated", "established")
        result = _result(h, first["id"])
        assert (result["code"], result["subcode"]) == (500, 7700)
        assert h.call(consulted["id"])["state"] == "established"

    @pytest.mark.parametrize("replaces", ["no-such-call", "self"])
    def test_replaces_call_id_must_name_another_call(self, h: Harness, replaces: str) -> None:
        call = h.establish_p2p()
        replaces_id = call["id"] if replaces == "self" else replaces
        target = {**user_target(USER1), "replacesCallId": replaces_id}
        response = h.action(call["id"], "transfer", {"transferTarget": target})
        assert "replacesCallId" in assert_error(response, 400, BAD_REQUEST)["message"]
        assert h.call(call["id"])["state"] == "established"


class TestGroupCallTransfer:
    def test_the_transferee_is_required(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        response = h.action(
            call["id"], "transfer", {"transferTarget": user_target(JOHN)}, app=TEST_BOT
        )
        assert "transferee" in assert_error(response, 400, BAD_REQUEST)["message"]

    def test_the_transferee_must_be_in_the_roster(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        body = {
            "transferTarget": user_target(JOHN),
            "transferee": {"identity": {"user": {"id": UNKNOWN_USER}}},
        }
        response = h.action(call["id"], "transfer", body, app=TEST_BOT)
        assert "transferee" in assert_error(response, 400, BAD_REQUEST)["message"]

    def test_transfer_a_participant(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        roster = h.participants(call["id"], app=TEST_BOT)
        user1 = next(
            p for p in roster if (p["info"]["identity"].get("user") or {}).get("id") == USER1
        )
        body = {
            "transferTarget": user_target(JOHN),
            "transferee": {
                "identity": {"user": {"id": USER1}},
                "participantId": user1["id"],
            },
        }
        _transfer(h, call["id"], body, app=TEST_BOT)
        h.advance(h.connect_delay)
        h.advance(h.answer_delay)
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(call["id"])[-3:] == [
            ("updated", "transferring"),
            ("updated", "transferAccepted"),
            ("deleted", "terminated"),
        ]


class TestApplicationTarget:
    def _bot(self, h: Harness) -> None:
        h.add_application(TRANSFER_BOT, ["Calls.Initiate.All", "Calls.AccessMedia.All"])

    def _target(self) -> dict[str, Any]:
        return {"identity": {"application": {"id": TRANSFER_BOT, "displayName": "Target"}}}

    def _offered(self, h: Harness) -> dict[str, Any]:
        created = [n for n in h.receiver.notifications() if n["changeType"] == "created"]
        assert created, h.receiver.notifications()
        offered: dict[str, Any] = created[-1]["resourceData"]
        return offered

    def test_the_target_bot_gets_the_call_and_answers(self, h: Harness) -> None:
        self._bot(h)
        call = h.establish_p2p()
        _transfer(h, call["id"], {"transferTarget": self._target()})
        h.advance(h.connect_delay)
        offered = self._offered(h)
        assert offered["state"] == "incoming"
        assert offered["source"]["identity"]["user"]["id"] == JOHN
        context = offered["incomingContext"]
        assert context["transferor"]["application"]["id"] == CALLING_BOT
        assert context["sourceParticipantId"] == offered["source"]["participantId"]
        assert h.changes(call["id"])[-1] == ("updated", "transferring")
        response = h.action(offered["id"], "answer", answer_body(), app=TRANSFER_BOT)
        assert response.status_code == 202, response.text
        h.run_jobs()
        assert h.changes(call["id"])[-1] == ("updated", "transferAccepted")
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(call["id"])[-1] == ("deleted", "terminated")
        assert h.call(offered["id"], app=TRANSFER_BOT)["state"] == "established"

    def test_the_target_bot_rejects(self, h: Harness) -> None:
        self._bot(h)
        call = h.establish_p2p()
        _transfer(h, call["id"], {"transferTarget": self._target()})
        h.advance(h.connect_delay)
        offered = self._offered(h)
        response = h.action(offered["id"], "reject", {"reason": "busy"}, app=TRANSFER_BOT)
        assert response.status_code == 202, response.text
        h.run_jobs()
        assert h.changes(call["id"])[-1] == ("updated", "established")
        assert "busy" in _result(h, call["id"])["message"]

    def test_the_target_bot_does_not_answer(self, h: Harness) -> None:
        self._bot(h)
        call = h.establish_p2p()
        _transfer(h, call["id"], {"transferTarget": self._target()})
        h.advance(h.connect_delay)
        h.advance(h.rt.settings.incoming_answer_timeout_seconds)
        assert h.changes(call["id"])[-1] == ("updated", "established")
        assert _result(h, call["id"])["subcode"] == 7000

    def test_an_unknown_application_is_unreachable(self, h: Harness) -> None:
        call = h.establish_p2p()
        _transfer(h, call["id"], {"transferTarget": self._target()})
        h.advance(h.connect_delay)
        assert h.changes(call["id"])[-1] == ("updated", "established")


class TestValidation:
    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"transferTarget": {}},
            {"transferTarget": {"identity": {"user": {"displayName": "no id"}}}},
            {"transferTarget": {"identity": {"phone": {"id": "12345"}}}},
        ],
    )
    def test_bad_bodies_are_400(self, h: Harness, body: dict[str, Any]) -> None:
        call = h.establish_p2p()
        assert_error(h.action(call["id"], "transfer", body), 400, BAD_REQUEST)
        assert h.call(call["id"])["state"] == "established"

    def test_not_established_is_400(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        response = h.action(call["id"], "transfer", {"transferTarget": user_target(USER1)})
        assert_error(response, 400, BAD_REQUEST)

    def test_a_second_transfer_while_transferring_is_400(self, h: Harness) -> None:
        call = h.establish_p2p()
        _transfer(h, call["id"], {"transferTarget": user_target(USER1)})
        response = h.action(call["id"], "transfer", {"transferTarget": user_target(USER2)})
        assert_error(response, 400, BAD_REQUEST)

    def test_the_other_party_is_not_a_target(self, h: Harness) -> None:
        call = h.establish_p2p(p2p_body(JOHN))
        response = h.action(call["id"], "transfer", {"transferTarget": user_target(JOHN)})
        assert_error(response, 400, BAD_REQUEST)

    def test_unknown_ended_and_other_apps_calls_are_404(self, h: Harness) -> None:
        body = {"transferTarget": user_target(USER1)}
        assert_error(h.action("no-such-call", "transfer", body), 404, "itemNotFound")
        call = h.establish_p2p()
        assert_error(h.action(call["id"], "transfer", body, app=TEST_BOT), 404, "itemNotFound")
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert_error(h.action(call["id"], "transfer", body), 404, "itemNotFound")

    def test_unauthenticated_is_401(self, h: Harness) -> None:
        call = h.establish_p2p()
        response = h.client.post(
            f"{CALLS}/{call['id']}/transfer", json={"transferTarget": user_target(USER1)}
        )
        assert_error(response, 401, "InvalidAuthenticationToken")

    def test_needs_calls_initiate_all(self, h: Harness) -> None:
        h.add_application(TRANSFER_BOT, ["Calls.InitiateGroupCall.All"])
        source = {"identity": {"application": {"id": TRANSFER_BOT}}}
        call = h.establish_p2p(p2p_body(source=source), app=TRANSFER_BOT)
        response = h.action(
            call["id"], "transfer", {"transferTarget": user_target(USER1)}, app=TRANSFER_BOT
        )
        assert_error(response, 403, "accessDenied")
