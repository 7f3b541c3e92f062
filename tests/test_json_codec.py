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


@pytest.mark.parametrize(
    "text",
    [
        '{"state":"established","n":3,"ok":true,"none":null,"f":1.5,"e":-2.5e-7}',
        '{"displayName":"Zoë — 会议","nested":[{"a":[]},{}]}',
        '{"open":1000000000000000000000000000000}',  # beyond 64 bits: stays an integer
        '{"open":18446744073709551615,"neg":-9223372036854775808}',
        '{"neg":-9223372036854775809,"neg19":-9999999999999999999}',  # below 64 bits
        '{"under":999999999999999999,"n":-999999999999999999}',  # eighteen digits
        '{"f":0.1234567890123456789012345}',
        '{"nan":NaN,"inf":Infinity,"minus":-Infinity}',  # Python's reader allows these
        '{"big":1e400}',
        '"\\ud800"',  # a lone surrogate, escaped
        "[" * 500 + "]" * 500,
        '{"a":1,"a":2}',
    ],
)
def test_loads_reads_what_the_standard_library_reads(text: str) -> None:
    expected = json.loads(text)
    for given in (text, text.encode()):
        value = json_codec.loads(given)
        assert repr(value) == repr(expected)


def test_loads_refuses_what_the_standard_library_refuses() -> None:
    with pytest.raises(ValueError):
        json_codec.loads('{"a":')
