"""The development clock's offset lives in the database, so that ``serve``, workers and a
restarted server agree on the virtual time (an advance is seen by every process)."""

from __future__ import annotations

from callboard.clock import VirtualClock
from callboard.services.runtime import Runtime


def load(rt: Runtime) -> None:
    """Catch up with the stored offset (at start, and from the runner's loop)."""
    if isinstance(rt.clock, VirtualClock):
        with rt.uow() as uow:
            rt.clock.catch_up(uow.clock.offset())


def advance(rt: Runtime, seconds: float) -> float:
    """Move the clock forward, durably; returns the new time."""
    rt.clock.advance(seconds)
    if isinstance(rt.clock, VirtualClock):
        with rt.uow() as uow:
            uow.clock.save_offset(rt.clock.offset)
            uow.commit()
    rt.wake_runner()
    return rt.clock.now()


def reset(rt: Runtime) -> None:
    """Back to real time. The stored offset is emptied with the rest of the state; this
    process's own offset goes too, or its next catch-up would keep the old time (other
    processes, such as a separate ``callboard worker``, keep theirs until restarted)."""
    if isinstance(rt.clock, VirtualClock):
        rt.clock.reset()
