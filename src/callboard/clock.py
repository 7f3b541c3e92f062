"""Time, injected everywhere so that tests and development never sleep.

``SystemClock`` is production time. ``VirtualClock`` is system time plus an
offset that the admin API can advance (development mode), so due timers fire
at once. ``FrozenClock`` stands still until a test advances it.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch (UTC)."""
        ...

    def advance(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def advance(self, seconds: float) -> None:
        raise RuntimeError("the system clock cannot be advanced (production mode)")


class VirtualClock:
    """Real time shifted by an offset that only grows."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    @property
    def offset(self) -> float:
        return self._offset

    def reset(self) -> None:
        """Back to real time: only a reset of the whole state may move the clock back."""
        with self._lock:
            self._offset = 0.0

    def catch_up(self, offset: float) -> None:
        """Adopt an offset another process stored, if it is ahead of ours."""
        with self._lock:
            self._offset = max(self._offset, offset)


class FrozenClock:
    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def to_datetime(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def iso(ts: float) -> str:
    """Graph's DateTimeOffset rendering: ``2026-11-21T06:23:59.123Z``."""
    return to_datetime(ts).isoformat(timespec="milliseconds").replace("+00:00", "Z")
