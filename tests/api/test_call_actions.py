"""Call actions: mute/unmute, playPrompt, cancelMediaProcessing, subscribeToTone,
sendDtmfTones, updateRecordingStatus and changeScreenSharingRole."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.services.actions import PROMPT_SECONDS, TONE_SECONDS
from tests.api.calling import (
    BAD_REQUEST,
    CALLING_BOT,
    CALLS,
    TEST_BOT,
    USER1,
    USER2,
    Harness,
    answer_body,
    assert_error,
    group_body,
    p2p_body,
)
from tests.conftest import FABRIKAM
from tests.support import seed

INITIATE_ONLY_BOT = "1b1b1b1b-0000-4000-8000-00000000001b"
G = "#microsoft.graph."


def _prompts(count: int = 1, context: str | None = "prompt-ctx") -> dict[str, Any]:
    body: dict[str, Any] = {
        "prompts": [
            {
                "@odata.type": G + "mediaPrompt",
                "mediaInfo": {
                    "@odata.type": G + "mediaInfo",
                    "uri": f"https://cdn.contoso.com/prompt{i}.wav",
                    "resourceId": f"prompt-{i}",
                },
            }
            for i in range(count)
        ]
    }
    if context is not None:
        body["clientContext"] = context
    return body


def _operation(
    h: Harness, call_id: str, response: Any, type_name: str, status: str, *, app: str = CALLING_BOT
) -> dict[str, Any]:
    """A 200 commsOperation answer with its Location; the same operation is readable."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["@odata.type"] == G + type_name
    assert body["status"] == status
    assert body["id"]
    location = f"http://callboard.test/v1.0/communications/calls/{call_id}/operations/{body['id']}"
    assert response.headers["location"] == location
    assert body["@odata.context"].startswith("http://callboard.test/v1.0/$metadata#")
    got = h.get(f"{CALLS}/{call_id}/operations/{body['id']}", app=app)
    assert got.status_code == 200, got.text
    assert got.json()["@odata.type"] == G + type_name
    assert got.json()["status"] == status
    return body


def _get_operation(
    h: Harness, call_id: str, operation_id: str, *, app: str = CALLING_BOT
) -> dict[str, Any]:
    response = h.get(f"{CALLS}/{call_id}/operations/{operation_id}", app=app)
    assert response.status_code == 200, response.text
    operation: dict[str, Any] = response.json()
    return operation


