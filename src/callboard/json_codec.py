"""JSON encoding on the hot paths (stored documents, response bodies): orjson, which costs a
fraction of the standard library's encoder, with the standard library as the fallback for
what orjson refuses but JSON allows (integers beyond 64 bits, say, which a client may put in
an open-type property that Callboard echoes)."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# Twenty digits in a row may be an integer beyond 64 bits, which orjson would read as a
# float: such text is read by the standard library, exactly.
_LONG_DIGITS = re.compile(r"\d{20}")
_LONG_DIGITS_BYTES = re.compile(rb"\d{20}")


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
    Infinity, lone surrogates, very deep nesting)."""
    pattern = _LONG_DIGITS if isinstance(text, str) else _LONG_DIGITS_BYTES
    if pattern.search(text) is None:  # type: ignore[arg-type]
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
