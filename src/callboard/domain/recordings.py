"""recordResponse's rules: its parameters and their limits, when a recording closes and why,
and the WAV file it produces from what the simulated party said.

A recording's window opens after its prompt and beep. Then:

- nobody speaks within ``initialSilenceTimeoutInSeconds``: it fails, ``initialSilenceTimeout``;
- the party speaks, then stays silent ``maxSilenceTimeoutInSeconds``: ``maxSilenceTimeout``;
- the window reaches ``maxRecordDurationInSeconds``: ``maxRecordDurationReached`` (200/8515);
- the party presses a stop tone: ``stopToneDetected``, at once;
- cancelMediaProcessing: it fails, ``operationCanceled`` (400/8508).

Completion reasons are the members of Graph's ``recordCompletionReason``.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import sys
import wave
from array import array
from dataclasses import dataclass
from enum import StrEnum

from callboard.domain import results
from callboard.domain.call_media import (
    ActiveRecording,
    MediaPrompt,
    Speech,
    key_of,
    require_playable,
)
from callboard.domain.results import ResultInfo
from callboard.errors import BadRequest

# Graph's documented limits of the three timers (seconds), and their default.
MIN_SECONDS = 1
MAX_SECONDS = 120
DEFAULT_SECONDS = 5
MAX_PROMPTS = 1
MAX_CLIENT_CONTEXT = 256
# The beep before the window opens (playBeep), and each prompt's simulated length.
BEEP_SECONDS = 0.5
# The recording's format: 16 kHz, mono, 16-bit PCM.
SAMPLE_RATE = 16_000
# A configured WAV is at most this large (it travels in scripts and jobs).
MAX_WAV_BYTES = 512 * 1024


class CompletionReason(StrEnum):
    OPERATION_CANCELED = "operationCanceled"
    STOP_TONE_DETECTED = "stopToneDetected"
    MAX_RECORD_DURATION_REACHED = "maxRecordDurationReached"
    INITIAL_SILENCE_TIMEOUT = "initialSilenceTimeout"
    MAX_SILENCE_TIMEOUT = "maxSilenceTimeout"


# 8515 and 8508 are Graph's documented results; the others are Callboard's choice
# (docs/simulation.md).
RESULTS: dict[CompletionReason, ResultInfo] = {
    CompletionReason.OPERATION_CANCELED: results.MEDIA_CANCELLED,
    CompletionReason.STOP_TONE_DETECTED: results.result_info(
        200, 0, "Action completed, stop tone detected."
    ),
    CompletionReason.MAX_RECORD_DURATION_REACHED: results.result_info(
        200, 8515, "Action completed, max record duration reached."
    ),
    CompletionReason.INITIAL_SILENCE_TIMEOUT: results.result_info(
        400, 8510, "Action failed, no speech was detected before the initial silence timeout."
    ),
    CompletionReason.MAX_SILENCE_TIMEOUT: results.result_info(
        200, 0, "Action completed, silence detected."
    ),
}
# The reasons that leave a recording (the others fail the operation).
RECORDED = frozenset(
    {
        CompletionReason.STOP_TONE_DETECTED,
        CompletionReason.MAX_RECORD_DURATION_REACHED,
        CompletionReason.MAX_SILENCE_TIMEOUT,
    }
)


def seconds_param(value: int | None, name: str) -> int:
    if value is None:
        return DEFAULT_SECONDS
    if not MIN_SECONDS <= value <= MAX_SECONDS:
        raise BadRequest(f"{name} must be between {MIN_SECONDS} and {MAX_SECONDS} seconds.")
    return value


@dataclass(frozen=True)
class RecordTimers:
    """A recordResponse's checked timers (seconds) and stop tones (as keys)."""

    initial_silence: int
    max_silence: int
    max_duration: int
    stop_tones: tuple[str, ...]


@dataclass(frozen=True)
class RecordResponse:
    """``call: recordResponse`` as asked (the timers unchecked: ``timers`` checks them)."""

    prompts: tuple[MediaPrompt, ...] = ()
    barge_in_allowed: bool = False
    initial_silence: int | None = None
    max_silence: int | None = None
    max_duration: int | None = None
    play_beep: bool = True
    stop_tones: tuple[str, ...] = ()
    client_context: str | None = None

    def timers(self) -> RecordTimers:
        """The prompts are playable and at most ``MAX_PROMPTS``, each timer within Graph's
        limits (its default when not given), each stop tone a DTMF tone; else a 400 naming
        the first rule broken, in this order."""
        if len(self.prompts) > MAX_PROMPTS:
            raise BadRequest(f"recordResponse plays at most {MAX_PROMPTS} prompt.")
        require_playable(self.prompts)
        return RecordTimers(
            initial_silence=seconds_param(self.initial_silence, "initialSilenceTimeoutInSeconds"),
            max_silence=seconds_param(self.max_silence, "maxSilenceTimeoutInSeconds"),
            max_duration=seconds_param(self.max_duration, "maxRecordDurationInSeconds"),
            stop_tones=tuple(key_of(tone) for tone in self.stop_tones),
        )

    def lead_in(self, prompt_seconds: float) -> float:
        """How long its prompts and beep play before the window opens."""
        return prompt_seconds * len(self.prompts) + (BEEP_SECONDS if self.play_beep else 0.0)


