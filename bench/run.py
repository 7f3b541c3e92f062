"""``python -m bench``: Callboard's performance goals measured beside a bare-Starlette ceiling
on this machine (README.md)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.databases import Database, checkpoint, postgres_schema, postgres_unreachable
from bench.drain import drain_round
from bench.measure import callboard_round, ceiling_round
from bench.memory import memory_round
from bench.options import Options, parse_args
from bench.procs import Proc, issue_token, server_env, start_receiver
from bench.report import console, report
from bench.results import Results


@contextlib.contextmanager
def workspace(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="callboard-bench-"))
    try:
        yield path
    finally:
        if keep:
            console.print(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def say(text: str) -> None:
    console.print(f"[dim]{text}[/]")


class Run:
    """One benchmark run: a template database, a token, the receiver; the rows asked for."""

    def __init__(self, opts: Options, workdir: Path, receiver: Proc, rport: int) -> None:
        self.opts = opts
        self.workdir = workdir
        self.receiver = receiver
        self.rport = rport
        self.results = Results(loadavg=os.getloadavg())
        self.template = workdir / "template.db"
        say("issuing a token with `callboard token` (migrates the database)…")
        env = server_env(opts, rport, f"sqlite:///{self.template}")
        self.token = issue_token(workdir, f"sqlite:///{self.template}", env)
        checkpoint(self.template)

    def sqlite(self, name: str) -> Database:
        return Database.sqlite_copy(self.template, self.workdir / f"{name}.db")

    def round(self, n: int) -> None:
        opts, r, wanted = self.opts, self.results, self.opts.rows
        common = (self.receiver, self.rport)
        if "ceiling" in wanted:
            say(f"round {n + 1}: ceiling (bare Starlette)…")
            r.ceiling.append(ceiling_round(opts, self.workdir, self.token, *common))
        rows = tuple(x for x in ("health", "create", "get") if x in wanted)
        if rows:
            say(f"round {n + 1}: {' then '.join(rows)} on SQLite…")
            db = self.sqlite(f"round{n}")
            got = callboard_round(opts, self.workdir, db, self.token, *common, f"round{n}", rows)
            r.health += [got["health"]] if "health" in got else []
            r.create += [got["create"]] if "create" in got else []
            r.get += [got["get"]] if "get" in got else []
        if "create-idle" in wanted:
            say(f"round {n + 1}: create with idle simulated parties…")
            db = self.sqlite(f"round{n}-idle")
            got = callboard_round(
                opts,
                self.workdir,
                db,
                self.token,
                *common,
                f"round{n}-idle",
                ("create",),
                idle_parties=True,
            )
            r.create_idle.append(got["create"])
        if "create-pg" in wanted and "create-pg" not in r.skipped:
            self.postgres_round(n)
        if "drain" in wanted:
            say(f"round {n + 1}: enqueueing {opts.notifications:,} notifications, then draining…")
            r.drain.append(
                drain_round(opts, self.workdir, self.template, self.rport, self.receiver, n)
            )
        if "memory" in wanted:
            say(f"round {n + 1}: creating and ending {opts.memory_calls:,} calls (memory)…")
            db = self.sqlite(f"memory{n}")
            r.memory.append(memory_round(opts, self.workdir, db, self.token, self.rport, n))

    def postgres_round(self, n: int) -> None:
        reason = postgres_unreachable()
        if reason is not None:
            self.results.skipped["create-pg"] = reason
            console.print(f"[yellow]create-pg skipped: {reason}[/]")
            return
        say(f"round {n + 1}: create on PostgreSQL (a private schema)…")
        with postgres_schema() as db:
            env = server_env(self.opts, self.rport, db.url)
            token = issue_token(self.workdir, db.url, env)
            got = callboard_round(
                self.opts,
                self.workdir,
                db,
                token,
                self.receiver,
                self.rport,
                f"round{n}-pg",
                ("create",),
            )
        self.results.create_pg.append(got["create"])


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv, __doc__)
    if opts.client_core is not None:
        os.sched_setaffinity(0, {opts.client_core})
    with workspace(opts.keep) as workdir:
        receiver, rport = start_receiver(opts, workdir)
        try:
            run = Run(opts, workdir, receiver, rport)
            for n in range(opts.rounds):
                run.round(n)
        finally:
            receiver.stop()
        summary = report(opts, run.results)
        if opts.json_path:
            Path(opts.json_path).write_text(json.dumps(summary, indent=2))
    return 0
