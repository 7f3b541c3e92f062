"""``python -m bench``'s options: what to run and for how long."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from bench import goals

# Every row the benchmark can measure, in the order it runs them.
ROWS = ("ceiling", "health", "create", "get", "create-idle", "create-pg", "drain", "memory")
ROW_HELP = {
    "ceiling": "bare Starlette app: parse the create-call body, return a fixed 2 KB call",
    "health": "GET /_callboard/health of Callboard (reference)",
    "create": "goal 1 and 4: create-call on SQLite, runner and simulated parties on",
    "get": "goal 6: GET of a call",
    "create-idle": "create-call with idle simulated parties (reference)",
    "create-pg": "goal 2: create-call on PostgreSQL",
    "drain": "goal 3: notifications delivered/s from a backlog, per-call order checked",
    "memory": "goal 5: server RSS after N calls created and ended",
}
# --only also accepts the names the rows had before.
ALIASES = {"notify": "drain", "create_idle": "create-idle", "pg": "create-pg"}


@dataclass
class Options:
    duration: float
    warmup: float
    connections: int
    notifications: int
    memory_calls: int
    rounds: int
    client: str
    server_core: int | None
    client_core: int | None
    src: str | None
    keep: bool
    json_path: str | None
    server_prefix: list[str]
    rows: tuple[str, ...]
    quick: bool = False


def parse_args(argv: list[str] | None, description: str | None = None) -> Options:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=description,
        epilog="rows: " + "; ".join(f"{k} = {v}" for k, v in ROW_HELP.items()),
    )
    p.add_argument("--duration", type=float, default=None, help="measured seconds per load (8)")
    p.add_argument("--warmup", type=float, default=None, help="unmeasured seconds before it (2)")
    p.add_argument("--connections", type=int, default=goals.CONNECTIONS)
    p.add_argument(
        "--notifications", type=int, default=None, help="backlog size for the drain (10,000)"
    )
    p.add_argument(
        "--memory-calls",
        type=int,
        default=None,
        help=f"calls created and ended for the memory row ({goals.MEMORY_CALLS:,}, the goal's)",
    )
    p.add_argument("--rounds", type=int, default=1, help="repeat and report medians")
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1 s loads after 0.5 s warm-up, 1,000 notifications, 500 calls "
        "for memory (figures are not comparable with the goals)",
    )
    p.add_argument("--client", choices=("raw", "aiohttp"), default="raw")
    p.add_argument("--server-core", type=int, default=0)
    p.add_argument("--client-core", type=int, default=1)
    p.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    p.add_argument("--src", help="run the server from this source tree (compare variants)")
    p.add_argument(
        "--server-prefix", default="", help="wrap the server, e.g. 'py-spy record -o x --'"
    )
    p.add_argument(
        "--only",
        "--phases",
        dest="only",
        default=",".join(ROWS),
        help="comma-separated subset of rows: " + ",".join(ROWS),
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--json", dest="json_path", help="also write the results as JSON here")
    a = p.parse_args(argv)
    quick = bool(a.quick)
    duration = a.duration if a.duration is not None else (1.0 if quick else 8.0)
    warmup = a.warmup if a.warmup is not None else (0.5 if quick else 2.0)
    notifications = a.notifications or (1_000 if quick else 10_000)
    memory_calls = a.memory_calls or (500 if quick else goals.MEMORY_CALLS)
    if duration <= 0 or duration > 120 or warmup < 0 or warmup > 60:
        p.error("--duration must be in (0, 120] and --warmup in [0, 60]")
    if not 1 <= a.rounds <= 10 or not 1 <= a.connections <= 512:
        p.error("--rounds must be 1-10 and --connections 1-512")
    if not 0 < notifications <= 200_000:
        p.error("--notifications must be 1-200000")
    if not 100 <= memory_calls <= 1_000_000:
        p.error("--memory-calls must be 100-1000000")
    rows = []
    for name in (x.strip() for x in a.only.split(",") if x.strip()):
        name = ALIASES.get(name, name)
        if name not in ROWS:
            p.error(f"unknown row {name!r}; rows: {', '.join(ROWS)}")
        rows.append(name)
    return Options(
        duration=duration,
        warmup=warmup,
        connections=a.connections,
        notifications=notifications,
        memory_calls=memory_calls,
        rounds=a.rounds,
        client=a.client,
        server_core=None if a.no_pin else a.server_core,
        client_core=None if a.no_pin else a.client_core,
        src=a.src,
        keep=a.keep,
        json_path=a.json_path,
        server_prefix=a.server_prefix.split(),
        rows=tuple(r for r in ROWS if r in rows),
        quick=quick,
    )
