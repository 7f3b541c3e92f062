"""recordResponse: the running recordOperation, how it closes (silence, duration, stop tone,
cancel, the call ending), the WAV it leaves and the token that fetches it."""

from __future__ import annotations

import io
import wave
from typing import Any

import pytest

from callboard.domain.recordings import BEEP_SECONDS
from callboard.services.recording_actions import PROMPT_SECONDS
from callboard.services.recordings import TOKEN_LIFETIME_SECONDS
from tests.api.calling import (
    APP_MEDIA,
    BAD_REQUEST,
    CALLS,
    Harness,
    assert_error,
    p2p_body,
)

G = "#microsoft.graph."
BASE = "http://callboard.test"
PROMPT = {
    "@odata.type": G + "mediaPrompt",
    "mediaInfo": {"uri": "https://cdn.contoso.com/beep.wav", "resourceId": "prompt-1"},
}
LEAD_IN = PROMPT_SECONDS + BEEP_SECONDS


def record(h: Harness, call_id: str, **body: Any) -> dict[str, Any]:
    request = {"prompts": [PROMPT], "clientContext": "rec-ctx", **body}
    response = h.action(call_id, "recordResponse", request)
    assert response.status_code == 200, response.text
    operation: dict[str, Any] = response.json()
    assert operation["@odata.type"] == G + "recordOperation"
    assert operation["status"] == "Running"
    assert operation["recordingLocation"] is None
    location = f"{BASE}/v1.0/communications/calls/{call_id}/operations/{operation['id']}"
    assert response.headers["location"] == location
    return operation


def party(h: Harness, call_id: str, **body: Any) -> None:
    response = h.client.post(f"/_callboard/calls/{call_id}/party-actions", json=body)
    assert response.status_code == 202, response.text
    h.run_jobs()


def finished(h: Harness, call_id: str) -> list[dict[str, Any]]:
    return [
        n["resourceData"]
        for n in h.operation_notes(call_id)
        if n["resourceData"]["@odata.type"] == G + "recordOperation"
    ]


def fetch(h: Harness, operation: dict[str, Any], token: str | None = None) -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return h.client.get(operation["recordingLocation"], headers=headers)


def wav_seconds(content: bytes) -> float:
    with wave.open(io.BytesIO(content)) as reader:
        assert reader.getnchannels() == 1
        assert reader.getsampwidth() == 2
        return reader.getnframes() / reader.getframerate()


def test_party_speaks_then_silence_closes_the_recording(h: Harness) -> None:
    call = h.establish_p2p()
    operation = record(
        h,
        call["id"],
        maxRecordDurationInSeconds=10,
        initialSilenceTimeoutInSeconds=5,
        maxSilenceTimeoutInSeconds=2,
    )
    h.advance(LEAD_IN + 0.5)
    party(h, call["id"], action="speak", seconds=3)
    h.advance(3 + 2 - 0.1)
    assert finished(h, call["id"]) == []
    h.advance(0.1)
    [done] = finished(h, call["id"])
    assert done["id"] == operation["id"]
    assert done["status"] == "Completed"
    assert done["completionReason"] == "maxSilenceTimeout"
    assert done["clientContext"] == "rec-ctx"
    assert done["resultInfo"]["code"] == 200
    assert done["recordingLocation"].startswith(f"{BASE}/media/recordings/")
    token = done["recordingAccessToken"]
    assert token

    got = fetch(h, done, token)
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/octet-stream"
    assert wav_seconds(got.content) == pytest.approx(0.5 + 3 + 2, abs=0.01)

    # The operation reads the same; the admin view lists the recording, served without token.
    assert h.get(f"{CALLS}/{call['id']}/operations/{operation['id']}").json()["status"] == (
        "Completed"
    )
    [listed] = h.client.get(f"/_callboard/calls/{call['id']}").json()["recordings"]
    assert listed["operationId"] == operation["id"]
    assert listed["durationSeconds"] == pytest.approx(5.5)
    assert listed["contentType"] == "audio/wav"
    admin = h.client.get(listed["url"])
    assert admin.status_code == 200
    assert admin.content == got.content


def test_the_token_is_required_and_expires(h: Harness) -> None:
    call = h.establish_p2p()
    record(h, call["id"], maxRecordDurationInSeconds=3)
    h.advance(LEAD_IN)
    party(h, call["id"], action="speak", seconds=10)
    h.advance(3)
    [done] = finished(h, call["id"])
    assert done["completionReason"] == "maxRecordDurationReached"
    assert done["resultInfo"]["subcode"] == 8515
    assert_error(fetch(h, done), 401, "InvalidAuthenticationToken")
    assert_error(fetch(h, done, "wrong"), 401, "InvalidAuthenticationToken")
    assert fetch(h, done, done["recordingAccessToken"]).status_code == 200
    h.advance(TOKEN_LIFETIME_SECONDS)
    assert_error(fetch(h, done, done["recordingAccessToken"]), 401, "InvalidAuthenticationToken")
    unknown = {"recordingLocation": f"{BASE}/media/recordings/nope"}
    assert_error(fetch(h, unknown, "x"), 401, "InvalidAuthenticationToken")


