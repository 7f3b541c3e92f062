"""Simulated remote parties: how callees answer, decline, ignore or leave calls, set in the
directory (users[].behaviour) or through the admin API, and how the app hangs up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callboard.services.directory_loading import default_directory_document
from tests.api.calling import (
    BAD_REQUEST,
    CALLING_BOT,
    CALLS,
    CONTOSO,
    JOHN,
    SEED_PHONE,
    TEST_BOT,
    USER1,
    USER2,
    Harness,
    assert_error,
    group_body,
    p2p_body,
)
from tests.support import seed


def _ring(
    h: Harness, body: dict[str, Any] | None = None, *, app: str = CALLING_BOT
) -> dict[str, Any]:
    """Place a call and run it up to the moment the callee's phone rings."""
    call = h.create_call(body or p2p_body(), app=app)
    h.run_jobs()
    h.advance(h.connect_delay)
    return call


def _ended_with(
    h: Harness, call_id: str, code: int, subcode: int, *, app: str = CALLING_BOT
) -> dict[str, Any]:
    """The call ended with this resultInfo: in the last notification and in GET."""
    note = h.notes(call_id)[-1]
    assert note["changeType"] == "deleted"
    data = note["resourceData"]
    assert data["state"] == "terminated"
    assert (data["resultInfo"]["code"], data["resultInfo"]["subcode"]) == (code, subcode)
    assert data["resultInfo"]["message"]
    got = h.ended(call_id, app=app)
    assert got["state"] == "terminated"
    assert got["resultInfo"] == data["resultInfo"]
    assert got["terminationReason"] == data["resultInfo"]["message"]
    return got


class TestPeerToPeer:
    def test_default_callee_answers_after_the_answer_delay(self, h: Harness) -> None:
        call = _ring(h)
        h.advance(h.answer_delay - 0.1)
        assert h.call(call["id"])["state"] == "establishing"  # v1.0 has no "ringing"
        h.advance(0.1)

        assert h.changes(call["id"]) == [("updated", "establishing"), ("updated", "established")]
        got = h.call(call["id"])
        assert got["answeredBy"]["identity"]["user"]["id"] == JOHN
        assert got["resultInfo"] is None

    @pytest.mark.parametrize(
        ("response", "after", "code", "subcode"),
        [
            ("decline", 1.0, 603, 0),
            ("busy", 0.0, 486, 0),
            ("unreachable", 0.0, 480, 10037),
            ("noAnswer", 60.0, 408, 10057),
        ],
    )
    def test_callee_that_does_not_answer_ends_the_call(
        self, h: Harness, response: str, after: float, code: int, subcode: int
    ) -> None:
        h.set_behaviour(JOHN, response=response)
        call = _ring(h)
        if after:
            h.advance(after - 0.1)
            assert h.call(call["id"])["state"] == "establishing"
            h.advance(0.1)

        assert h.changes(call["id"]) == [("updated", "establishing"), ("deleted", "terminated")]
        got = _ended_with(h, call["id"], code, subcode)
        assert got.get("answeredBy") is None
        # Nothing more happens afterwards.
        h.advance(600)
        assert len(h.notes(call["id"])) == 2

    def test_decline_after_answer_after_seconds(self, h: Harness) -> None:
        h.set_behaviour(JOHN, response="decline", answerAfterSeconds=7)
        call = _ring(h)
        h.advance(6.9)
        assert h.call(call["id"])["state"] == "establishing"
        h.advance(0.1)
        _ended_with(h, call["id"], 603, 0)

    def test_answer_after_seconds(self, h: Harness) -> None:
        h.set_behaviour(JOHN, answerAfterSeconds=12)
        call = _ring(h)
        h.advance(11.9)
        assert h.call(call["id"])["state"] == "establishing"
        h.advance(0.1)
        assert h.call(call["id"])["state"] == "established"

    def test_no_answer_uses_ringing_timeout_in_seconds(self, h: Harness) -> None:
        h.set_behaviour(JOHN, response="noAnswer")
        call = _ring(h, p2p_body(ringingTimeoutInSeconds=20))
        h.advance(19.9)
        assert h.call(call["id"])["state"] == "establishing"
        h.advance(0.1)
        _ended_with(h, call["id"], 408, 10057)

    @pytest.mark.parametrize("settings_overrides", [{"ringing_timeout_seconds": 30.0}])
    def test_no_answer_uses_the_setting_by_default(self, h: Harness) -> None:
        h.set_behaviour(JOHN, response="noAnswer")
        call = _ring(h)
        h.advance(29.9)
        assert h.call(call["id"])["state"] == "establishing"
        h.advance(0.1)
        _ended_with(h, call["id"], 408, 10057)

    def test_a_late_answer_is_a_ringing_timeout(self, h: Harness) -> None:
        h.set_behaviour(JOHN, answerAfterSeconds=40)
        call = _ring(h, p2p_body(ringingTimeoutInSeconds=30))
        h.advance(30)
        _ended_with(h, call["id"], 408, 10057)
        h.advance(10)
        assert h.ended(call["id"])["state"] == "terminated"
        assert ("updated", "established") not in h.changes(call["id"])

    def test_unknown_user_is_unreachable(self, h: Harness) -> None:
        call = _ring(h, p2p_body("00000000-0000-4000-8000-0000000000aa"))
        assert h.changes(call["id"]) == [("updated", "establishing"), ("deleted", "terminated")]
        _ended_with(h, call["id"], 480, 10037)

    def test_user_of_another_tenant_is_unreachable(self, h: Harness) -> None:
        # Alice lives in the development tenant, not in Contoso.
        call = _ring(h, p2p_body("a11ce000-0000-4000-8000-000000000001"))
        _ended_with(h, call["id"], 480, 10037)

    def test_callee_hangs_up_after_n_seconds(self, h: Harness) -> None:
        h.set_behaviour(JOHN, hangUpAfterSeconds=45)
        call = _ring(h)
        h.advance(h.answer_delay)
        assert h.call(call["id"])["state"] == "established"
        h.advance(44.9)
        assert h.call(call["id"])["state"] == "established"
        h.advance(0.1)

        assert h.changes(call["id"]) == [
            ("updated", "establishing"),
            ("updated", "established"),
            ("deleted", "terminated"),
        ]
        _ended_with(h, call["id"], 200, 4521)

    def test_termination_goes_to_the_calls_callback_uri(self, h: Harness) -> None:
        h.set_behaviour(JOHN, response="busy")
        call = _ring(h, p2p_body(callbackUri="https://bot.contoso.com/p2p"))
        assert h.received_for(call["id"]) == ["/p2p", "/p2p"]
        assert h.notes(call["id"])[-1]["callbackUri"] == "https://bot.contoso.com/p2p"


