"""Scripted parties: a behaviour's timed steps (keys, speech, hold, hang-up) on the virtual
clock, from the admin API and the directory; and the IVR example of docs/simulation.md."""

from __future__ import annotations

import base64
import io
import wave
from typing import Any

import pytest

from tests.api.calling import (
    BAD_REQUEST,
    CALLS,
    JOHN,
    USER1,
    Harness,
    assert_error,
    p2p_body,
)

G = "#microsoft.graph."
MENU = {
    "@odata.type": G + "mediaPrompt",
    "mediaInfo": {"uri": "https://cdn.contoso.com/menu.wav", "resourceId": "menu"},
}
SERVICE_MEDIA = {"@odata.type": G + "serviceHostedMediaConfig"}


def tones(h: Harness, call_id: str) -> list[str]:
    return [
        n["resourceData"]["toneInfo"]["tone"]
        for n in h.notes(call_id)
        if "toneInfo" in n["resourceData"]
    ]


def record_notes(h: Harness, call_id: str) -> list[dict[str, Any]]:
    return [
        n["resourceData"]
        for n in h.operation_notes(call_id)
        if n["resourceData"]["@odata.type"] == G + "recordOperation"
    ]


def test_a_callee_follows_its_script(h: Harness) -> None:
    h.set_behaviour(
        JOHN,
        script=[
            {"afterSeconds": 2, "pressKeys": "1"},
            {"afterSeconds": 1, "hold": True},
            {"afterSeconds": 1, "unhold": True},
            {"afterSeconds": 1, "pressKeys": "#"},
            {"afterSeconds": 30, "hangUp": True},
        ],
    )
    call = h.establish_p2p()
    assert h.action(call["id"], "subscribeToTone", {}).status_code == 200
    h.advance(2)
    assert tones(h, call["id"]) == ["tone1"]
    h.advance(1)
    assert h.call(call["id"])["state"] == "hold"
    h.advance(1)
    assert h.call(call["id"])["state"] == "established"
    h.advance(1)
    assert tones(h, call["id"]) == ["tone1", "pound"]
    h.advance(30 - 0.1)
    assert h.call(call["id"])["state"] == "established"
    h.advance(0.1)
    assert h.changes(call["id"])[-1] == ("deleted", "terminated")


def test_each_step_is_a_durable_job(h: Harness) -> None:
    h.set_behaviour(JOHN, script=[{"afterSeconds": 5, "pressKeys": "1"}, {"hangUp": True}])
    h.establish_p2p()
    pending = h.client.get("/_callboard/jobs", params={"status": "pending"}).json()["value"]
    actions = [j["payload"]["action"] for j in pending if j["kind"] == "call.progress"]
    assert actions.count("partyStep") == 1
    assert actions.count("hangUp") == 1


def test_a_caller_follows_its_script_once_answered(h: Harness) -> None:
    h.set_behaviour(JOHN, script=[{"afterSeconds": 1, "pressKeys": "7"}, {"hangUp": True}])
    call = h.place_incoming()
    h.run_jobs()
    h.advance(60)  # nothing happens before the bot answers... then the call times out
    assert h.ended(call["id"])["state"] == "terminated"

    call = h.place_incoming()
    h.run_jobs()
    answer = {"callbackUri": "https://bot.contoso.com/a", "mediaConfig": SERVICE_MEDIA}
    assert h.action(call["id"], "answer", answer).status_code == 202
    h.advance(h.connect_delay)
    assert h.action(call["id"], "subscribeToTone", {}).status_code == 200
    h.advance(1)
    assert tones(h, call["id"]) == ["tone7"]
    assert h.ended(call["id"])["state"] == "terminated"


def test_the_directory_file_carries_scripts(h: Harness) -> None:
    document = h.directory()
    john = next(u for u in document["users"] if u["id"] == JOHN)
    john["behaviour"] = {"script": [{"afterSeconds": 1, "hangUp": True}]}
    h.put_directory(document)
    call = h.establish_p2p()
    h.advance(1)
    assert h.ended(call["id"])["state"] == "terminated"
    # A bad script in the directory is refused like any invalid directory.
    john["behaviour"] = {"script": [{"afterSeconds": 1}]}
    response = h.client.put("/_callboard/directory", json=document)
    assert_error(response, 400, BAD_REQUEST)