@dataclass(frozen=True)
class Closing:
    at: float
    reason: CompletionReason


def closing(recording: ActiveRecording, speech: list[Speech]) -> Closing:
    """When the recording closes, and why, given what was said so far (more speech later
    may move it on: the caller re-checks whenever speech starts)."""
    opens = recording.opens_at
    limit = opens + recording.max_duration
    segments = sorted(
        (max(s.start, opens), s.end) for s in speech if s.end > opens and s.start < limit
    )
    first_allowed = opens + recording.initial_silence
    if not segments or segments[0][0] >= first_allowed:
        if first_allowed >= limit:
            return Closing(limit, CompletionReason.MAX_RECORD_DURATION_REACHED)
        return Closing(first_allowed, CompletionReason.INITIAL_SILENCE_TIMEOUT)
    speech_end = segments[0][1]
    for start, end in segments[1:]:
        if start > speech_end + recording.max_silence:
            break
        speech_end = max(speech_end, end)
    silence_at = speech_end + recording.max_silence
    if silence_at < limit:
        return Closing(silence_at, CompletionReason.MAX_SILENCE_TIMEOUT)
    return Closing(limit, CompletionReason.MAX_RECORD_DURATION_REACHED)


def parse_wav(data: str, name: str = "wav") -> tuple[bytes, float]:
    """A configured WAV (base64): its bytes and length in seconds; 400 unless it is a
    mono or stereo 16-bit PCM WAV file of at most MAX_WAV_BYTES."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"{name} must be a base64-encoded WAV file.") from None
    if len(raw) > MAX_WAV_BYTES:
        raise BadRequest(f"{name} is larger than {MAX_WAV_BYTES} bytes.")
    try:
        with wave.open(io.BytesIO(raw)) as reader:
            if reader.getsampwidth() != 2 or reader.getnchannels() not in (1, 2):
                raise BadRequest(f"{name} must be 16-bit PCM, mono or stereo.")
            return raw, reader.getnframes() / reader.getframerate()
    except (wave.Error, EOFError):
        raise BadRequest(f"{name} is not a WAV file.") from None


def _samples_of(wav: bytes) -> array[int]:
    """A configured WAV's first channel at SAMPLE_RATE (nearest sample: it is a test tool)."""
    with wave.open(io.BytesIO(wav)) as reader:
        channels, rate = reader.getnchannels(), reader.getframerate()
        frames = reader.readframes(reader.getnframes())
    values = array("h")
    values.frombytes(frames)
    if sys.byteorder == "big":
        values.byteswap()
    mono = values[::channels]
    if rate == SAMPLE_RATE or not mono:
        return mono
    count = int(len(mono) * SAMPLE_RATE / rate)
    return array("h", (mono[min(i * rate // SAMPLE_RATE, len(mono) - 1)] for i in range(count)))


# One period of the generated voice: 400 Hz, a whole number of samples at SAMPLE_RATE.
_TONE = array(
    "h",
    (
        int(8000 * math.sin(2 * math.pi * i / (SAMPLE_RATE // 400)))
        for i in range(SAMPLE_RATE // 400)
    ),
)


def render_wav(start: float, end: float, speech: list[Speech]) -> bytes:
    """The WAV of a recording window: silence, with each speech segment in it as its
    configured WAV or, if none, a 400 Hz tone."""
    total = max(int(round((end - start) * SAMPLE_RATE)), 0)
    samples = array("h", bytes(2 * total))
    for segment in speech:
        begins = int(round((segment.start - start) * SAMPLE_RATE))
        first = max(begins, 0)
        last = min(int(round((segment.end - start) * SAMPLE_RATE)), total)
        if first >= last:
            continue
        if segment.wav is not None:
            voice = _samples_of(base64.b64decode(segment.wav))[first - begins : last - begins]
        else:
            repeats = (last - first) // len(_TONE) + 2
            voice = (_TONE * repeats)[first % len(_TONE) :][: last - first]
        samples[first : first + len(voice)] = voice
    if sys.byteorder == "big":
        samples.byteswap()
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(SAMPLE_RATE)
        writer.writeframes(samples.tobytes())
    return out.getvalue()
