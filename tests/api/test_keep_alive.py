"""keepAlive (Graph's *call: keepAlive*): accepted while the call exists; a call that gets no
keepAlive for 45 minutes of Callboard time ends with a ``deleted`` notification."""

from __future__ import annotations

import pytest

from callboard.domain.calls import KEEP_ALIVE_SECONDS
from callboard.errors import ItemNotFound
from callboard.services import actions
from callboard.tokens import Principal
from tests.api.calling import (
    CALLING_BOT,
    CALLS,
    CONTOSO,
    TEST_BOT,
    USER1,
    USER2,
    Harness,
    assert_error,
    group_body,
    p2p_body,
)


def _bot(app: str = CALLING_BOT) -> Principal:
    return Principal(CONTOSO, app, None, frozenset({"Calls.Initiate.All"}), {})


def _ended_by_keep_alive(h: Harness, call_id: str, *, app: str = CALLING_BOT) -> None:
    """The call is terminated with the keepAlive resultInfo, and the bot heard ``deleted``."""
    call = h.ended(call_id, app=app)
    assert call["state"] == "terminated"
    assert call["resultInfo"]["code"] == 408
    assert "keepAlive" in call["resultInfo"]["message"]
    last = h.notes(call_id)[-1]
    assert last["changeType"] == "deleted"
    assert last["resourceData"]["state"] == "terminated"
    assert last["resourceData"]["resultInfo"]["code"] == 408


class TestExpiry:
    def test_established_call_lives_until_45_minutes_without_keep_alive(self, h: Harness) -> None:
        call = h.establish_p2p()
        created_ago = h.connect_delay + h.answer_delay
        h.advance(KEEP_ALIVE_SECONDS - created_ago - 1)
        assert h.call(call["id"])["state"] == "established"
        assert h.changes(call["id"])[-1] == ("updated", "established")
        h.advance(1)
        _ended_by_keep_alive(h, call["id"])

    def test_keep_alive_re_arms_the_timer(self, h: Harness) -> None:
        call = h.establish_p2p()
        h.advance(KEEP_ALIVE_SECONDS - 60)
        actions.keep_alive(h.rt, _bot(), call["id"])
        # The first deadline passes: the keepAlive moved it.
        h.advance(KEEP_ALIVE_SECONDS - 1)
        assert h.call(call["id"])["state"] == "established"
        actions.keep_alive(h.rt, _bot(), call["id"])
        h.advance(KEEP_ALIVE_SECONDS - 1)
        assert h.call(call["id"])["state"] == "established"
        assert ("deleted", "terminated") not in h.changes(call["id"])
        h.advance(1)
        _ended_by_keep_alive(h, call["id"])
        assert h.changes(call["id"]).count(("deleted", "terminated")) == 1

    def test_group_call_ends_too(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        h.advance(KEEP_ALIVE_SECONDS)
        _ended_by_keep_alive(h, call["id"], app=TEST_BOT)

    def test_answered_incoming_call_ends_too(self, h: Harness) -> None:
        call = h.place_incoming()
        h.run_jobs()
        response = h.action(
            call["id"], "answer", {"callbackUri": "https://bot.contoso.com/answered"} | _media()
        )
        assert response.status_code == 202, response.text
        h.advance(h.connect_delay)
        assert h.call(call["id"])["state"] == "established"
        h.advance(KEEP_ALIVE_SECONDS)
        call_now = h.ended(call["id"])
        assert call_now["state"] == "terminated"
        assert call_now["resultInfo"]["code"] == 408

    def test_a_call_that_ended_otherwise_is_left_alone(self, h: Harness) -> None:
        call = h.establish_p2p()
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        h.advance(h.rt.settings.terminate_delay_seconds)
        h.advance(KEEP_ALIVE_SECONDS)
        ended = h.ended(call["id"])
        assert ended["resultInfo"]["code"] == 200
        assert ended["resultInfo"]["subcode"] == 5001
        assert h.changes(call["id"]).count(("deleted", "terminated")) == 1


class TestKeepAliveService:
    def test_accepted_while_establishing(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        assert h.call(call["id"])["state"] == "establishing"
        actions.keep_alive(h.rt, _bot(), call["id"])
        assert h.call(call["id"])["state"] == "establishing"

    def test_terminated_call_is_404(self, h: Harness) -> None:
        call = h.establish_p2p()
        h.advance(KEEP_ALIVE_SECONDS)
        with pytest.raises(ItemNotFound):
            actions.keep_alive(h.rt, _bot(), call["id"])

    def test_unknown_call_is_404(self, h: Harness) -> None:
        with pytest.raises(ItemNotFound):
            actions.keep_alive(h.rt, _bot(), "no-such-call")


class TestKeepAliveRoute:
    def test_200_without_a_body(self, h: Harness) -> None:
        call = h.establish_p2p()
        response = h.action(call["id"], "keepAlive", None)
        assert response.status_code == 200
        assert response.content == b""
        # Without a body at all, as the SDKs send it.
        bare = h.client.post(f"{CALLS}/{call['id']}/keepAlive", headers=h.auth())
        assert bare.status_code == 200

    def test_while_establishing_is_200(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        response = h.action(call["id"], "keepAlive")
        assert response.status_code == 200, response.text
        assert response.content == b""

    def test_group_call_while_establishing_and_incoming_call_are_200(self, h: Harness) -> None:
        group = h.create_call(group_body(USER1, USER2), app=TEST_BOT)
        assert h.action(group["id"], "keepAlive", app=TEST_BOT).status_code == 200
        incoming = h.place_incoming(toAppId=TEST_BOT)
        assert h.action(incoming["id"], "keepAlive", app=TEST_BOT).status_code == 200
        assert h.call(incoming["id"], app=TEST_BOT)["state"] == "incoming"

    def test_after_the_call_ended_is_404(self, h: Harness) -> None:
        call = h.establish_p2p()
        h.delete(f"{CALLS}/{call['id']}")
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert_error(h.action(call["id"], "keepAlive"), 404, "itemNotFound")

    def test_after_the_call_expired_is_404(self, h: Harness) -> None:
        call = h.establish_p2p()
        h.advance(KEEP_ALIVE_SECONDS)
        assert_error(h.action(call["id"], "keepAlive"), 404, "itemNotFound")

    def test_anonymous_is_401(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        response = h.client.post(f"{CALLS}/{call['id']}/keepAlive")
        assert_error(response, 401, "InvalidAuthenticationToken")


def _media() -> dict[str, object]:
    return {
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
        "acceptedModalities": ["audio"],
    }
