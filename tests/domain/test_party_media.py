"""Party scripts, DTMF and recordResponse's closing rules, without I/O."""

from __future__ import annotations

import base64
import io
import wave
from typing import Any

import pytest

from callboard.domain.call_media import (
    ActiveRecording,
    CallMedia,
    MediaPrompt,
    Speech,
    key_of,
    parse_keys,
)
from callboard.domain.calls import Call, CallKind, CallResource, CallState
from callboard.domain.directory import Behaviour
from callboard.domain.events import ToneReceived
from callboard.domain.party_scripts import PartyAction, PartyStep, live_step, parse_script
from callboard.domain.recordings import (
    BEEP_SECONDS,
    SAMPLE_RATE,
    CompletionReason,
    RecordResponse,
    closing,
    parse_wav,
    render_wav,
    seconds_param,
)
from callboard.errors import BadRequest, InvalidStateTransition


def _wav(seconds: float, rate: int = 8000) -> str:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x10\x00" * int(seconds * rate))
    return base64.b64encode(out.getvalue()).decode()


class TestScripts:
    def test_a_script_parses_into_timed_steps(self) -> None:
        script = parse_script(
            [
                {"afterSeconds": 2, "pressKeys": "1"},
                {"afterSeconds": 1, "speak": {"seconds": 3}},
                {"afterSeconds": 0.5, "hold": True},
                {"unhold": True},
                {"afterSeconds": 30, "hangUp": True},
            ]
        )
        assert [(t.after_seconds, t.step.action) for t in script] == [
            (2, PartyAction.PRESS_KEYS),
            (1, PartyAction.SPEAK),
            (0.5, PartyAction.HOLD),
            (0, PartyAction.UNHOLD),
            (30, PartyAction.HANG_UP),
        ]
        assert script[0].step.keys == "1"
        assert script[1].step.seconds == 3

    def test_speaking_a_wav_lasts_as_long_as_the_wav(self) -> None:
        [timed] = parse_script([{"speak": {"wav": _wav(1.5)}}])
        assert timed.step.seconds == pytest.approx(1.5)
        assert timed.step.wav is not None

    @pytest.mark.parametrize(
        "script",
        [
            "not a list",
            [{"afterSeconds": -1, "hangUp": True}],
            [{"afterSeconds": 1}],
            [{"pressKeys": "1", "hangUp": True}],
            [{"pressKeys": "1x"}],
            [{"pressKeys": ""}],
            [{"speak": {}}],
            [{"speak": {"seconds": 0}}],
            [{"speak": {"wav": "not base64!"}}],
            [{"speak": {"wav": base64.b64encode(b"RIFF....").decode()}}],
            [{"hangUp": False}],
            [{"dance": True}],
            [{"hangUp": True}] * 101,
        ],
    )
    def test_bad_scripts_are_400(self, script: Any) -> None:
        with pytest.raises(BadRequest):
            parse_script(script)

    def test_a_behaviour_carries_its_script_and_transfer_answer(self) -> None:
        document = {"response": "answer", "script": [{"afterSeconds": 2, "pressKeys": "1"}]}
        behaviour = Behaviour.parse({**document, "transfer": "refuse"})
        assert behaviour.script[0].step == PartyStep(PartyAction.PRESS_KEYS, keys="1")
        assert behaviour.to_dict()["script"] == [{"afterSeconds": 2.0, "pressKeys": "1"}]
        assert behaviour.to_dict()["transfer"] == "refuse"
        assert "script" not in Behaviour.parse({}).to_dict()
        with pytest.raises(BadRequest):
            Behaviour.parse({"transfer": "maybe"})

    def test_live_steps_check_their_parameters(self) -> None:
        assert live_step("pressKeys", "1#", None) == PartyStep(PartyAction.PRESS_KEYS, keys="1#")
        assert live_step("speak", None, 2).seconds == 2
        assert live_step("hold", None, None).action is PartyAction.HOLD
        for action, tones, seconds in [
            ("shout", None, None),
            ("pressKeys", None, None),
            ("speak", None, None),
            ("hangUp", "1", None),
            ("answer", None, 1),
        ]:
            with pytest.raises(BadRequest):
                live_step(action, tones, seconds)


