"""The HTTP half of Graph's notification-endpoint validation: one POST, its answer.

What counts as a valid answer is the service's rule (``services.subscriptions``); this
module only talks to the endpoint, so tests and the service share the real I/O path.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp

from callboard.gateways.guarded_resolver import DestinationRefused, GuardedResolver
from callboard.net import DestinationPolicy

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


async def post_validation(
    url: str, token: str, timeout_seconds: float, policy: DestinationPolicy | None = None
) -> ProbeAnswer:
    """POST ``url?validationToken=…`` with an empty text/plain body; never follows redirects.
    With a ``policy`` that blocks private addresses, the connection's addresses are checked
    (literals here, names by the resolver) against DNS rebinding."""
    timeout = aiohttp.ClientTimeout(total=timeout_seconds)
    connector = None
    if policy is not None and policy.block_private:
        host = urlsplit(url).hostname or ""
        if policy.refusal(host, lambda _name: []) is not None:
            raise ProbeFailed(f"refused: {host} is not a public address")
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(policy))
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, connector=connector) as session,
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
        refused = exc if isinstance(exc, DestinationRefused) else exc.__cause__
        if isinstance(refused, DestinationRefused):
            raise ProbeFailed(str(refused)) from exc
        raise ProbeFailed(f"{type(exc).__name__}: {exc}") from exc
