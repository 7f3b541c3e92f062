"""A simulated party's steps and scripts without I/O: parsing, the document shown back,
job payloads, live actions. (The media they produce: tests/domain/test_party_media.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain.party_scripts import (
    MAX_STEPS,
    PartyAction,
    PartyStep,
    TimedStep,
    live_step,
    parse_script,
    script_document,
)
from callboard.errors import BadRequest


def test_a_script_parses_every_kind_of_step_and_reads_back_as_written() -> None:
    written: list[dict[str, Any]] = [
        {"afterSeconds": 1.0, "pressKeys": "12#"},
        {"afterSeconds": 2.0, "speak": {"seconds": 3.0}},
        {"afterSeconds": 0.0, "hold": True},
        {"afterSeconds": 0.5, "unhold": True},
        {"afterSeconds": 4.0, "hangUp": True},
    ]
    script = parse_script(written)
    assert [t.step.action for t in script] == [
        PartyAction.PRESS_KEYS,
        PartyAction.SPEAK,
        PartyAction.HOLD,
        PartyAction.UNHOLD,
        PartyAction.HANG_UP,
    ]
    assert script[0] == TimedStep(1.0, PartyStep(PartyAction.PRESS_KEYS, keys="12#"))
    assert script[1].step.seconds == 3.0
    assert script_document(script) == written


def test_a_step_s_after_seconds_defaults_to_zero() -> None:
    assert parse_script([{"hangUp": True}]) == (TimedStep(0.0, PartyStep(PartyAction.HANG_UP)),)


@pytest.mark.parametrize(
    ("script", "fragment"),
    [
        ([{"afterSeconds": 1}], r"script\[0\]: .*exactly one of"),
        ([{"pressKeys": "1", "hangUp": True}], "exactly one of"),
        ([{"speak": {}}], "speak needs seconds, a wav"),
        ([{"afterSeconds": -1, "hangUp": True}], r"script\[0.afterSeconds\]"),
        ([{"hangUp": True, "dance": True}], "Extra inputs"),
        ([{"hangUp": True}] * (MAX_STEPS + 1), "at most"),
        ("not a list", "script"),
    ],
)
def test_bad_scripts_are_bad_requests(script: Any, fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        parse_script(script)


def test_a_step_travels_through_a_job_payload_unchanged() -> None:
    for step in (
        PartyStep(PartyAction.PRESS_KEYS, keys="9"),
        PartyStep(PartyAction.SPEAK, seconds=2.0),
        PartyStep(PartyAction.HANG_UP),
    ):
        assert PartyStep.from_payload(step.to_payload()) == step
    assert PartyStep(PartyAction.HANG_UP).to_payload() == {"action": "hangUp"}


def test_live_steps_check_their_parameters() -> None:
    assert live_step("pressKeys", "12", None) == PartyStep(PartyAction.PRESS_KEYS, keys="12")
    assert live_step("speak", None, 2) == PartyStep(PartyAction.SPEAK, seconds=2.0)
    assert live_step("hold", None, None) == PartyStep(PartyAction.HOLD)
    for args, fragment in [
        (("dance", None, None), "action must be one of"),
        (("pressKeys", None, None), "pressKeys needs tones"),
        (("pressKeys", "1", 2.0), "seconds is for speak"),
        (("hangUp", "1", None), "tones is for pressKeys"),
        (("speak", None, None), "speak needs seconds"),
        (("speak", None, 0.0), "positive number of seconds"),
        (("hold", None, 1.0), "seconds is for speak, not hold"),
    ]:
        with pytest.raises(BadRequest, match=fragment):
            live_step(*args)