class TestDtmf:
    def test_keys_and_tones(self) -> None:
        assert parse_keys("12*#ad") == "12*#AD"
        with pytest.raises(BadRequest):
            parse_keys("1e")
        assert [key_of(t) for t in ("#", "pound", "tone1", "star", "a")] == [
            "#",
            "#",
            "1",
            "*",
            "A",
        ]
        with pytest.raises(BadRequest):
            key_of("tone10")

    def _call(self) -> Call:
        call = Call.place_outgoing(
            id="c",
            tenant_id="t",
            app_id="a",
            api_version="v1.0",
            kind=CallKind.PEER_TO_PEER,
            resource=CallResource.parse(
                {"targets": [], "myParticipantId": "bot", "callbackUri": "https://x"}
            ),
            now=0,
        )
        call.state = CallState.ESTABLISHED
        call.events.clear()
        return call

    def test_tones_are_told_only_after_subscribing_in_sequence(self) -> None:
        call = self._call()
        call.party_pressed("p", "1", 1.0)
        assert call.events == []
        call.subscribe_to_tone()
        call.party_pressed("p", "2#", 2.0)
        call.party_pressed("p", "*", 3.0)
        assert call.events == [
            ToneReceived(1, "tone2"),
            ToneReceived(2, "pound"),
            ToneReceived(3, "star"),
        ]
        assert [(d.keys, d.at) for d in call.media.dtmf] == [("1", 1.0), ("2#", 2.0), ("*", 3.0)]

    def test_a_stop_tone_counts_once_the_window_is_open(self) -> None:
        call = self._call()
        call.start_recording(ActiveRecording("op", 5.0, 5, 5, 5, ("#",)))
        assert not call.party_pressed("p", "#", 4.0)
        assert not call.party_pressed("p", "1", 6.0)
        assert call.party_pressed("p", "1#", 6.0)
        with pytest.raises(InvalidStateTransition):
            call.start_recording(ActiveRecording("op2", 5.0, 5, 5, 5))

    def test_hold_and_unhold(self) -> None:
        call = self._call()
        call.party_held("p")
        assert call.state is CallState.HOLD
        with pytest.raises(InvalidStateTransition):
            call.party_held("p")
        call.party_unheld()
        assert call.state is CallState.ESTABLISHED
        with pytest.raises(InvalidStateTransition):
            call.party_unheld()

    def test_history_is_stamped_when_saved(self) -> None:
        media = CallMedia()
        media.record_state("establishing")
        media.stamp(1.0)
        media.record_state("established")
        media.record_state("established")
        media.stamp(2.0)
        assert [(c.state, c.at) for c in media.history] == [
            ("establishing", 1.0),
            ("established", 2.0),
        ]
        assert CallMedia.from_document(media.to_document()) == media