class TestBetaRinging:
    """Beta bots also hear ``ringing`` (the v1.0 schema has no such state)."""

    def _beta_call(self, h: Harness) -> dict[str, Any]:
        response = h.client.post("/beta/communications/calls", json=p2p_body(), headers=h.auth())
        assert response.status_code == 201, response.text
        call: dict[str, Any] = response.json()
        h.run_jobs()
        h.advance(h.connect_delay)
        return call

    def test_answering_callee_rings_first(self, h: Harness) -> None:
        call = self._beta_call(h)
        got = h.client.get(f"/beta/communications/calls/{call['id']}", headers=h.auth()).json()
        assert got["state"] == "ringing"
        # The same call read through v1.0 is still establishing.
        assert h.call(call["id"])["state"] == "establishing"
        h.advance(h.answer_delay)
        assert h.changes(call["id"]) == [
            ("updated", "establishing"),
            ("updated", "ringing"),
            ("updated", "established"),
        ]

    @pytest.mark.parametrize("response", ["busy", "unreachable"])
    def test_busy_or_unreachable_callee_never_rings(self, h: Harness, response: str) -> None:
        h.set_behaviour(JOHN, response=response)
        call = self._beta_call(h)
        assert h.changes(call["id"]) == [("updated", "establishing"), ("deleted", "terminated")]

    def test_declining_callee_rings_then_ends(self, h: Harness) -> None:
        h.set_behaviour(JOHN, response="decline")
        call = self._beta_call(h)
        h.advance(h.answer_delay)
        assert h.changes(call["id"]) == [
            ("updated", "establishing"),
            ("updated", "ringing"),
            ("deleted", "terminated"),
        ]


