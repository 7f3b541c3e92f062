"""One retry policy for notifications and SMS gateways."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from callboard.retry import backoff, is_retryable, parse_retry_after, retry_delay


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retryable(status: int) -> None:
    assert is_retryable(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 413, 422])
def test_refusals_are_permanent(status: int) -> None:
    assert not is_retryable(status)


def test_backoff_doubles_up_to_the_maximum() -> None:
    assert [backoff(n, 1.0, 10.0) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert backoff(0, 2.0, 300.0) == 2.0
    assert backoff(10_000, 2.0, 300.0) == 300.0  # no overflow on absurd attempt counts


NOW = datetime(2030, 1, 10, 12, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30.0),
        (" 0 ", 0.0),
        (format_datetime(datetime(2030, 1, 10, 12, 2, tzinfo=UTC), usegmt=True), 120.0),
        (format_datetime(datetime(2030, 1, 10, 11, tzinfo=UTC), usegmt=True), 0.0),  # past
        (None, None),
        ("", None),
        ("-5", None),
        ("soon", None),
        ("1.5", None),
        ("Mon, 99 Foo 2030 99:99:99", None),
    ],
)
def test_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_retry_after_wins_over_backoff_but_never_past_the_maximum() -> None:
    assert retry_delay(1, 1.0, 300.0, 30.0) == 30.0
    assert retry_delay(5, 1.0, 300.0, 0.0) == 0.0
    assert retry_delay(1, 1.0, 300.0, 86_400.0) == 300.0
    assert retry_delay(3, 1.0, 300.0, None) == 4.0