def test_nobody_speaks_initial_silence_fails_it(h: Harness) -> None:
    call = h.establish_p2p()
    record(h, call["id"], initialSilenceTimeoutInSeconds=2, playBeep=False, prompts=[])
    h.advance(2)
    [done] = finished(h, call["id"])
    assert done["status"] == "Failed"
    assert done["completionReason"] == "initialSilenceTimeout"
    assert done["recordingLocation"] is None
    assert done["recordingAccessToken"] is None


def test_a_stop_tone_ends_it_at_once(h: Harness) -> None:
    call = h.establish_p2p()
    record(h, call["id"], stopTones=["#", "pound"], maxRecordDurationInSeconds=60)
    h.advance(LEAD_IN)
    party(h, call["id"], action="speak", seconds=2)
    h.advance(1)
    party(h, call["id"], action="pressKeys", tones="1")  # not a stop tone
    assert finished(h, call["id"]) == []
    party(h, call["id"], action="pressKeys", tones="#")
    [done] = finished(h, call["id"])
    assert done["status"] == "Completed"
    assert done["completionReason"] == "stopToneDetected"
    assert wav_seconds(fetch(h, done, done["recordingAccessToken"]).content) == pytest.approx(1)
    # The media queue is free again: a new recording starts at once.
    record(h, call["id"])


def test_cancel_media_processing_cancels_it(h: Harness) -> None:
    call = h.establish_p2p()
    operation = record(h, call["id"])
    h.advance(LEAD_IN)
    assert h.action(call["id"], "cancelMediaProcessing", {}).status_code == 200
    h.run_jobs()
    [done] = finished(h, call["id"])
    assert done["id"] == operation["id"]
    assert done["status"] == "Failed"
    assert done["completionReason"] == "operationCanceled"
    assert (done["resultInfo"]["code"], done["resultInfo"]["subcode"]) == (400, 8508)
    h.advance(60)
    assert len(finished(h, call["id"])) == 1


def test_it_waits_for_the_prompts_before_it(h: Harness) -> None:
    call = h.establish_p2p()
    prompt = {"prompts": [PROMPT, PROMPT]}
    assert h.action(call["id"], "playPrompt", prompt).status_code == 200
    record(h, call["id"], initialSilenceTimeoutInSeconds=1, playBeep=False)
    # Two prompts, then its own prompt, then one second of silence.
    h.advance(3 * PROMPT_SECONDS + 1 - 0.1)
    assert finished(h, call["id"]) == []
    h.advance(0.1)
    assert finished(h, call["id"])[0]["completionReason"] == "initialSilenceTimeout"


def test_barge_in_cancels_what_plays(h: Harness) -> None:
    call = h.establish_p2p()
    assert h.action(call["id"], "playPrompt", {"prompts": [PROMPT]}).status_code == 200
    record(h, call["id"], bargeInAllowed=True, playBeep=False, prompts=[])
    h.run_jobs()
    [prompt] = [
        n["resourceData"]
        for n in h.operation_notes(call["id"])
        if n["resourceData"]["@odata.type"] == G + "playPromptOperation"
    ]
    assert prompt["status"] == "Failed"


def test_the_call_ending_fails_it(h: Harness) -> None:
    call = h.establish_p2p()
    record(h, call["id"])
    party(h, call["id"], action="hangUp")
    h.advance(60)
    [done] = finished(h, call["id"])
    assert done["status"] == "Failed"


class TestRefused:
    @pytest.mark.parametrize(
        "body",
        [
            {"prompts": [PROMPT, PROMPT]},
            {"prompts": [{"mediaInfo": {}}]},
            {"initialSilenceTimeoutInSeconds": 0},
            {"maxSilenceTimeoutInSeconds": 121},
            {"maxRecordDurationInSeconds": 500},
            {"stopTones": ["x"]},
            {"clientContext": "c" * 257},
            {"playBeep": "loud"},
        ],
    )
    def test_bad_parameters_are_400(self, h: Harness, body: dict[str, Any]) -> None:
        call = h.establish_p2p()
        assert_error(h.action(call["id"], "recordResponse", body), 400, BAD_REQUEST)

    def test_app_hosted_media_is_400(self, h: Harness) -> None:
        body = p2p_body()
        body["mediaConfig"] = APP_MEDIA
        call = h.establish_p2p(body)
        assert_error(h.action(call["id"], "recordResponse", {}), 400, BAD_REQUEST)

    def test_a_second_recording_is_400(self, h: Harness) -> None:
        call = h.establish_p2p()
        record(h, call["id"])
        assert_error(h.action(call["id"], "recordResponse", {}), 400, BAD_REQUEST)

    def test_unknown_call_is_404_and_anonymous_401(self, h: Harness) -> None:
        assert_error(h.action("no-such-call", "recordResponse", {}), 404, "itemNotFound")
        response = h.client.post(f"{CALLS}/no-such-call/recordResponse", json={})
        assert_error(response, 401, "InvalidAuthenticationToken")

    def test_an_unanswered_call_is_400(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        assert_error(h.action(call["id"], "recordResponse", {}), 400, BAD_REQUEST)
