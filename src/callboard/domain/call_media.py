"""What happens on a call's media beside its state: who pressed which keys, who spoke when,
the recordings recordResponse takes, and the call's state history (the admin call detail);
and the prompts the bot asks to play (``MediaPrompt``).

``CallMedia`` is one field of the call (``CallCore.media``), stored with it; the rules that
use it are ``domain/party_rules.py`` and ``domain/recordings.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from callboard.errors import BadRequest
from callboard.json_types import JsonObject

# DTMF keys -> the members of Graph's ``tone`` enumeration (how toneInfo.tone is spelled).
TONES: dict[str, str] = {
    **{str(digit): f"tone{digit}" for digit in range(10)},
    "*": "star",
    "#": "pound",
    "A": "a",
    "B": "b",
    "C": "c",
    "D": "d",
}
KEYS_BY_TONE = {tone: key for key, tone in TONES.items()} | {"flash": "!"}


def parse_keys(keys: str, name: str = "tones") -> str:
    """``"12#"`` -> ``"12#"``, upper-cased; any other character is a 400."""
    keys = keys.upper()
    if not keys or any(key not in TONES for key in keys):
        raise BadRequest(f"{name} must be DTMF keys (0-9, *, #, A-D), at least one.")
    return keys


def key_of(tone: str) -> str:
    """A stop tone or a sendDtmfTones tone as a key: ``"#"``, ``"pound"`` and ``"tone1"``
    are all accepted (Graph's examples write stop tones as keys)."""
    if tone.upper() in TONES:
        return tone.upper()
    if tone in KEYS_BY_TONE:
        return KEYS_BY_TONE[tone]
    raise BadRequest(f"{tone!r} is not a DTMF tone.")


@dataclass(frozen=True)
class MediaPrompt:
    """A ``mediaPrompt`` as sent, and whether it names something to play (a ``mediaInfo``
    object with a ``uri``)."""

    echo: JsonObject
    playable: bool

    @classmethod
    def parse(cls, prompt: JsonObject) -> MediaPrompt:
        media_info = prompt.get("mediaInfo")
        return cls(prompt, isinstance(media_info, dict) and bool(media_info.get("uri")))


def require_playable(prompts: Sequence[MediaPrompt]) -> None:
    """Every prompt names a media file (playPrompt, recordResponse)."""
    for index, prompt in enumerate(prompts):
        if not prompt.playable:
            raise BadRequest(f"prompts[{index}] must be a mediaPrompt with mediaInfo.uri.")


@dataclass
class StateChange:
    state: str
    # Stamped by the unit of work that saves the call (the domain does not read the clock).
    at: float | None = None


@dataclass
class DtmfEntry:
    """``received``: a party pressed ``keys`` (the bot may hear them); ``sent``: the bot sent
    them with sendDtmfTones to ``party``."""

    direction: str
    party: str
    keys: str
    at: float


@dataclass
class Speech:
    """A party speaks from ``start`` to ``end``; ``wav`` is a configured WAV (base64) to
    play, else Callboard generates a tone of that length."""

    party: str
    start: float
    end: float
    wav: str | None = None


@dataclass
class ActiveRecording:
    """A recordResponse that runs: its window opens at ``opens_at`` (after its prompt and
    beep) and closes by the rules of ``domain/recordings.py``."""

    operation_id: str
    opens_at: float
    initial_silence: float
    max_silence: float
    max_duration: float
    stop_tones: tuple[str, ...] = ()
    # Where the request came in: the root of the recording's URL.
    location_base: str = ""


@dataclass
class RecordingRef:
    """A recording taken on this call (its audio is stored apart, by id)."""

    id: str
    operation_id: str
    duration_seconds: float
    at: float


@dataclass
class CallMedia:
    history: list[StateChange] = field(default_factory=list)
    dtmf: list[DtmfEntry] = field(default_factory=list)
    # toneInfo.sequenceId of the last tone the bot was told of.
    tone_sequence: int = 0
    speech: list[Speech] = field(default_factory=list)
    recording: ActiveRecording | None = None
    recordings: list[RecordingRef] = field(default_factory=list)
    # The simulated party put the bot on hold.
    held_by: str | None = None

    def record_state(self, state: str) -> None:
        if not self.history or self.history[-1].state != state:
            self.history.append(StateChange(state))

    def stamp(self, now: float) -> None:
        for change in self.history:
            if change.at is None:
                change.at = now

    def to_document(self) -> JsonObject:
        """What ``asdict`` gives, without its generic deep copy (this runs on every save):
        every record here holds only scalars and a tuple of strings."""
        recording = self.recording
        return {
            "history": [_plain(change) for change in self.history],
            "dtmf": [_plain(entry) for entry in self.dtmf],
            "tone_sequence": self.tone_sequence,
            "speech": [_plain(speech) for speech in self.speech],
            "recording": None if recording is None else _plain(recording),
            "recordings": [_plain(ref) for ref in self.recordings],
            "held_by": self.held_by,
        }

    @classmethod
    def from_document(cls, doc: JsonObject | None) -> CallMedia:
        if not doc:
            return cls()
        recording = doc.get("recording")
        return cls(
            history=[StateChange(**c) for c in doc.get("history") or []],
            dtmf=[DtmfEntry(**d) for d in doc.get("dtmf") or []],
            tone_sequence=int(doc.get("tone_sequence") or 0),
            speech=[Speech(**s) for s in doc.get("speech") or []],
            recording=None
            if recording is None
            else ActiveRecording(**{**recording, "stop_tones": tuple(recording["stop_tones"])}),
            recordings=[RecordingRef(**r) for r in doc.get("recordings") or []],
            held_by=doc.get("held_by"),
        )


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(record: Any) -> JsonObject:
    names = _FIELD_NAMES.get(type(record))
    if names is None:
        names = _FIELD_NAMES[type(record)] = tuple(f.name for f in fields(record))
    return {name: getattr(record, name) for name in names}