class TestRecordingRules:
    REC = ActiveRecording("op", opens_at=10.0, initial_silence=3, max_silence=2, max_duration=20)

    def test_silence_from_the_start(self) -> None:
        assert closing(self.REC, []) == closing(self.REC, [Speech("p", 14, 15)])
        assert closing(self.REC, []).at == 13
        assert closing(self.REC, []).reason is CompletionReason.INITIAL_SILENCE_TIMEOUT

    def test_speech_before_the_window_does_not_count(self) -> None:
        assert closing(self.REC, [Speech("p", 1, 5)]).reason is (
            CompletionReason.INITIAL_SILENCE_TIMEOUT
        )

    def test_silence_after_speech(self) -> None:
        result = closing(self.REC, [Speech("p", 11, 13), Speech("p", 14, 15), Speech("p", 20, 21)])
        assert (result.at, result.reason) == (17, CompletionReason.MAX_SILENCE_TIMEOUT)

    def test_speech_past_the_maximum(self) -> None:
        result = closing(self.REC, [Speech("p", 9, 40)])
        assert (result.at, result.reason) == (30, CompletionReason.MAX_RECORD_DURATION_REACHED)

    def test_initial_silence_longer_than_the_maximum(self) -> None:
        rec = ActiveRecording("op", 0.0, initial_silence=10, max_silence=1, max_duration=5)
        assert closing(rec, []).reason is CompletionReason.MAX_RECORD_DURATION_REACHED

    def test_timer_limits(self) -> None:
        assert seconds_param(None, "x") == 5
        assert seconds_param(120, "x") == 120
        for bad in (0, 121, -1):
            with pytest.raises(BadRequest):
                seconds_param(bad, "x")

    def test_a_request_checks_its_prompt_timers_and_stop_tones(self) -> None:
        prompt = MediaPrompt.parse({"mediaInfo": {"uri": "https://x/a.wav"}, "x": 1})
        timers = RecordResponse(
            prompts=(prompt,), max_duration=30, stop_tones=("#", "pound", "tone1", "a")
        ).timers()
        assert (timers.initial_silence, timers.max_silence, timers.max_duration) == (5, 5, 30)
        assert timers.stop_tones == ("#", "#", "1", "A")
        assert prompt.echo == {"mediaInfo": {"uri": "https://x/a.wav"}, "x": 1}

    @pytest.mark.parametrize(
        ("request_", "names"),
        [
            (
                RecordResponse(prompts=(MediaPrompt.parse({"mediaInfo": {"uri": "u"}}),) * 2),
                "at most",
            ),
            (RecordResponse(prompts=(MediaPrompt.parse({"mediaInfo": {}}),)), r"prompts\[0\]"),
            (RecordResponse(initial_silence=0), "initialSilenceTimeoutInSeconds"),
            (RecordResponse(max_silence=121), "maxSilenceTimeoutInSeconds"),
            (RecordResponse(max_duration=-1), "maxRecordDurationInSeconds"),
            (RecordResponse(stop_tones=("x",)), "not a DTMF tone"),
        ],
    )
    def test_a_request_breaking_a_rule_is_400(self, request_: RecordResponse, names: str) -> None:
        with pytest.raises(BadRequest, match=names):
            request_.timers()

    def test_the_lead_in_is_the_prompts_and_the_beep(self) -> None:
        prompt = MediaPrompt.parse({"mediaInfo": {"uri": "u"}})
        assert RecordResponse(prompts=(prompt,)).lead_in(1.0) == 1.0 + BEEP_SECONDS
        assert RecordResponse(play_beep=False).lead_in(1.0) == 0.0

    def test_the_wav_holds_the_speech(self) -> None:
        content = render_wav(10.0, 12.0, [Speech("p", 10.5, 11.0), Speech("p", 11.5, 20, _wav(1))])
        with wave.open(io.BytesIO(content)) as reader:
            assert (reader.getnchannels(), reader.getsampwidth()) == (1, 2)
            assert reader.getframerate() == SAMPLE_RATE
            frames = reader.readframes(reader.getnframes())
        samples = [
            int.from_bytes(frames[i : i + 2], "little", signed=True)
            for i in range(0, len(frames), 2)
        ]
        assert len(samples) == 2 * SAMPLE_RATE
        assert not any(samples[: SAMPLE_RATE // 2])  # silence first
        assert any(samples[SAMPLE_RATE // 2 : SAMPLE_RATE])  # the generated tone
        assert set(samples[3 * SAMPLE_RATE // 2 :]) == {16}  # the configured WAV, resampled
        raw, seconds = parse_wav(_wav(0.25, 16000))
        assert seconds == 0.25 and raw.startswith(b"RIFF")
