"""Retry policy for outgoing HTTP (notifications, SMS gateways): which statuses are worth
another attempt, exponential backoff, and ``Retry-After``."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

# 408 Request Timeout, 429 Too Many Requests and every 5xx are transient. 425 Too Early
# (RFC 8470) means "sent in TLS early data; send it again after the handshake": the RFC
# lets a client retry it automatically, and Graph's own guidance is to retry transient
# refusals with backoff rather than drop a notification, so it is retryable too.
RETRYABLE_STATUSES = frozenset({408, 425, 429})
# The statuses whose Retry-After says when to come back (Graph's throttling guidance).
RETRY_AFTER_STATUSES = frozenset({429, 503})


def is_retryable(status: int) -> bool:
    return status >= 500 or status in RETRYABLE_STATUSES


def backoff(attempts: int, base: float, maximum: float) -> float:
    """Seconds to wait after failed attempt number ``attempts`` (1, 2, ...):
    ``base * 2 ** (attempts - 1)``, at most ``maximum``."""
    if attempts < 1:
        return float(min(base, maximum))
    # Past about 2**60 the product only overflows; the maximum has long been reached.
    return float(min(base * 2 ** min(attempts - 1, 60), maximum))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds from ``now`` that a ``Retry-After`` header asks for: delta-seconds or an
    HTTP date (RFC 9110 section 10.2.3). None when absent or unreadable; never negative."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def retry_delay(
    attempts: int, base: float, maximum: float, retry_after: float | None = None
) -> float:
    """The delay before the next attempt: the server's ``Retry-After`` when it gave one,
    else exponential backoff; never more than ``maximum``."""
    if retry_after is not None:
        return float(min(max(retry_after, 0.0), maximum))
    return backoff(attempts, base, maximum)
