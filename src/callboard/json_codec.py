"""JSON encoding on the hot paths (stored documents, response bodies): orjson, which costs a
fraction of the standard library's encoder, with the standard library as the fallback for
what orjson refuses but JSON allows (integers beyond 64 bits, say, which a client may put in
an open-type property that Callboard echoes)."""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON (what ``json.dumps`` with ``separators=(",", ":")`` and
    ``ensure_ascii=False`` writes)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def dumps_text(value: Any) -> str:
    return dumps(value).decode()