class TestMute:
    def test_mute_and_unmute_in_a_group_call(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        rosters_before = len(h.rosters(call["id"]))

        response = h.action(call["id"], "mute", {"clientContext": "mute-ctx"}, app=TEST_BOT)
        operation = _operation(
            h, call["id"], response, "muteParticipantOperation", "Completed", app=TEST_BOT
        )
        assert operation["clientContext"] == "mute-ctx"
        h.run_jobs()

        rosters = h.rosters(call["id"])
        assert len(rosters) == rosters_before + 1
        bot, *others = rosters[-1]
        assert bot["id"] == call["myParticipantId"]
        assert bot["isMuted"] is True
        assert [s["serverMuted"] for s in bot["mediaStreams"] if s["mediaType"] == "audio"] == [
            True
        ]
        assert [p["isMuted"] for p in others] == [False, False]
        participant = h.get(
            f"{CALLS}/{call['id']}/participants/{call['myParticipantId']}", app=TEST_BOT
        ).json()
        assert participant["isMuted"] is True
        # A completed operation is not notified again.
        assert h.operation_notes(call["id"]) == []

        response = h.action(call["id"], "unmute", {"clientContext": "unmute-ctx"}, app=TEST_BOT)
        _operation(h, call["id"], response, "unmuteParticipantOperation", "Completed", app=TEST_BOT)
        h.run_jobs()
        assert h.rosters(call["id"])[-1][0]["isMuted"] is False

    def test_mute_is_for_group_calls_only(self, h: Harness) -> None:
        call = h.establish_p2p()
        assert_error(h.action(call["id"], "mute"), 400, BAD_REQUEST)
        assert_error(h.action(call["id"], "unmute"), 400, BAD_REQUEST)

    def test_mute_an_answered_incoming_call_is_400(self, h: Harness) -> None:
        call = h.place_incoming()
        h.action(call["id"], "answer", answer_body())
        h.run_jobs()
        h.advance(h.connect_delay)
        assert_error(h.action(call["id"], "mute"), 400, BAD_REQUEST)


class TestPlayPrompt:
    def test_running_then_completed(self, h: Harness) -> None:
        call = h.establish_p2p()
        response = h.action(call["id"], "playPrompt", _prompts(2))
        operation = _operation(h, call["id"], response, "playPromptOperation", "Running")
        assert operation["clientContext"] == "prompt-ctx"
        assert operation["resultInfo"] is None
        h.run_jobs()
        assert h.operation_notes(call["id"]) == []

        h.advance(2 * PROMPT_SECONDS - 0.1)
        assert h.operation_notes(call["id"]) == []
        h.advance(0.1)

        [note] = h.operation_notes(call["id"])
        url = f"/communications/calls/{call['id']}/operations/{operation['id']}"
        assert note["changeType"] == "deleted"
        assert note["resourceUrl"] == url
        data = note["resourceData"]
        assert data["@odata.type"] == G + "playPromptOperation"
        assert data["@odata.id"] == url
        assert data["id"] == operation["id"]
        assert data["status"] == "Completed"
        assert data["clientContext"] == "prompt-ctx"
        assert (data["resultInfo"]["code"], data["resultInfo"]["subcode"]) == (200, 0)
        got = _get_operation(h, call["id"], operation["id"])
        assert got["status"] == "Completed"
        assert got["@odata.type"] == G + "playPromptOperation"
        assert got["resultInfo"]["code"] == 200
        assert "mediaQueue" not in h.call(call["id"])

    def test_prompts_are_queued(self, h: Harness) -> None:
        call = h.establish_p2p()
        first = h.action(call["id"], "playPrompt", _prompts(1, "first")).json()
        second = h.action(call["id"], "playPrompt", _prompts(1, "second")).json()

        h.advance(PROMPT_SECONDS)
        assert [n["resourceData"]["clientContext"] for n in h.operation_notes(call["id"])] == [
            "first"
        ]
        assert _get_operation(h, call["id"], second["id"])["status"] == "Running"
        h.advance(PROMPT_SECONDS)
        assert [n["resourceData"]["clientContext"] for n in h.operation_notes(call["id"])] == [
            "first",
            "second",
        ]
        assert _get_operation(h, call["id"], first["id"])["status"] == "Completed"
        # The queue is empty again: a new prompt starts now.
        h.action(call["id"], "playPrompt", _prompts(1, "third"))
        h.advance(PROMPT_SECONDS)
        assert len(h.operation_notes(call["id"])) == 3

    def test_answered_incoming_call(self, h: Harness) -> None:
        call = h.place_incoming()
        h.action(call["id"], "answer", answer_body())
        h.run_jobs()
        h.advance(h.connect_delay)
        response = h.action(call["id"], "playPrompt", _prompts())
        _operation(h, call["id"], response, "playPromptOperation", "Running")
        h.advance(PROMPT_SECONDS)
        assert h.operation_notes(call["id"])[-1]["resourceData"]["status"] == "Completed"
        assert h.received_for(call["id"])[-1] == "/answered"

    def test_app_hosted_media_is_400(self, h: Harness) -> None:
        call = h.establish_p2p(seed("create-call-2")["body"])
        error = assert_error(h.action(call["id"], "playPrompt", _prompts()), 400, BAD_REQUEST)
        assert "serviceHostedMediaConfig" in error["message"]

    @pytest.mark.parametrize(
        "body",
        [
            {"prompts": []},
            {},
            _prompts(21),
            {"prompts": [{"@odata.type": G + "mediaPrompt"}]},
            {"prompts": [{"mediaInfo": {"resourceId": "x"}}]},
            {"prompts": ["https://cdn.contoso.com/x.wav"]},
        ],
    )
    def test_invalid_prompts_are_400(self, h: Harness, body: dict[str, Any]) -> None:
        call = h.establish_p2p()
        assert_error(h.action(call["id"], "playPrompt", body), 400, BAD_REQUEST)

    def test_twenty_prompts_are_allowed(self, h: Harness) -> None:
        call = h.establish_p2p()
        assert h.action(call["id"], "playPrompt", _prompts(20)).status_code == 200

    def test_prompt_running_when_the_call_ends_fails(self, h: Harness) -> None:
        call = h.establish_p2p()
        operation = h.action(call["id"], "playPrompt", _prompts(5)).json()
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        h.advance(5 * PROMPT_SECONDS)
        (note,) = h.operation_notes(call["id"])
        got = note["resourceData"]
        assert (got["id"], got["status"]) == (operation["id"], "Failed")
        assert got["resultInfo"]["code"] == 400
        # The call has ended: Graph forgets it and its operations.
        response = h.get(f"{CALLS}/{call['id']}/operations/{operation['id']}")
        assert_error(response, 404, "itemNotFound")


class TestCancelMediaProcessing:
    def test_cancels_running_and_queued_prompts(self, h: Harness) -> None:
        call = h.establish_p2p()
        first = h.action(call["id"], "playPrompt", _prompts(1, "first")).json()
        second = h.action(call["id"], "playPrompt", _prompts(3, "second")).json()
        h.advance(PROMPT_SECONDS / 2)

        response = h.action(call["id"], "cancelMediaProcessing", {"clientContext": "cancel"})
        operation = _operation(
            h, call["id"], response, "cancelMediaProcessingOperation", "Completed"
        )
        assert operation["clientContext"] == "cancel"
        h.run_jobs()

        notes = h.operation_notes(call["id"])
        assert [n["resourceData"]["id"] for n in notes] == [first["id"], second["id"]]
        for note in notes:
            data = note["resourceData"]
            assert note["changeType"] == "deleted"
            assert data["status"] == "Failed"
            assert (data["resultInfo"]["code"], data["resultInfo"]["subcode"]) == (400, 8508)
        assert _get_operation(h, call["id"], first["id"])["status"] == "Failed"
        assert _get_operation(h, call["id"], second["id"])["status"] == "Failed"
        # The cancelled prompts never complete later.
        h.advance(10 * PROMPT_SECONDS)
        assert len(h.operation_notes(call["id"])) == 2

    def test_nothing_to_cancel(self, h: Harness) -> None:
        call = h.establish_p2p()
        response = h.action(call["id"], "cancelMediaProcessing")
        _operation(h, call["id"], response, "cancelMediaProcessingOperation", "Completed")
        h.run_jobs()
        assert h.operation_notes(call["id"]) == []

    def test_completed_prompts_are_not_cancelled(self, h: Harness) -> None:
        call = h.establish_p2p()
        done = h.action(call["id"], "playPrompt", _prompts(1)).json()
        h.advance(PROMPT_SECONDS)
        h.action(call["id"], "cancelMediaProcessing")
        h.run_jobs()
        assert _get_operation(h, call["id"], done["id"])["status"] == "Completed"
        assert len(h.operation_notes(call["id"])) == 1

    def test_a_prompt_after_the_cancel_starts_at_once(self, h: Harness) -> None:
        call = h.establish_p2p()
        h.action(call["id"], "playPrompt", _prompts(10))
        h.action(call["id"], "cancelMediaProcessing")
        after = h.action(call["id"], "playPrompt", _prompts(1, "after")).json()
        h.advance(PROMPT_SECONDS)
        assert _get_operation(h, call["id"], after["id"])["status"] == "Completed"


class TestSubscribeToTone:
    def test_completed_at_once(self, h: Harness) -> None:
        call = h.establish_p2p()
        response = h.action(call["id"], "subscribeToTone", {"clientContext": "tones"})
        operation = _operation(h, call["id"], response, "subscribeToToneOperation", "Completed")
        assert operation["clientContext"] == "tones"
        h.run_jobs()
        assert h.operation_notes(call["id"]) == []
        assert "toneSubscribed" not in h.call(call["id"])

    def test_app_hosted_media_is_400(self, h: Harness) -> None:
        call = h.establish_p2p(seed("create-call-2")["body"])
        assert_error(h.action(call["id"], "subscribeToTone"), 400, BAD_REQUEST)


class TestSendDtmfTones:
    def test_running_then_completed(self, h: Harness) -> None:
        call = h.establish_p2p()
        body = {
            "tones": ["tone1", "tone2", "pound"],
            "delayBetweenTonesMs": 200,
            "clientContext": "dtmf",
        }
        response = h.action(call["id"], "sendDtmfTones", body)
        operation = _operation(h, call["id"], response, "sendDtmfTonesOperation", "Running")
        assert operation["completionReason"] is None

        h.advance(3 * TONE_SECONDS - 0.1)
        assert h.operation_notes(call["id"]) == []
        h.advance(0.1)
        [note] = h.operation_notes(call["id"])
        data = note["resourceData"]
        assert data["status"] == "Completed"
        assert data["completionReason"] == "completedSuccessfully"
        assert data["clientContext"] == "dtmf"
        got = _get_operation(h, call["id"], operation["id"])
        assert got["completionReason"] == "completedSuccessfully"

    @pytest.mark.parametrize("tones", [[], ["tone10"], ["#"], None])
    def test_invalid_tones_are_400(self, h: Harness, tones: list[str] | None) -> None:
        call = h.establish_p2p()
        body = {} if tones is None else {"tones": tones}
        assert_error(h.action(call["id"], "sendDtmfTones", body), 400, BAD_REQUEST)


class TestUpdateRecordingStatus:
    def test_bot_participant_shows_the_status(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        body = {"status": "recording", "clientContext": "rec"}
        response = h.action(call["id"], "updateRecordingStatus", body, app=TEST_BOT)
        operation = _operation(
            h, call["id"], response, "updateRecordingStatusOperation", "Completed", app=TEST_BOT
        )
        assert operation["clientContext"] == "rec"
        bot = h.participants(call["id"], app=TEST_BOT)[0]
        assert bot["recordingInfo"]["recordingStatus"] == "recording"
        assert bot["recordingInfo"]["initiator"]["application"]["id"] == TEST_BOT

        h.action(call["id"], "updateRecordingStatus", {"status": "notRecording"}, app=TEST_BOT)
        bot = h.participants(call["id"], app=TEST_BOT)[0]
        assert bot["recordingInfo"]["recordingStatus"] == "notRecording"

    def test_initiator_of_an_answered_incoming_call_is_the_app(self, h: Harness) -> None:
        call = h.place_incoming()
        h.action(call["id"], "answer", answer_body())
        h.run_jobs()
        h.advance(h.connect_delay)
        response = h.action(call["id"], "updateRecordingStatus", {"status": "recording"})
        assert response.status_code == 200
        bot = h.participants(call["id"])[0]
        assert bot["recordingInfo"]["initiator"]["application"]["id"] == CALLING_BOT
        assert "user" not in bot["recordingInfo"]["initiator"]

    @pytest.mark.parametrize("status", ["paused", None])
    def test_invalid_status_is_400(self, h: Harness, status: str | None) -> None:
        call = h.establish_p2p()
        body = {} if status is None else {"status": status}
        assert_error(h.action(call["id"], "updateRecordingStatus", body), 400, BAD_REQUEST)


class TestChangeScreenSharingRole:
    @pytest.mark.parametrize("role", ["viewer", "sharer"])
    def test_accepted(self, h: Harness, role: str) -> None:
        call = h.establish_group(USER1, USER2, app_hosted=True)
        response = h.action(call["id"], "changeScreenSharingRole", {"role": role}, app=TEST_BOT)
        assert response.status_code == 202
        assert response.content == b""
        assert "screenSharingRole" not in h.call(call["id"], app=TEST_BOT)

    @pytest.mark.parametrize("body", [{"role": "presenter"}, {}])
    def test_invalid_role_is_400(self, h: Harness, body: dict[str, Any]) -> None:
        call = h.establish_group(USER1, USER2, app_hosted=True)
        response = h.action(call["id"], "changeScreenSharingRole", body, app=TEST_BOT)
        assert_error(response, 400, BAD_REQUEST)


class TestPermissions:
    """Actions that need a permission beyond the one that placed the call."""

    @pytest.mark.parametrize(
        ("action", "body", "status"),
        [
            ("subscribeToTone", {}, 403),
            ("changeScreenSharingRole", {"role": "viewer"}, 403),
            ("updateRecordingStatus", {"status": "recording"}, 403),
            ("sendDtmfTones", {"tones": ["tone1"]}, 200),
            ("playPrompt", _prompts(), 200),
            ("keepAlive", None, 200),
        ],
    )
    def test_initiate_only_app(
        self, h: Harness, action: str, body: dict[str, Any] | None, status: int
    ) -> None:
        h.add_application(INITIATE_ONLY_BOT, ["Calls.Initiate.All"])
        source = {"identity": {"application": {"id": INITIATE_ONLY_BOT}}}
        call = h.establish_p2p(p2p_body(source=source), app=INITIATE_ONLY_BOT)
        response = h.action(call["id"], action, body, app=INITIATE_ONLY_BOT)
        if status == 403:
            assert_error(response, 403, "accessDenied")
        else:
            assert response.status_code == status, response.text


# Every action, with a valid body, and whether it takes a clientContext.
ACTIONS: list[tuple[str, dict[str, Any] | None, bool]] = [
    ("mute", {}, True),
    ("unmute", {}, True),
    ("playPrompt", _prompts(context=None), True),
    ("subscribeToTone", {}, True),
    ("cancelMediaProcessing", {}, True),
    ("sendDtmfTones", {"tones": ["tone1"]}, True),
    ("updateRecordingStatus", {"status": "recording"}, True),
    ("changeScreenSharingRole", {"role": "viewer"}, False),
    ("keepAlive", None, False),
]
ACTION_IDS = [a[0] for a in ACTIONS]
# keepAlive is accepted in every state but terminated (tests/api/test_keep_alive.py).
NEEDS_ESTABLISHED = [a for a in ACTIONS if a[0] != "keepAlive"]


class TestCommonRules:
    @pytest.mark.parametrize(("action", "body", "_context"), ACTIONS, ids=ACTION_IDS)
    def test_group_call_accepts_every_action(
        self, h: Harness, action: str, body: dict[str, Any] | None, _context: bool
    ) -> None:
        # changeScreenSharingRole is for group calls with app-hosted media only.
        call = h.establish_group(USER1, USER2, app_hosted=action == "changeScreenSharingRole")
        response = h.action(call["id"], action, body, app=TEST_BOT)
        assert response.status_code in (200, 202), response.text

    @pytest.mark.parametrize(
        ("action", "body"),
        [(a, b) for a, b, ctx in ACTIONS if ctx],
        ids=[a for a, _b, ctx in ACTIONS if ctx],
    )
    def test_client_context_is_at_most_256_characters(
        self, h: Harness, action: str, body: dict[str, Any]
    ) -> None:
        call = h.establish_group(USER1, USER2)
        long = {**body, "clientContext": "x" * 257}
        error = assert_error(h.action(call["id"], action, long, app=TEST_BOT), 400, BAD_REQUEST)
        assert "clientContext" in error["message"]
        exact = {**body, "clientContext": "x" * 256}
        response = h.action(call["id"], action, exact, app=TEST_BOT)
        assert response.status_code == 200, response.text
        assert response.json()["clientContext"] == "x" * 256

    @pytest.mark.parametrize(
        ("action", "body", "_context"), NEEDS_ESTABLISHED, ids=[a[0] for a in NEEDS_ESTABLISHED]
    )
    def test_call_not_established_is_400(
        self, h: Harness, action: str, body: dict[str, Any] | None, _context: bool
    ) -> None:
        call = h.create_call(group_body(USER1, USER2), app=TEST_BOT)
        response = h.action(call["id"], action, body, app=TEST_BOT)
        assert_error(response, 400, BAD_REQUEST)
        incoming = h.place_incoming(toAppId=TEST_BOT)
        assert_error(h.action(incoming["id"], action, body, app=TEST_BOT), 400, BAD_REQUEST)

    @pytest.mark.parametrize(("action", "body", "_context"), ACTIONS, ids=ACTION_IDS)
    def test_another_apps_or_tenants_call_is_404(
        self, h: Harness, action: str, body: dict[str, Any] | None, _context: bool
    ) -> None:
        call = h.establish_group(USER1, USER2)
        other_app = h.action(call["id"], action, body, app=CALLING_BOT)
        assert_error(other_app, 404, "itemNotFound")
        theirs = h.establish_p2p()
        other_tenant = h.client.post(
            f"{CALLS}/{theirs['id']}/{action}",
            json=body if body is not None else {},
            headers=h.auth(app=CALLING_BOT, tenant=FABRIKAM),
        )
        assert_error(other_tenant, 404, "itemNotFound")
        assert_error(h.action("no-such-call", action, body), 404, "itemNotFound")

    @pytest.mark.parametrize(("action", "body", "_context"), ACTIONS, ids=ACTION_IDS)
    def test_ended_call_is_404(
        self, h: Harness, action: str, body: dict[str, Any] | None, _context: bool
    ) -> None:
        call = h.establish_group(USER1, USER2)
        h.delete(f"{CALLS}/{call['id']}", app=TEST_BOT)
        h.advance(h.rt.settings.terminate_delay_seconds)
        assert_error(h.action(call["id"], action, body, app=TEST_BOT), 404, "itemNotFound")

    @pytest.mark.parametrize(("action", "body", "_context"), ACTIONS, ids=ACTION_IDS)
    def test_delegated_tokens_are_refused(
        self, h: Harness, action: str, body: dict[str, Any] | None, _context: bool
    ) -> None:
        call = h.establish_p2p()
        response = h.client.post(
            f"{CALLS}/{call['id']}/{action}",
            json=body if body is not None else {},
            headers=h.auth(user="john@contoso.com"),
        )
        assert_error(response, 403, "accessDenied")
