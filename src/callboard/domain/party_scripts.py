"""What a simulated party does once it is in a call: one step (press keys, speak, hang up,
hold, unhold, answer, decline), and the timed script of steps a behaviour may carry.

A script is a list of steps, each ``afterSeconds`` after the previous one (the first: after
the party answered or, for a caller, after the bot answered)::

    [{"afterSeconds": 2, "pressKeys": "1"},
     {"afterSeconds": 1, "speak": {"seconds": 3}},
     {"afterSeconds": 30, "hangUp": true}]

Scripts and live party actions become the same ``PartyStep``, run by the same domain path.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from callboard.domain.call_media import parse_keys
from callboard.domain.recordings import MAX_SECONDS, parse_wav
from callboard.errors import BadRequest
from callboard.json_types import JsonObject

# A script holds at most this many steps (each is a job).
MAX_STEPS = 100
MAX_AFTER_SECONDS = 24 * 3600


class PartyAction(StrEnum):
    PRESS_KEYS = "pressKeys"
    SPEAK = "speak"
    HANG_UP = "hangUp"
    ANSWER = "answer"
    DECLINE = "decline"
    HOLD = "hold"
    UNHOLD = "unhold"


class TransferAnswer(StrEnum):
    """What a party does when the bot transfers it (read by the transfer's simulation)."""

    ACCEPT = "accept"
    REFUSE = "refuse"


@dataclass(frozen=True)
class PartyStep:
    action: PartyAction
    keys: str | None = None
    seconds: float | None = None
    # speak: a WAV file (base64) the party plays instead of a generated tone.
    wav: str | None = None

    def to_payload(self) -> JsonObject:
        payload: JsonObject = {"action": self.action.value}
        for name in ("keys", "seconds", "wav"):
            if getattr(self, name) is not None:
                payload[name] = getattr(self, name)
        return payload

    @classmethod
    def from_payload(cls, data: JsonObject) -> PartyStep:
        return cls(
            PartyAction(data["action"]), data.get("keys"), data.get("seconds"), data.get("wav")
        )


@dataclass(frozen=True)
class TimedStep:
    after_seconds: float
    step: PartyStep


Seconds = Annotated[float, Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False)]


class _Speak(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: Seconds | None = None
    wav: str | None = None

    @model_validator(mode="after")
    def _something_said(self) -> Self:
        if self.seconds is None and self.wav is None:
            raise ValueError("speak needs seconds, a wav (base64), or both")
        return self


class _ScriptStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    afterSeconds: Annotated[float, Field(ge=0, le=MAX_AFTER_SECONDS, allow_inf_nan=False)] = 0
    pressKeys: str | None = None
    speak: _Speak | None = None
    hangUp: Literal[True] | None = None
    hold: Literal[True] | None = None
    unhold: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Self:
        chosen = [n for n in ("pressKeys", "speak", "hangUp", "hold", "unhold") if getattr(self, n)]
        if len(chosen) != 1:
            raise ValueError("each step has exactly one of pressKeys, speak, hangUp, hold, unhold")
        return self


class _Script(BaseModel):
    steps: Annotated[list[_ScriptStep], Field(max_length=MAX_STEPS)]


def _speak_step(seconds: float | None, wav: str | None, name: str) -> PartyStep:
    if wav is not None:
        _, length = parse_wav(wav, f"{name}.wav")
        seconds = seconds if seconds is not None else length
    if seconds is None or seconds <= 0:
        raise BadRequest(f"{name}: speak needs a positive number of seconds.")
    return PartyStep(PartyAction.SPEAK, seconds=min(float(seconds), MAX_SECONDS), wav=wav)


def parse_script(data: Any) -> tuple[TimedStep, ...]:
    """A behaviour's ``script``; 400 with the first problem if it is not valid."""
    try:
        script = _Script(steps=data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"][1:])
        raise BadRequest(f"script[{where}]: {error['msg']}.") from None
    steps = []
    for index, raw in enumerate(script.steps):
        name = f"script[{index}]"
        if raw.pressKeys is not None:
            step = PartyStep(PartyAction.PRESS_KEYS, keys=parse_keys(raw.pressKeys, name))
        elif raw.speak is not None:
            step = _speak_step(raw.speak.seconds, raw.speak.wav, f"{name}.speak")
        elif raw.hangUp:
            step = PartyStep(PartyAction.HANG_UP)
        elif raw.hold:
            step = PartyStep(PartyAction.HOLD)
        else:
            step = PartyStep(PartyAction.UNHOLD)
        steps.append(TimedStep(float(raw.afterSeconds), step))
    return tuple(steps)


def script_document(script: tuple[TimedStep, ...]) -> list[JsonObject]:
    """The script as written (what the admin API shows back)."""
    out: list[JsonObject] = []
    for timed in script:
        step = timed.step
        body: JsonObject = {"afterSeconds": timed.after_seconds}
        match step.action:
            case PartyAction.PRESS_KEYS:
                body["pressKeys"] = step.keys
            case PartyAction.SPEAK:
                speak: JsonObject = {"seconds": step.seconds}
                if step.wav is not None:
                    speak["wav"] = step.wav
                body["speak"] = speak
            case _:
                body[step.action.value] = True
        out.append(body)
    return out


def live_step(action: str, tones: str | None, seconds: float | None) -> PartyStep:
    """A live party action (the admin API's party-actions): the step it runs; 400 if its
    parameters do not fit the action."""
    try:
        kind = PartyAction(action)
    except ValueError:
        allowed = ", ".join(a.value for a in PartyAction)
        raise BadRequest(f"action must be one of: {allowed}.") from None
    if kind is PartyAction.PRESS_KEYS:
        if tones is None:
            raise BadRequest('pressKeys needs tones, e.g. "12#".')
        if seconds is not None:
            raise BadRequest("seconds is for speak, not pressKeys.")
        return PartyStep(kind, keys=parse_keys(tones))
    if tones is not None:
        raise BadRequest(f"tones is for pressKeys, not {kind.value}.")
    if kind is PartyAction.SPEAK:
        if seconds is None:
            raise BadRequest("speak needs seconds.")
        return _speak_step(seconds, None, "speak")
    if seconds is not None:
        raise BadRequest(f"seconds is for speak, not {kind.value}.")
    return PartyStep(kind)