def test_a_spoken_wav_is_what_the_recording_holds(h: Harness) -> None:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes((1234).to_bytes(2, "little", signed=True) * 16000)
    wav = base64.b64encode(out.getvalue()).decode()
    h.set_behaviour(JOHN, script=[{"afterSeconds": 1, "speak": {"wav": wav}}])
    call = h.establish_p2p()
    body = {"playBeep": False, "maxSilenceTimeoutInSeconds": 1, "maxRecordDurationInSeconds": 5}
    assert h.action(call["id"], "recordResponse", body).status_code == 200
    h.advance(1 + 1 + 1)
    [done] = record_notes(h, call["id"])
    assert done["completionReason"] == "maxSilenceTimeout"
    got = h.client.get(
        done["recordingLocation"],
        headers={"Authorization": f"Bearer {done['recordingAccessToken']}"},
    )
    with wave.open(io.BytesIO(got.content)) as reader:
        frames = reader.readframes(reader.getnframes())
    samples = [
        int.from_bytes(frames[i : i + 2], "little", signed=True) for i in range(0, len(frames), 2)
    ]
    assert samples[:16000] == [0] * 16000  # a second of silence, then the WAV
    assert set(samples[16000:32000]) == {1234}


@pytest.mark.parametrize(
    "script",
    [
        [{"afterSeconds": 1}],
        [{"pressKeys": "x"}],
        [{"speak": {"seconds": -1}}],
        [{"hangUp": True, "hold": True}],
        "press one",
    ],
)
def test_bad_scripts_are_400(h: Harness, script: Any) -> None:
    response = h.client.put(f"/_callboard/behaviours/{JOHN}", json={"script": script})
    assert_error(response, 400, BAD_REQUEST)
    assert h.client.get("/_callboard/behaviours").json() == {"value": {}}


def test_ivr_example(h: Harness) -> None:
    """docs/simulation.md's IVR example: the bot plays its menu and subscribes to tones; the
    caller presses 2; the bot records the caller's message, fetches it, and transfers the
    caller to an agent."""
    h.set_behaviour(
        JOHN,
        script=[
            {"afterSeconds": 2, "pressKeys": "2"},
            {"afterSeconds": 3, "speak": {"seconds": 4}},
        ],
    )
    call = h.place_incoming(subject="Support line")
    h.run_jobs()
    call_id = call["id"]
    # The bot answers, and once established plays its menu and listens for keys.
    answer = {"callbackUri": "https://bot.contoso.com/ivr", "mediaConfig": SERVICE_MEDIA}
    assert h.action(call_id, "answer", answer).status_code == 202
    h.advance(h.connect_delay)
    assert h.call(call_id)["state"] == "established"
    assert h.action(call_id, "playPrompt", {"prompts": [MENU]}).status_code == 200
    assert h.action(call_id, "subscribeToTone", {}).status_code == 200

    # The caller presses 2: the bot hears it and asks for a message.
    h.advance(2)
    assert tones(h, call_id) == ["tone2"]
    record = {
        "prompts": [MENU],
        "maxRecordDurationInSeconds": 30,
        "maxSilenceTimeoutInSeconds": 2,
        "stopTones": ["#"],
    }
    assert h.action(call_id, "recordResponse", record).status_code == 200

    # The caller speaks 4 s, then is silent: 2 s later the recording is done.
    h.advance(3 + 4 + 2)
    [done] = record_notes(h, call_id)
    assert (done["status"], done["completionReason"]) == ("Completed", "maxSilenceTimeout")
    wav = h.client.get(
        done["recordingLocation"],
        headers={"Authorization": f"Bearer {done['recordingAccessToken']}"},
    )
    assert wav.status_code == 200 and wav.content.startswith(b"RIFF")

    # Last step: transfer the caller to an agent, who answers; the bot's call then ends.
    transfer = {
        "transferTarget": {
            "@odata.type": G + "invitationParticipantInfo",
            "endpointType": "default",
            "identity": {"@odata.type": G + "identitySet", "user": {"id": USER1}},
        }
    }
    response = h.post(f"{CALLS}/{call_id}/transfer", transfer)
    assert response.status_code == 202, response.text
    h.run_jobs()
    assert h.changes(call_id)[-1] == ("updated", "transferring")
    h.advance(h.connect_delay)  # the agent's phone rings
    h.advance(h.answer_delay)  # and the agent answers
    h.advance(h.rt.settings.terminate_delay_seconds)
    assert h.changes(call_id)[-3:] == [
        ("updated", "transferring"),
        ("updated", "transferAccepted"),
        ("deleted", "terminated"),
    ]
    assert h.ended(call_id)["state"] == "terminated"


def test_scripts_do_not_run_for_a_callee_that_never_answers(h: Harness) -> None:
    h.set_behaviour(JOHN, response="decline", script=[{"pressKeys": "1"}])
    call = h.create_call(p2p_body())
    h.run_jobs()
    h.advance(h.connect_delay)
    h.advance(60)
    assert h.ended(call["id"])["state"] == "terminated"
    assert tones(h, call["id"]) == []
