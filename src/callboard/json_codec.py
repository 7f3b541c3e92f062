"""JSON encoding on the hot paths (stored documents, response bodies): orjson, which costs a
fraction of the standard library's encoder, with the standard library as the fallback for
what orjson refuses but JSON allows (integers beyond 64 bits, say, which a client may put in
an open-type property that Callboard echoes)."""

from __future__ import annotations

import json
from typing import Any

import orjson

# Nineteen digits in a row may be an integer beyond 64 bits, which orjson reads as a
# float: such text is read by the standard library, exactly. Found by mapping every digit to
# "0" and looking for nineteen of them (a regular expression cost more than the parse it saves).
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGIT_RUN = b"0" * 19


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON (what ``json.dumps`` with ``separators=(",", ":")`` and
    ``ensure_ascii=False`` writes)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def dumps_text(value: Any) -> str:
    return dumps(value).decode()


def loads(text: str | bytes) -> Any:
    """What ``json.loads`` reads, through orjson where that gives the same value: not for
    long digit runs (above), nor for what orjson refuses but Python's reader allows (NaN,
    Infinity, lone surrogates)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if raw.translate(_DIGITS_TO_ZERO).find(_LONG_DIGIT_RUN) < 0:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