class TestBehaviourSources:
    def _directory_with(self, h: Harness, user_id: str, behaviour: dict[str, Any]) -> None:
        document = h.directory()
        for user in document["users"]:
            if user["id"] == user_id and user["tenantId"] == CONTOSO:
                user["behaviour"] = behaviour
        h.put_directory(document)

    def test_directory_behaviour(self, h: Harness) -> None:
        self._directory_with(h, JOHN, {"response": "busy"})
        call = _ring(h)
        _ended_with(h, call["id"], 486, 0)

    def test_admin_behaviour_overrides_the_directory(self, h: Harness) -> None:
        self._directory_with(h, JOHN, {"response": "busy"})
        h.set_behaviour(JOHN, response="answer", answerAfterSeconds=2)
        call = _ring(h)
        h.advance(2)
        assert h.call(call["id"])["state"] == "established"

    def test_deleting_the_override_restores_the_directory_behaviour(self, h: Harness) -> None:
        self._directory_with(h, JOHN, {"response": "decline"})
        h.set_behaviour(JOHN, response="answer")
        assert h.client.delete(f"/_callboard/behaviours/{JOHN}").status_code == 204
        call = _ring(h)
        h.advance(h.answer_delay)
        _ended_with(h, call["id"], 603, 0)

    def test_behaviour_is_read_when_the_phone_rings(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        h.set_behaviour(JOHN, response="unreachable")  # after the create, before the ring
        h.run_jobs()
        h.advance(h.connect_delay)
        _ended_with(h, call["id"], 480, 10037)

    def test_directory_hang_up_after_seconds(self, h: Harness) -> None:
        self._directory_with(h, JOHN, {"response": "answer", "hangUpAfterSeconds": 5})
        call = _ring(h)
        h.advance(h.answer_delay)
        h.advance(5)
        _ended_with(h, call["id"], 200, 4521)


class TestDirectoryFile:
    """users[].behaviour in the file named by settings.directory_file."""

    @pytest.fixture
    def settings_overrides(self, tmp_path: Path) -> dict[str, Any]:
        document = default_directory_document()
        for user in document["users"]:
            if user["id"] == JOHN:
                user["behaviour"] = {"response": "decline", "answerAfterSeconds": 3}
        path = tmp_path / "directory.json"
        path.write_text(json.dumps(document))
        return {"directory_file": str(path)}

    def test_behaviour_from_the_directory_file(self, h: Harness) -> None:
        users = h.directory()["users"]
        john = next(u for u in users if u["id"] == JOHN and u["tenantId"] == CONTOSO)
        assert john["behaviour"] == {"response": "decline", "answerAfterSeconds": 3}

        call = _ring(h)
        h.advance(2.9)
        assert h.call(call["id"])["state"] == "establishing"
        h.advance(0.1)
        _ended_with(h, call["id"], 603, 0)


class TestPhoneTargets:
    def test_seed_example_9_phone_answers(self, h: Harness) -> None:
        call = _ring(h, seed("create-call-9")["body"])
        h.advance(h.answer_delay)
        got = h.call(call["id"])
        assert got["state"] == "established"
        assert got["answeredBy"]["identity"]["phone"]["id"] == SEED_PHONE
        assert got["source"]["identity"]["applicationInstance"]["displayName"] == "Calling Bot"

    @pytest.mark.parametrize(
        ("behaviour", "code", "subcode"),
        [
            ({"response": "busy"}, 486, 0),
            ({"response": "unreachable"}, 480, 10037),
            ({"response": "decline", "answerAfterSeconds": 0}, 603, 0),
        ],
    )
    def test_phone_behaviour(
        self, h: Harness, behaviour: dict[str, Any], code: int, subcode: int
    ) -> None:
        h.set_behaviour(SEED_PHONE, **behaviour)
        call = _ring(h, seed("create-call-9")["body"])
        h.run_jobs()
        _ended_with(h, call["id"], code, subcode)

    def test_percent_encoded_phone_behaviour(self, h: Harness) -> None:
        response = h.client.put("/_callboard/behaviours/%2B12345678901", json={"response": "busy"})
        assert response.status_code == 200
        assert SEED_PHONE in h.client.get("/_callboard/behaviours").json()["value"]
        call = _ring(h, seed("create-call-9")["body"])
        _ended_with(h, call["id"], 486, 0)

    def test_phone_caller_hangs_up(self, h: Harness) -> None:
        h.set_behaviour(SEED_PHONE, hangUpAfterSeconds=10)
        call = _ring(h, seed("create-call-9")["body"])
        h.advance(h.answer_delay)
        h.advance(10)
        _ended_with(h, call["id"], 200, 4521)


class TestGroupCalls:
    def test_answering_targets_join_failing_ones_do_not(self, h: Harness) -> None:
        h.set_behaviour(USER2, response="decline")
        call = _ring(h, group_body(USER1, USER2), app=TEST_BOT)
        h.advance(h.answer_delay)

        assert h.changes(call["id"]) == [("updated", "establishing"), ("updated", "established")]
        rosters = h.rosters(call["id"])
        assert [len(r) for r in rosters] == [1, 2]
        last = rosters[-1]
        assert last[0]["id"] == call["myParticipantId"]
        assert last[0]["info"]["identity"]["application"]["id"] == TEST_BOT
        assert last[1]["info"]["identity"]["user"]["id"] == USER1
        assert [p["rosterSequenceNumber"] for p in last] == [2, 2]
        listed = h.participants(call["id"], app=TEST_BOT)
        assert [p["id"] for p in listed] == [p["id"] for p in last]
        assert h.call(call["id"], app=TEST_BOT)["state"] == "established"

    @pytest.mark.parametrize("responses", [("decline", "busy"), ("unreachable", "noAnswer")])
    def test_nobody_joining_ends_the_call(self, h: Harness, responses: tuple[str, str]) -> None:
        h.set_behaviour(USER1, response=responses[0])
        h.set_behaviour(USER2, response=responses[1])
        call = _ring(h, group_body(USER1, USER2), app=TEST_BOT)
        h.advance(h.rt.settings.ringing_timeout_seconds)

        assert h.changes(call["id"]) == [
            ("updated", "establishing"),
            ("updated", "established"),
            ("deleted", "terminated"),
        ]
        assert [len(r) for r in h.rosters(call["id"])] == [1]
        _ended_with(h, call["id"], 200, 5013, app=TEST_BOT)

    def test_unknown_group_targets_never_join(self, h: Harness) -> None:
        body = group_body(
            "00000000-0000-4000-8000-0000000000aa", "00000000-0000-4000-8000-0000000000bb"
        )
        call = _ring(h, body, app=TEST_BOT)
        _ended_with(h, call["id"], 200, 5013, app=TEST_BOT)

    def test_group_targets_stop_ringing_after_the_setting(self, h: Harness) -> None:
        h.set_behaviour(USER1, response="noAnswer")
        h.set_behaviour(USER2, answerAfterSeconds=500)
        call = _ring(h, group_body(USER1, USER2), app=TEST_BOT)
        h.advance(h.rt.settings.ringing_timeout_seconds - 0.1)
        assert h.call(call["id"], app=TEST_BOT)["state"] == "established"
        h.advance(0.1)
        _ended_with(h, call["id"], 200, 5013, app=TEST_BOT)

    def test_everybody_leaving_ends_the_call(self, h: Harness) -> None:
        h.set_behaviour(USER1, hangUpAfterSeconds=10)
        h.set_behaviour(USER2, hangUpAfterSeconds=20)
        call = _ring(h, group_body(USER1, USER2), app=TEST_BOT)
        h.advance(h.answer_delay)
        h.advance(10)
        assert h.call(call["id"], app=TEST_BOT)["state"] == "established"
        h.advance(10)

        rosters = h.rosters(call["id"])
        assert [len(r) for r in rosters] == [1, 2, 3, 2, 1]
        assert [p["info"]["identity"]["user"]["id"] for p in rosters[3][1:]] == [USER2]
        _ended_with(h, call["id"], 200, 5002, app=TEST_BOT)

    def test_last_joined_leaves_after_the_others_declined(self, h: Harness) -> None:
        h.set_behaviour(USER1, hangUpAfterSeconds=10)
        h.set_behaviour(USER2, response="decline")
        call = _ring(h, group_body(USER1, USER2), app=TEST_BOT)
        h.advance(h.answer_delay)
        assert h.call(call["id"], app=TEST_BOT)["state"] == "established"
        h.advance(10)
        _ended_with(h, call["id"], 200, 5002, app=TEST_BOT)

    def test_someone_left_and_the_last_never_answered(self, h: Harness) -> None:
        h.set_behaviour(USER1, hangUpAfterSeconds=5)
        h.set_behaviour(USER2, response="noAnswer")
        call = _ring(h, group_body(USER1, USER2), app=TEST_BOT)
        h.advance(h.answer_delay)
        h.advance(5)
        assert h.call(call["id"], app=TEST_BOT)["state"] == "established"
        assert len(h.participants(call["id"], app=TEST_BOT)) == 1
        h.advance(h.rt.settings.ringing_timeout_seconds)
        _ended_with(h, call["id"], 200, 5002, app=TEST_BOT)

    def test_one_leaving_keeps_the_call_up(self, h: Harness) -> None:
        h.set_behaviour(USER1, hangUpAfterSeconds=10)
        call = _ring(h, group_body(USER1, USER2), app=TEST_BOT)
        h.advance(h.answer_delay)
        h.advance(10)
        assert h.call(call["id"], app=TEST_BOT)["state"] == "established"
        assert len(h.participants(call["id"], app=TEST_BOT)) == 2


class TestHangUp:
    def test_delete_terminating_then_terminated(self, h: Harness) -> None:
        call = h.establish_p2p()

        response = h.delete(f"{CALLS}/{call['id']}")
        assert response.status_code == 204
        assert response.content == b""
        h.run_jobs()
        assert h.changes(call["id"])[-1] == ("updated", "terminating")
        terminating = h.notes(call["id"])[-1]["resourceData"]
        assert "resultInfo" not in terminating
        assert h.call(call["id"])["state"] == "terminating"

        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(call["id"]) == [
            ("updated", "establishing"),
            ("updated", "established"),
            ("updated", "terminating"),
            ("deleted", "terminated"),
        ]
        info = h.notes(call["id"])[-1]["resourceData"]["resultInfo"]
        assert (info["code"], info["subcode"]) == (200, 5001)
        got = h.ended(call["id"])
        assert got["state"] == "terminated"
        assert got["resultInfo"] == info

        assert_error(h.delete(f"{CALLS}/{call['id']}"), 404, "itemNotFound")

    def test_delete_while_terminating_is_400(self, h: Harness) -> None:
        call = h.establish_p2p()
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        assert_error(h.delete(f"{CALLS}/{call['id']}"), 400, BAD_REQUEST)

    def test_delete_while_ringing_stops_the_callee(self, h: Harness) -> None:
        call = _ring(h)
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        h.advance(h.answer_delay)
        h.advance(60)
        assert h.changes(call["id"]) == [
            ("updated", "establishing"),
            ("updated", "terminating"),
            ("deleted", "terminated"),
        ]
        assert h.ended(call["id"]).get("answeredBy") is None

    def test_delete_before_the_call_connects(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        h.advance(120)
        assert h.changes(call["id"])[-2:] == [
            ("updated", "terminating"),
            ("deleted", "terminated"),
        ]

    def test_delete_a_group_call(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        assert h.delete(f"{CALLS}/{call['id']}", app=TEST_BOT).status_code == 204
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert h.changes(call["id"])[-2:] == [
            ("updated", "terminating"),
            ("deleted", "terminated"),
        ]
        assert h.ended(call["id"], app=TEST_BOT)["resultInfo"]["subcode"] == 5001

    def test_callee_hang_up_after_the_app_hung_up_is_ignored(self, h: Harness) -> None:
        h.set_behaviour(JOHN, hangUpAfterSeconds=1)
        call = h.establish_p2p()
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        h.advance(5)
        assert h.ended(call["id"])["resultInfo"]["subcode"] == 5001
        assert [c for c in h.changes(call["id"]) if c[0] == "deleted"] == [
            ("deleted", "terminated")
        ]

    def test_another_apps_or_tenants_call_is_404(self, h: Harness) -> None:
        call = h.establish_p2p()
        assert_error(h.delete(f"{CALLS}/{call['id']}", app=TEST_BOT), 404, "itemNotFound")
        assert_error(
            h.delete(f"{CALLS}/{call['id']}", tenant="86dc81db-c112-4228-9222-63f3esaa1edb"),
            404,
            "itemNotFound",
        )
        assert_error(h.delete(f"{CALLS}/no-such-call"), 404, "itemNotFound")
        assert h.call(call["id"])["state"] == "established"
