"""The performance goals the benchmark prints beside its figures, and how each is judged.

A goal is never loosened here: a missed one is reported with its figure (README.md).
"""

from __future__ import annotations

# (1) create-call on SQLite with the runner and the simulated parties in the same process.
CREATE_RATIO = 0.40
CREATE_P99_MS = 20.0
# (2) the same on PostgreSQL.
PG_RATIO = 0.30
PG_P99_MS = 30.0
# (3) notifications delivered to a local receiver from one process, per-call order kept.
NOTIFICATIONS_PER_S = 5000.0
# (5) server RSS growth after 100,000 calls created and ended.
MEMORY_CALLS = 100_000
MEMORY_GROWTH_MB = 150.0
# (6) GET of a call.
GET_RATIO = 0.60
GET_P99_MS = 10.0
# The latency goals hold at this many connections.
CONNECTIONS = 32

# (5) "does not keep growing": a further batch of calls may add at most half the RSS per call
# that the main batch added, or this much in all (the allocator's noise when nothing leaks).
MEMORY_NOISE_MB = 5.0


def backlog_ok(start: int, end: int, delivered_per_s: float) -> bool:
    """(4) The backlog does not grow: over the measured window it grew by less than what the
    runner delivers in one second (a queue that the runner keeps up with only fluctuates)."""
    return end - start <= max(delivered_per_s, 1.0)


def memory_ok(growth_mb: float, further_mb: float, calls: int, further_calls: int) -> bool:
    """(5) Growth within the goal, and the further batch shows no steady growth per call."""
    if growth_mb > MEMORY_GROWTH_MB:
        return False
    if further_mb <= MEMORY_NOISE_MB:
        return True
    per_call = max(growth_mb, 0.0) / max(calls, 1)
    return further_mb / max(further_calls, 1) <= per_call / 2
