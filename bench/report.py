"""The report: one table of figures with the goals beside them (met / missed), then details,
and the same figures as JSON."""

from __future__ import annotations

import math
import statistics
import sys
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import goals
from bench.options import Options
from bench.results import Drain, Load, Memory, Results, median_load

console = Console(width=None if sys.stdout.isatty() else 160)

# Above this share of its core the load generator may be what limits req/s.
CLIENT_SATURATED = 0.80

COLUMNS = ("req/s", "p50 ms", "p99 ms", "server CPU", "CPU ms/req", "client CPU")


def verdict(ok: bool | None) -> str:
    if ok is None:
        return "[dim]n/a[/]"
    return "[bold green]met[/]" if ok else "[bold red]missed[/]"


class Report:
    """The main table, filled row by row."""

    def __init__(self, opts: Options, results: Results) -> None:
        self.opts = opts
        self.results = results
        self.ceiling = median_load(results.ceiling)
        self.table = Table(title=self._title(), caption=self._caption(), caption_justify="left")
        self.table.add_column("measurement")
        for column in COLUMNS:
            self.table.add_column(column, justify="right")
        self.table.add_column("goal")
        self.table.add_column("result")
        self.summary: dict[str, Any] = {"ratios": {}, "verdicts": {}, "client_saturated": False}

    def _title(self) -> str:
        o = self.opts
        rounds = f"median of {o.rounds} rounds" if o.rounds > 1 else "1 round"
        quick = " (--quick: a smoke run, not comparable with the goals)" if o.quick else ""
        return (
            f"Callboard benchmark: {o.connections} keep-alive connections, {o.duration:g} s "
            f"measured after {o.warmup:g} s warm-up, {rounds}{quick}"
        )

    def _caption(self) -> str:
        o = self.opts
        client = "raw asyncio+httptools" if o.client == "raw" else "aiohttp.ClientSession"
        pinning = (
            f"servers pinned to core {o.server_core}; load generator and receiver to core "
            f"{o.client_core}"
            if o.server_core is not None
            else "nothing pinned"
        )
        return (
            f"Load generator: Python ({client} on uvloop, closed loop, one process); {pinning}. "
            "Ratios are against (b), the bare-Starlette ceiling of the same run. CPU: share of "
            "one core used inside the measured window; CPU ms/req: server CPU per response (or "
            "per call, per notification), steadier than req/s on a busy machine. Job runner on, "
            "in the server process, delivering to the receiver. A client CPU in red: the load "
            f"generator used ≥ {CLIENT_SATURATED:.0%} of its core, so that row may measure it "
            "rather than the server. Load average at start: "
            f"{self.results.loadavg[0]:.2f} (other work on this machine makes absolute figures "
            "noisy)."
        )

    def add(self, name: str, cells: tuple[str, ...] = (), goal: str = "", ok: Any = "") -> None:
        padded = (*cells, *("",) * (len(COLUMNS) - len(cells)))
        result = ok if isinstance(ok, str) else verdict(ok)
        self.table.add_row(name, *padded, goal, result)

    def judge(self, key: str, ok: bool | None) -> bool | None:
        self.summary["verdicts"][key] = ok
        return ok

    def load(self, name: str, load: Load, goal: str = "", ok: Any = "") -> None:
        self.add(
            name,
            (
                f"{load.rps:,.0f}",
                f"{load.p50_ms:.1f}",
                f"{load.p99_ms:.1f}",
                f"{load.server_cpu:.0%}",
                f"{load.cpu_ms_per_request:.2f}",
                self.client_cpu(load.client_cpu),
            ),
            goal,
            ok,
        )

    def client_cpu(self, share: float) -> str:
        """In red when the load generator came near a full core: the row then measures it."""
        if share >= CLIENT_SATURATED:
            self.summary["client_saturated"] = True
            return f"[bold red]{share:.0%}[/]"
        return f"{share:.0%}"

    def p99_goal(self, limit: float) -> str:
        at = "" if self.opts.connections == goals.CONNECTIONS else f" at {goals.CONNECTIONS} conn."
        return f"p99 ≤ {limit:g} ms{at}"

    def p99_ok(self, load: Load, limit: float) -> bool | None:
        if self.opts.connections != goals.CONNECTIONS:
            return None  # the goal holds at 32 connections: not judged at another count
        return load.p99_ms <= limit

    def ratio(self, key: str, name: str, load: Load, goal: float | None) -> None:
        """``load`` / the ceiling, with its goal (None: printed for reference)."""
        goal_text = f"≥ {goal:.2f}" if goal is not None else ""
        if self.ceiling is None or not self.ceiling.rps:
            self.add(f"{name} / (b)", ("no ceiling",), goal_text, "[dim]add ceiling to --only[/]")
            return
        value = load.rps / self.ceiling.rps
        self.summary["ratios"][key] = value
        ok = self.judge(f"{key}_ratio", value >= goal) if goal is not None else ""
        self.add(f"{name} / (b)", (f"{value:.2f}",), goal_text, ok)

    # -- the rows, in goal order --------------------------------------------------------

    def rows(self) -> None:
        r = self.results
        if self.ceiling is not None:
            self.load(
                "(b) ceiling: bare Starlette, POST create-call body -> fixed 2 KB call",
                self.ceiling,
            )
        health = median_load(r.health)
        if health is not None:
            self.load("(h) reference: GET /_callboard/health", health)
            self.ratio("health", "(h)", health, None)
        create = median_load(r.create)
        if create is not None:
            self.create_rows(create)
        idle = median_load(r.create_idle)
        if idle is not None:
            self.load("(1') reference: create-call, simulated parties idle", idle)
            self.ratio("create_idle", "(1')", idle, None)
            self.sustainable("create_idle", "(1')", idle, None)
        pg = median_load(r.create_pg)
        if pg is not None:
            ok = self.judge("create_pg_p99", self.p99_ok(pg, goals.PG_P99_MS))
            self.load("(2) create-call, PostgreSQL", pg, self.p99_goal(goals.PG_P99_MS), ok)
            self.ratio("create_pg", "(2)", pg, goals.PG_RATIO)
            self.backlog("create_pg", "(2)", pg)
            self.sustainable("create_pg", "(2)", pg, None)
        if r.drain:
            self.drain_rows(r.drain)
        if r.memory:
            self.memory_rows(sorted(r.memory, key=lambda m: m.growth_mb)[len(r.memory) // 2])
        get = median_load(r.get)
        if get is not None:
            ok = self.judge("get_p99", self.p99_ok(get, goals.GET_P99_MS))
            self.load("(6) GET of a call", get, self.p99_goal(goals.GET_P99_MS), ok)
            self.ratio("get", "(6)", get, goals.GET_RATIO)
        for row, reason in r.skipped.items():
            self.add(f"{row}: {reason}", ok="[yellow]not measured[/]")

    def create_rows(self, create: Load) -> None:
        ok = self.judge("create_p99", self.p99_ok(create, goals.CREATE_P99_MS))
        label = "(1) create-call, SQLite, simulated parties at default delays"
        self.load(label, create, self.p99_goal(goals.CREATE_P99_MS), ok)
        self.ratio("create", "(1)", create, goals.CREATE_RATIO)
        self.backlog("create", "(4)", create, judged=True)
        self.sustainable("create", "(4)", create, goals.CREATE_RATIO)

    def backlog(self, key: str, mark: str, load: Load, judged: bool = False) -> None:
        """Deliveries queued at the start and at the end of the measured window."""
        ok: bool | str = ""
        if judged:
            ok = bool(
                self.judge(
                    "backlog",
                    goals.backlog_ok(load.backlog_start, load.backlog, load.notified_per_s),
                )
            )
        self.add(
            f"{mark} notification backlog, start -> end of the load",
            (f"{load.backlog_start:,} -> {load.backlog:,}",),
            "does not grow" if judged else "",
            ok,
        )

    def sustainable(self, key: str, mark: str, load: Load, goal: float | None) -> None:
        """CPU per call with everything it caused; the ratio (b)'s CPU/request to it."""
        if math.isnan(load.cpu_ms_per_call):
            return
        per_core = 1000 / load.cpu_ms_per_call
        self.add(
            f"{mark} CPU per call incl. notifications and timers: calls/s one core keeps up",
            (f"{per_core:,.0f}", "", "", "", f"{load.cpu_ms_per_call:.2f}"),
        )
        if self.ceiling is None:
            return
        value = self.ceiling.cpu_ms_per_request / load.cpu_ms_per_call
        self.summary["ratios"][f"{key}_by_cpu"] = value
        goal_text = f"(≥ {goal:.2f})" if goal is not None else ""
        ok = verdict(value >= goal) if goal is not None else ""
        self.add(
            f"{mark} same, by CPU: (b)'s CPU per request / CPU per call",
            (f"{value:.2f}",),
            goal_text,
            ok,
        )

    def drain_rows(self, drains: list[Drain]) -> None:
        rate = statistics.median(d.rate for d in drains)
        d = drains[len(drains) // 2]
        ok = self.judge("drain", rate >= goals.NOTIFICATIONS_PER_S)
        self.add(
            f"(3) notifications delivered/s ({d.notifications:,} queued)",
            (f"{rate:,.0f}", "", "", f"{d.server_cpu:.0%}", f"{d.cpu_ms_per_notification:.2f}"),
            f"≥ {goals.NOTIFICATIONS_PER_S:,.0f}/s",
            ok,
        )
        violations = sum(x.order_violations for x in drains)
        self.add(
            f"(3) per-call order violations at the receiver ({d.calls:,} calls)",
            (f"{violations:,}",),
            "0",
            self.judge("drain_order", violations == 0),
        )

    def memory_rows(self, m: Memory) -> None:
        full = m.calls >= goals.MEMORY_CALLS
        ok = goals.memory_ok(m.growth_mb, m.further_mb, m.calls, m.further_calls)
        self.judge("memory", ok if full else None)
        self.add(
            f"(5) server RSS growth after {m.calls:,} calls created and ended "
            f"(from {m.rss_start / 2**20:,.0f} MB)",
            (f"{m.growth_mb:+,.1f} MB",),
            f"≤ {goals.MEMORY_GROWTH_MB:g} MB" + ("" if full else f" after {goals.MEMORY_CALLS:,}"),
            ok if full else None,
        )
        self.add(
            f"(5) RSS growth over a further {m.further_calls:,} calls",
            (f"{m.further_mb:+,.1f} MB",),
            "does not keep growing",
            ok if full else None,
        )


def details(opts: Options, results: Results) -> Table:
    table = Table(title="Details", show_header=False)
    table.add_column("what")
    table.add_column("value")
    table.add_row(
        "request",
        "POST /v1.0/communications/calls with seed 003 create-call-1's body and a "
        "`callboard token --app` bearer token (the Calling Bot, tenant Contoso); the ceiling "
        "gets the same bytes",
    )
    for mark, loads in (
        ("(1)", results.create),
        ("(1')", results.create_idle),
        ("(2)", results.create_pg),
    ):
        load = median_load(loads)
        if load is None:
            continue
        statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(load.statuses.items()))
        table.add_row(
            f"{mark} responses in the window",
            f"{statuses or 'none'}; {load.unexpected} unexpected, {load.errors} connection errors",
        )
        table.add_row(
            f"{mark} notifications received in the window",
            f"{load.notified:,} ({load.notified_per_s:,.0f}/s, {load.order_violations} out of "
            f"order); receiver CPU {load.receiver_cpu:.0%}; {load.backlog:,} deliveries still "
            f"queued at the end, done {load.settle_seconds:.1f} s later ({load.calls:,} calls "
            "placed in all)",
        )
    for d in results.drain:
        table.add_row(
            "(3) drain",
            f"{d.delivered:,}/{d.notifications:,} delivered ({d.not_delivered} failed) in "
            f"{d.seconds:.2f} s, from the first POST to the last delivery row; the receiver had "
            f"{d.received:,} POSTs for {d.calls:,} calls, the last at {d.receiver_seconds:.2f} s. "
            f"Enqueued through the service layer in {d.enqueue_seconds:.1f} s before the server "
            "started.",
        )
    for m in results.memory:
        table.add_row(
            "(5) memory",
            f"{m.calls:,} calls created and ended in {m.seconds:.1f} s "
            f"({m.calls / m.seconds if m.seconds else 0:,.0f}/s); RSS {m.rss_start / 2**20:,.1f} "
            f"-> {m.rss_after / 2**20:,.1f} -> {m.rss_further / 2**20:,.1f} MB; "
            f"{m.unexpected} unexpected responses, {m.errors} connection errors",
        )
    if opts.rounds > 1:
        for mark, loads in (
            ("(b)", results.ceiling),
            ("(1)", results.create),
            ("(2)", results.create_pg),
            ("(6)", results.get),
        ):
            if loads:
                table.add_row(
                    f"{mark} per round: req/s, p99 ms",
                    ", ".join(f"{x.rps:,.0f} / {x.p99_ms:.1f}" for x in loads),
                )
        if results.drain:
            table.add_row(
                "(3) per round: notifications/s", ", ".join(f"{d.rate:,.0f}" for d in results.drain)
            )
    return table


def report(opts: Options, results: Results) -> dict[str, Any]:
    """Print the tables; return every figure as JSON-ready data."""
    main = Report(opts, results)
    main.rows()
    console.print(main.table)
    console.print(details(opts, results))

    def dump(load: Load) -> dict[str, Any]:
        return asdict(load) | {"cpu_ms": load.cpu_ms_per_request}

    rows = ("ceiling", "health", "create", "create_idle", "create_pg", "get")
    return {
        **{name: [dump(x) for x in getattr(results, name)] for name in rows},
        "drain": [
            asdict(d) | {"rate": d.rate, "cpu_ms": d.cpu_ms_per_notification} for d in results.drain
        ],
        "memory": [
            asdict(m) | {"growth_mb": m.growth_mb, "further_mb": m.further_mb}
            for m in results.memory
        ],
        **main.summary,
        "skipped": results.skipped,
        "options": asdict(opts),
        "loadavg": results.loadavg,
    }
