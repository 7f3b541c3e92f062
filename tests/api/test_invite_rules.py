"""Graph's rules for ``POST .../participants/invite``: each violation is a Graph error with a
clear message, and nothing changes (no operation, no job, no notification)."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain.calls import GROUP_CALL_CAPACITY
from tests.api.calling import (
    BAD_REQUEST,
    CALLING_BOT,
    CALLS,
    JOHN,
    TEST_BOT,
    USER1,
    Harness,
    assert_error,
    p2p_body,
    phone_target,
)
from tests.api.inviting import (
    PARTICIPANT,
    PARTICIPANT_ONE,
    PARTICIPANT_TWO,
    add_users,
    group_call,
    invite,
    invite_body,
    invited,
    operation,
    pstn_group_call,
    ring_and_answer,
    state_of,
    user_ids,
)
from tests.conftest import FABRIKAM
from tests.support import seed

GROUP_ONLY_APP = "2b2b2b2b-0000-4000-8000-00000000002b"
INITIATE_ONLY_APP = "1b1b1b1b-0000-4000-8000-00000000001b"


def _rejected(
    h: Harness,
    call_id: str,
    body: dict[str, Any],
    status: int,
    code: str,
    says: str,
    *,
    app: str = CALLING_BOT,
) -> None:
    """The invite fails with this error, whose message says ``says``, and changes nothing."""
    before = state_of(h, call_id)
    error = assert_error(invite(h, call_id, body, app=app), status, code)
    assert says in error["message"], error["message"]
    h.run_jobs()
    assert state_of(h, call_id) == before


class TestPermissionsAndCalls:
    def test_needs_initiate_group_call(self, h: Harness) -> None:
        h.add_application(INITIATE_ONLY_APP, ["Calls.Initiate.All"])
        call = group_call(h)
        error = assert_error(
            invite(h, call["id"], invite_body(PARTICIPANT), app=INITIATE_ONLY_APP),
            403,
            "accessDenied",
        )
        assert "Calls.InitiateGroupCall.All" in error["message"]

    def test_delegated_tokens_are_refused(self, h: Harness) -> None:
        call = group_call(h)
        headers = h.auth(user="john@contoso.com")
        response = h.client.post(
            f"{CALLS}/{call['id']}/participants/invite",
            json=invite_body(PARTICIPANT),
            headers=headers,
        )
        assert_error(response, 403, "accessDenied")

    def test_another_apps_or_tenants_call_is_404(self, h: Harness) -> None:
        call = group_call(h)
        assert_error(
            invite(h, call["id"], invite_body(PARTICIPANT), app=TEST_BOT), 404, "itemNotFound"
        )
        response = h.client.post(
            f"{CALLS}/{call['id']}/participants/invite",
            json=invite_body(PARTICIPANT),
            headers=h.auth(tenant=FABRIKAM),
        )
        assert_error(response, 404, "itemNotFound")
        assert_error(invite(h, "no-such-call", invite_body(PARTICIPANT)), 404, "itemNotFound")

    def test_the_call_must_be_established(self, h: Harness) -> None:
        call = h.create_call(seed("create-call-3")["body"], app=TEST_BOT)
        error = assert_error(
            invite(h, call["id"], invite_body(PARTICIPANT), app=TEST_BOT), 400, BAD_REQUEST
        )
        assert "establishing" in error["message"]

    def test_an_ended_call_is_404(self, h: Harness) -> None:
        call = group_call(h)
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        # Terminating: a 400; terminated: gone.
        assert_error(invite(h, call["id"], invite_body(PARTICIPANT)), 400, BAD_REQUEST)
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert_error(invite(h, call["id"], invite_body(PARTICIPANT)), 404, "itemNotFound")

    def test_peer_to_peer_calls_are_not_escalated(self, h: Harness) -> None:
        call = h.establish_p2p()
        _rejected(h, call["id"], invite_body(PARTICIPANT), 400, BAD_REQUEST, "peer-to-peer")
        _rejected(
            h,
            call["id"],
            invite_body(PARTICIPANT, PARTICIPANT_TWO),
            400,
            BAD_REQUEST,
            "peer-to-peer",
        )


class TestBody:
    def test_client_context_is_at_most_256_characters(self, h: Harness) -> None:
        call = group_call(h)
        _rejected(
            h,
            call["id"],
            invite_body(PARTICIPANT, context="x" * 257),
            400,
            BAD_REQUEST,
            "clientContext",
        )
        op = invited(h, call["id"], invite_body(PARTICIPANT, context="x" * 256))
        assert op["clientContext"] == "x" * 256

    def test_client_context_is_optional(self, h: Harness) -> None:
        call = group_call(h)
        op = invited(h, call["id"], invite_body(PARTICIPANT, context=None))
        assert op["clientContext"] is None

    def test_at_most_five_participants(self, h: Harness) -> None:
        extra = add_users(h, 6)
        call = group_call(h)
        _rejected(h, call["id"], invite_body(*extra), 400, BAD_REQUEST, "At most 5")
        op = invited(h, call["id"], invite_body(*extra[:5]))
        ring_and_answer(h)
        assert operation(h, call["id"], op["id"])["status"] == "Completed"
        assert user_ids(h.participants(call["id"]))[-5:] == extra[:5]

    @pytest.mark.parametrize(
        "body",
        [
            {"participants": []},
            {},
            {"participants": [{"identity": {}}]},
            {"participants": [{"@odata.type": "#microsoft.graph.call", "identity": {}}]},
            {"participants": "nope"},
        ],
        ids=["empty", "missing", "empty-identity", "wrong-type", "not-a-list"],
    )
    def test_malformed_bodies(self, h: Harness, body: dict[str, Any]) -> None:
        call = group_call(h)
        _rejected(h, call["id"], body, 400, BAD_REQUEST, "")

    def test_an_identity_needs_an_id(self, h: Harness) -> None:
        call = group_call(h)
        body = {"participants": [{"identity": {"user": {"displayName": "No id"}}}]}
        _rejected(h, call["id"], body, 400, BAD_REQUEST, "participants[0].identity")


class TestWhoCanBeInvited:
    def test_the_same_identity_twice_in_a_request(self, h: Harness) -> None:
        call = group_call(h)
        _rejected(h, call["id"], invite_body(PARTICIPANT, PARTICIPANT), 400, BAD_REQUEST, "twice")

    def test_someone_already_in_the_call(self, h: Harness) -> None:
        call = group_call(h)
        _rejected(h, call["id"], invite_body(USER1), 400, BAD_REQUEST, "already in the call")

    def test_someone_already_being_invited(self, h: Harness) -> None:
        call = group_call(h)
        invited(h, call["id"], invite_body(PARTICIPANT))
        _rejected(
            h,
            call["id"],
            invite_body(PARTICIPANT_TWO, PARTICIPANT),
            400,
            BAD_REQUEST,
            "already in the call or being invited",
        )

    def test_the_application_itself(self, h: Harness) -> None:
        call = group_call(h)
        body = {"participants": [{"identity": {"application": {"id": CALLING_BOT}}}]}
        _rejected(h, call["id"], body, 400, BAD_REQUEST, "already in the call")

    def test_someone_who_left_can_be_invited_again(self, h: Harness) -> None:
        call = group_call(h)
        h.set_behaviour(PARTICIPANT, response="decline")
        op = invited(h, call["id"], invite_body(PARTICIPANT))
        ring_and_answer(h)
        assert operation(h, call["id"], op["id"])["status"] == "Failed"
        h.set_behaviour(PARTICIPANT, response="answer")
        op = invited(h, call["id"], invite_body(PARTICIPANT))
        ring_and_answer(h)
        assert operation(h, call["id"], op["id"])["status"] == "Completed"
        assert PARTICIPANT in user_ids(h.participants(call["id"]))

    def test_a_group_call_holds_at_most_twenty(self, h: Harness) -> None:
        extra = add_users(h, GROUP_CALL_CAPACITY)
        call = group_call(h)  # the bot and two users: three
        room = GROUP_CALL_CAPACITY - 3
        for start in range(0, room, 5):
            invited(h, call["id"], invite_body(*extra[start : min(start + 5, room)]))
        _rejected(h, call["id"], invite_body(extra[room]), 400, BAD_REQUEST, "at most 20")
        ring_and_answer(h)
        assert len(h.participants(call["id"])) == GROUP_CALL_CAPACITY
        _rejected(h, call["id"], invite_body(extra[room]), 400, BAD_REQUEST, "at most 20")


class TestPstn:
    def test_phone_numbers_must_be_e164(self, h: Harness) -> None:
        call = pstn_group_call(h)
        for number in ("12345678901", "+1-234-567-8901", "+1"):
            body = {"participants": [phone_target(number)]}
            _rejected(h, call["id"], body, 400, BAD_REQUEST, "E.164")

    def test_needs_a_source_application_instance(self, h: Harness) -> None:
        call = group_call(h)  # its source is the application
        body = seed("invite-4")["body"]
        _rejected(h, call["id"], body, 400, BAD_REQUEST, "applicationInstance")

    def test_the_instance_needs_a_phone_number(self, h: Harness) -> None:
        document = h.directory()
        instance = "4e4e4e4e-0000-4000-8000-00000000004e"
        document["applicationInstances"].append(
            {
                "id": instance,
                "tenantId": "aa67bd4c-8475-432d-bd41-39f255720e0a",
                "displayName": "No number",
                "appId": CALLING_BOT,
            }
        )
        h.put_directory(document)
        call = group_call(h, instance=instance)
        body = seed("invite-4")["body"]
        _rejected(h, call["id"], body, 400, BAD_REQUEST, "phone number")


class TestReplacesCallId:
    def _p2p(self, h: Harness, peer: str = PARTICIPANT) -> dict[str, Any]:
        return h.establish_p2p(p2p_body(peer))

    def _replacing(self, call_id: str, *users: str) -> dict[str, Any]:
        body = invite_body(*users)
        body["participants"][0]["replacesCallId"] = call_id
        return body

    def test_only_the_first_participant_is_used(self, h: Harness) -> None:
        p2p = self._p2p(h)
        call = group_call(h)
        body = self._replacing(p2p["id"], PARTICIPANT, PARTICIPANT_TWO, PARTICIPANT_ONE)
        op = invited(h, call["id"], body)
        assert [p["identity"]["user"]["id"] for p in op["participants"]] == [PARTICIPANT]
        ring_and_answer(h)
        joined = user_ids(h.participants(call["id"]))
        assert PARTICIPANT in joined
        assert PARTICIPANT_TWO not in joined and PARTICIPANT_ONE not in joined

    def test_must_name_a_peer_to_peer_call(self, h: Harness) -> None:
        other = group_call(h)
        call = group_call(h)
        _rejected(
            h,
            call["id"],
            self._replacing(other["id"], PARTICIPANT),
            400,
            BAD_REQUEST,
            "peer-to-peer",
        )
        _rejected(
            h,
            call["id"],
            self._replacing(call["id"], PARTICIPANT),
            400,
            BAD_REQUEST,
            "the call the participant is invited into",
        )

    def test_the_invitee_must_be_the_other_party(self, h: Harness) -> None:
        p2p = self._p2p(h, JOHN)
        call = group_call(h)
        _rejected(
            h,
            call["id"],
            self._replacing(p2p["id"], PARTICIPANT),
            400,
            BAD_REQUEST,
            "not the other party",
        )

    def test_the_peer_to_peer_call_must_be_established(self, h: Harness) -> None:
        call = group_call(h)
        ringing = h.create_call(p2p_body(PARTICIPANT))
        h.run_jobs()
        h.advance(h.connect_delay)
        _rejected(
            h,
            call["id"],
            self._replacing(ringing["id"], PARTICIPANT),
            400,
            BAD_REQUEST,
            "not established",
        )

    def test_only_the_first_participant_may_replace(self, h: Harness) -> None:
        p2p = self._p2p(h)
        call = group_call(h)
        body = invite_body(PARTICIPANT_TWO, PARTICIPANT)
        body["participants"][1]["replacesCallId"] = p2p["id"]
        _rejected(h, call["id"], body, 400, BAD_REQUEST, "participants[1].replacesCallId")

    def test_another_applications_call_is_ignored(self, h: Harness) -> None:
        """A replacesCallId that names no call of this application does not replace anything:
        the participant is rung like any other (seed 002 examples 1 and 2)."""
        theirs = h.establish_p2p(p2p_body(PARTICIPANT), app=TEST_BOT)
        call = group_call(h)
        op = invited(h, call["id"], self._replacing(theirs["id"], PARTICIPANT))
        assert op["participants"][0]["replacesCallId"] == theirs["id"]  # echoed as sent
        ring_and_answer(h)
        assert operation(h, call["id"], op["id"])["status"] == "Completed"
        assert h.call(theirs["id"], app=TEST_BOT)["state"] == "established"
