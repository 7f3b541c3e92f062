"""``POST /_callboard/calls/{id}/party-actions`` and ``GET /_callboard/calls/{id}``: driving
a simulated party live, and the admin view of a call (history, DTMF, recordings)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.calling import (
    BAD_REQUEST,
    CALLS,
    JOHN,
    USER1,
    USER2,
    Harness,
    assert_error,
    p2p_body,
)

G = "#microsoft.graph."
JOHN_UPN = "john@contoso.com"


def act(h: Harness, call_id: str, **body: Any) -> Any:
    return h.client.post(f"/_callboard/calls/{call_id}/party-actions", json=body)


def acted(h: Harness, call_id: str, **body: Any) -> dict[str, Any]:
    response = act(h, call_id, **body)
    assert response.status_code == 202, response.text
    result: dict[str, Any] = response.json()
    h.run_jobs()
    return result


def detail(h: Harness, call_id: str) -> dict[str, Any]:
    response = h.client.get(f"/_callboard/calls/{call_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def tone_notes(h: Harness, call_id: str) -> list[dict[str, Any]]:
    return [
        n["resourceData"]["toneInfo"] for n in h.notes(call_id) if "toneInfo" in n["resourceData"]
    ]


def test_keys_reach_the_bot_after_subscribe_to_tone_in_order(h: Harness) -> None:
    call = h.establish_p2p()
    acted(h, call["id"], action="pressKeys", tones="5")  # not subscribed: not told
    assert tone_notes(h, call["id"]) == []
    assert h.action(call["id"], "subscribeToTone", {}).status_code == 200
    result = acted(h, call["id"], action="pressKeys", tones="12#")
    assert result["callId"] == call["id"]
    assert result["action"] == "pressKeys"
    assert result["party"]  # the callee's participant id
    assert result["at"].endswith("Z")
    assert (
        acted(h, call["id"], action="pressKeys", tones="*", party=JOHN)["party"] == result["party"]
    )
    assert tone_notes(h, call["id"]) == [
        {"@odata.type": G + "toneInfo", "sequenceId": 1, "tone": "tone1"},
        {"@odata.type": G + "toneInfo", "sequenceId": 2, "tone": "tone2"},
        {"@odata.type": G + "toneInfo", "sequenceId": 3, "tone": "pound"},
        {"@odata.type": G + "toneInfo", "sequenceId": 4, "tone": "star"},
    ]
    assert h.call(call["id"])["toneInfo"] == {
        "@odata.type": G + "toneInfo",
        "sequenceId": 4,
        "tone": "star",
    }
    note = h.notes(call["id"])[-1]
    assert note["changeType"] == "updated"
    assert note["resourceData"]["state"] == "established"
    keys = [(d["direction"], d["party"], d["keys"]) for d in detail(h, call["id"])["dtmf"]]
    peer = result["party"]
    assert keys == [("received", peer, "5"), ("received", peer, "12#"), ("received", peer, "*")]


def test_send_dtmf_tones_is_in_the_dtmf_log(h: Harness) -> None:
    call = h.establish_p2p()
    body = {"tones": ["tone1", "pound"], "clientContext": "c"}
    assert h.action(call["id"], "sendDtmfTones", body).status_code == 200
    [entry] = detail(h, call["id"])["dtmf"]
    assert entry["direction"] == "sent"
    assert entry["keys"] == "1#"
    peer = next(p for p in h.participants(call["id"]) if p["id"] != call["myParticipantId"])
    assert entry["party"] == peer["id"]


def test_party_puts_the_bot_on_hold_and_back(h: Harness) -> None:
    call = h.establish_p2p()
    acted(h, call["id"], action="hold", party=JOHN_UPN)
    assert h.call(call["id"])["state"] == "hold"
    assert_error(act(h, call["id"], action="hold"), 400, BAD_REQUEST)
    acted(h, call["id"], action="unhold")
    assert h.changes(call["id"])[-2:] == [("updated", "hold"), ("updated", "established")]
    states = [c["state"] for c in detail(h, call["id"])["history"]]
    assert states == ["establishing", "ringing", "established", "hold", "established"]


def test_party_hangs_up(h: Harness) -> None:
    call = h.establish_p2p()
    acted(h, call["id"], action="hangUp")
    assert h.changes(call["id"])[-1] == ("deleted", "terminated")
    # The admin view still shows the ended call; a further action is refused.
    assert detail(h, call["id"])["state"] == "terminated"
    assert_error(act(h, call["id"], action="pressKeys", tones="1"), 400, BAD_REQUEST)


def test_answer_and_decline_a_ringing_party(h: Harness) -> None:
    h.set_behaviour(JOHN, response="noAnswer")
    call = h.create_call(p2p_body())
    h.run_jobs()
    h.advance(h.connect_delay)
    assert_error(act(h, call["id"], action="pressKeys", tones="1"), 400, BAD_REQUEST)
    acted(h, call["id"], action="answer")
    assert h.call(call["id"])["state"] == "established"

    other = h.create_call(p2p_body())
    h.run_jobs()
    h.advance(h.connect_delay)
    acted(h, other["id"], action="decline", party=JOHN)
    assert h.changes(other["id"])[-1] == ("deleted", "terminated")
    assert h.notes(other["id"])[-1]["resourceData"]["resultInfo"]["code"] == 603


def test_incoming_caller_presses_keys_and_hangs_up(h: Harness) -> None:
    call = h.place_incoming()
    h.run_jobs()
    assert_error(act(h, call["id"], action="hangUp"), 400, BAD_REQUEST)
    answer = {
        "callbackUri": "https://bot.contoso.com/answered",
        "mediaConfig": {"@odata.type": G + "serviceHostedMediaConfig"},
        "acceptedModalities": ["audio"],
    }
    assert h.action(call["id"], "answer", answer).status_code == 202
    h.run_jobs()
    h.advance(h.connect_delay)
    assert h.action(call["id"], "subscribeToTone", {}).status_code == 200
    acted(h, call["id"], action="pressKeys", tones="9")
    assert tone_notes(h, call["id"])[0]["tone"] == "tone9"
    acted(h, call["id"], action="hangUp", party=JOHN)
    assert h.ended(call["id"])["state"] == "terminated"


class TestErrors:
    def test_unknown_call_is_404(self, h: Harness) -> None:
        assert_error(act(h, "no-such-call", action="hangUp"), 404, "itemNotFound")
        assert_error(h.client.get("/_callboard/calls/no-such-call"), 404, "itemNotFound")

    def test_unknown_party_is_404(self, h: Harness) -> None:
        call = h.establish_p2p()
        assert_error(act(h, call["id"], action="hangUp", party=USER1), 404, "itemNotFound")

    def test_several_parties_need_a_name(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        assert_error(act(h, call["id"], action="hangUp"), 400, BAD_REQUEST)
        acted(h, call["id"], action="hangUp", party=USER1)
        parties = {p["party"]: p["invitation"] for p in detail(h, call["id"])["parties"]}
        assert parties == {f"user:{USER1}": "left", f"user:{USER2}": "joined"}

    def test_hold_is_for_peer_to_peer_calls(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        assert_error(act(h, call["id"], action="hold", party=USER1), 400, BAD_REQUEST)

    @pytest.mark.parametrize(
        "body",
        [
            {"action": "dance"},
            {"action": "pressKeys"},
            {"action": "pressKeys", "tones": "1x"},
            {"action": "pressKeys", "tones": "1", "seconds": 2},
            {"action": "speak"},
            {"action": "speak", "seconds": 0},
            {"action": "speak", "seconds": 500},
            {"action": "hangUp", "tones": "1"},
            {"action": "hold", "seconds": 1},
            {"action": "hangUp", "extra": True},
            {},
        ],
    )
    def test_bad_action_or_parameter_is_400(self, h: Harness, body: dict[str, Any]) -> None:
        call = h.establish_p2p()
        assert_error(act(h, call["id"], **body), 400, BAD_REQUEST)


def test_detail_shows_every_tenant_and_ended_calls(h: Harness) -> None:
    call = h.establish_p2p()
    assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
    h.advance(h.rt.settings.terminate_delay_seconds)
    body = detail(h, call["id"])
    assert body["id"] == call["id"]
    assert body["state"] == "terminated"
    assert [c["state"] for c in body["history"]][-2:] == ["terminating", "terminated"]
    assert all(c["at"].endswith("Z") for c in body["history"])
    assert len(body["participants"]) == 2
    assert body["operations"] == []
    assert body["recordings"] == []


class TestAdminDisabled:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"admin_enabled": False}

    def test_party_actions_and_the_detail_are_404(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        assert_error(act(h, call["id"], action="hangUp"), 404, "UnknownError")
        assert_error(h.client.get(f"/_callboard/calls/{call['id']}"), 404, "UnknownError")
        assert_error(h.client.get("/_callboard/recordings/any"), 404, "UnknownError")
