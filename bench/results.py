"""What the benchmark measured: plain data, filled by the measuring modules, read by the report."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field

from bench.loadgen import LoadResult


@dataclass
class Load:
    """One closed-loop load: throughput, latency, and each process's CPU in the window."""

    rps: float
    p50_ms: float
    p99_ms: float
    completed: int
    statuses: dict[int, int]
    unexpected: int
    errors: int
    server_cpu: float  # fraction of one core, inside the window
    client_cpu: float
    receiver_cpu: float
    notified: int = 0  # notifications the receiver got inside the window
    # webhook.deliver jobs pending or running at the start and at the end of the window.
    backlog_start: int = 0
    backlog: int = 0
    # Create-call only: server CPU per call placed, from the start of the load (warm-up
    # included) until the runner has done everything due within 2 s (every notification
    # delivered, every near timer run): what a call costs in all, runner work included.
    cpu_ms_per_call: float = float("nan")
    calls: int = 0
    settle_seconds: float = 0.0
    order_violations: int = 0  # notifications the receiver got out of per-call order
    seconds: float = 0.0  # the measured window

    @property
    def cpu_ms_per_request(self) -> float:
        """Server CPU per response: steadier than req/s when other work steals the core."""
        return self.server_cpu / self.rps * 1000 if self.rps else float("nan")

    @property
    def notified_per_s(self) -> float:
        return self.notified / self.seconds if self.seconds else 0.0

    @classmethod
    def of(cls, result: LoadResult, cpu: dict[str, float], notified: int) -> Load:
        return cls(
            rps=result.rps,
            p50_ms=result.percentile_ms(50),
            p99_ms=result.percentile_ms(99),
            completed=result.completed,
            statuses=dict(result.statuses),
            unexpected=result.unexpected,
            errors=result.errors,
            server_cpu=cpu.get("server", 0.0),
            client_cpu=cpu.get("client", 0.0),
            receiver_cpu=cpu.get("receiver", 0.0),
            notified=notified,
            seconds=result.seconds,
        )


@dataclass
class Drain:
    """A backlog of notifications drained by the runner into the receiver."""

    notifications: int
    delivered: int
    not_delivered: int
    seconds: float
    receiver_seconds: float
    enqueue_seconds: float
    server_cpu: float
    received: int = 0  # POSTs the receiver got (retries included)
    calls: int = 0  # distinct calls the receiver heard of
    order_violations: int = 0

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms_per_notification(self) -> float:
        return self.server_cpu / self.rate * 1000 if self.rate else float("nan")


@dataclass
class Memory:
    """Server RSS around a number of calls created and ended over HTTP."""

    calls: int  # the main batch, created and ended
    further_calls: int  # the batch after it, to see whether RSS keeps growing
    rss_start: int  # bytes, after a warm-up batch
    rss_after: int
    rss_further: int
    seconds: float  # the main batch's duration
    unexpected: int
    errors: int

    @property
    def growth_mb(self) -> float:
        return (self.rss_after - self.rss_start) / 2**20

    @property
    def further_mb(self) -> float:
        return (self.rss_further - self.rss_after) / 2**20


@dataclass
class Results:
    ceiling: list[Load] = field(default_factory=list)
    health: list[Load] = field(default_factory=list)
    create: list[Load] = field(default_factory=list)
    create_idle: list[Load] = field(default_factory=list)
    create_pg: list[Load] = field(default_factory=list)
    get: list[Load] = field(default_factory=list)
    drain: list[Drain] = field(default_factory=list)
    memory: list[Memory] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # row -> why it did not run
    loadavg: tuple[float, float, float] = (0.0, 0.0, 0.0)


def median_load(loads: list[Load]) -> Load | None:
    """The round with the median req/s, with median latencies over all rounds."""
    if not loads:
        return None
    if len(loads) == 1:
        return loads[0]
    by_rps = sorted(loads, key=lambda x: x.rps)
    mid = by_rps[len(by_rps) // 2]
    return Load(
        **{
            **asdict(mid),
            "rps": statistics.median(x.rps for x in loads),
            "p50_ms": statistics.median(x.p50_ms for x in loads),
            "p99_ms": statistics.median(x.p99_ms for x in loads),
        }
    )
