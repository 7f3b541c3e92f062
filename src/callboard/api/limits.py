"""What a request may hold: body size, JSON depth, characters; checked once at the edge.

The checks read the raw bytes without building the document, so a body is still parsed
exactly once, by the route that needs it (docs/decisions.md, "Request limits").
"""

from __future__ import annotations

import email.message
import functools
import re
from itertools import accumulate
from urllib.parse import unquote_to_bytes

# Graph refuses request bodies larger than 4 MB with 413.
MAX_BODY_BYTES = 4 * 1024 * 1024
# Deeper than any Graph or UCWA resource; the .NET JSON readers behind Graph stop at 64 too.
MAX_JSON_DEPTH = 64

# A JSON string (escapes included); what is left outside strings is structure and scalars.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# An escaped backslash (skipped as a unit) or a \u escape of a UTF-16 surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\\\|\\u([dD][89a-fA-F][0-9a-fA-F]{2})")
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
_STEP = [0] * 256
for _opener in b"[{":
    _STEP[_opener] = 1
for _closer in b"]}":
    _STEP[_closer] = -1
# C0 controls and DEL: no Graph id, UPN or query value holds them, and PostgreSQL refuses NUL.
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x1f\x7f]")


# Clients send a handful of distinct Content-Types; parsing one costs an email.Message.
@functools.lru_cache(maxsize=128)
def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON (``application/json`` or ``application/*+json``),
    read the way FastAPI reads it before parsing a body as JSON."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def json_problem(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a JSON body must be refused before it is parsed, or None.

    Refused: bytes that are not UTF-8 (raw surrogates included), a ``\\uD800``-style escape
    that is not half of a surrogate pair (such a string cannot be encoded again, neither to
    the database nor to a response), and nesting deeper than ``max_depth``. Plain syntax
    errors are left to the parser, which reports them itself.
    """
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "The request body is not valid UTF-8."
    if b"\\u" in raw and _lone_surrogate(raw):
        return "The request body contains an unpaired UTF-16 surrogate escape."
    if _too_deep(raw, max_depth):
        return f"The request body nests JSON deeper than {max_depth} levels."
    return None


def _lone_surrogate(raw: bytes) -> bool:
    paired_at = -1  # where the low half of the last high surrogate must start
    for match in _SURROGATE_ESCAPE.finditer(raw):
        code = match.group(1)
        if code is None:
            continue
        value = int(code, 16)
        if value >= 0xDC00:  # a low half is fine only right after a high one
            if match.start() != paired_at:
                return True
            paired_at = -1
        else:
            if paired_at != -1:  # the previous high half was not followed by a low one
                return True
            paired_at = match.end()
    return paired_at != -1


def _too_deep(raw: bytes, max_depth: int) -> bool:
    structure = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if len(structure) <= max_depth:  # too few brackets to be too deep: the usual case
        return False
    return max(accumulate(map(_STEP.__getitem__, structure))) > max_depth


def has_control_character(text: str) -> bool:
    """Whether a decoded path holds a C0 control character or DEL."""
    return _CONTROL.search(text) is not None


def query_has_control_character(query_string: bytes) -> bool:
    """Whether a raw query string holds a control character, percent-encoded or not."""
    if _CONTROL_BYTES.search(query_string):
        return True
    if b"%" not in query_string:
        return False
    return _CONTROL_BYTES.search(unquote_to_bytes(query_string.replace(b"+", b" "))) is not None
