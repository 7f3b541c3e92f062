"""The HTTP half of Graph's notification-endpoint validation: one POST, its answer.

What counts as a valid answer is the service's rule (``services.subscriptions``); this
module only talks to the endpoint, so tests and the service share the real I/O path.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp

# Graph reads at most this much of a validation answer: a token is short text.
MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class ProbeAnswer:
    status: int
    content_type: str
    text: str


class ProbeFailed(Exception):
    """The endpoint could not be reached or did not answer in time."""


def with_token(url: str, token: str) -> str:
    """``url`` with ``validationToken`` added to its query (URL-encoded, as Graph sends it)."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"validationToken": token})) if q)
    return urlunsplit(parts._replace(query=query))


async def post_validation(url: str, token: str, timeout_seconds: float) -> ProbeAnswer:
    """POST ``url?validationToken=…`` with an empty text/plain body; never follows redirects."""
    timeout = aiohttp.ClientTimeout(total=timeout_seconds)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(
                with_token(url, token),
                data=b"",
                headers={"Content-Type": "text/plain; charset=utf-8"},
                allow_redirects=False,
            ) as response,
        ):
            raw = await response.content.read(MAX_ANSWER_BYTES)
            return ProbeAnswer(
                response.status,
                response.headers.get("Content-Type", ""),
                raw.decode("utf-8", errors="replace"),
            )
    except TimeoutError as exc:
        raise ProbeFailed("timed out") from exc
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        raise ProbeFailed(f"{type(exc).__name__}: {exc}") from exc
