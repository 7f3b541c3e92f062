"""The hot-path JSON encoder writes what the standard library's compact encoder writes."""

from __future__ import annotations

import json

import pytest

from callboard import json_codec


@pytest.mark.parametrize(
    "value",
    [
        {"state": "established", "n": 3, "ok": True, "none": None, "f": 1.5},
        {"displayName": "Zoë — 会议", "nested": [{"a": []}, {}]},
        {"open": 10**30},  # beyond 64 bits: orjson refuses it, the fallback writes it
    ],
)
def test_dumps_matches_the_compact_standard_encoding(value: object) -> None:
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert json_codec.dumps(value) == expected.encode()
    assert json_codec.dumps_text(value) == expected


def test_a_big_integer_survives_a_round_trip_through_a_stored_document() -> None:
    assert json.loads(json_codec.dumps_text({"open": 10**30})) == {"open": 10**30}
