"""``python -m bench``: Callboard's performance goals measured beside a bare-Starlette ceiling
on this machine (README.md)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.databases import Database, checkpoint, postgres_schema, postgres_unreachable
from bench.drain import drain_round
from bench.measure import callboard_round, ceiling_round
from bench.memory import memory_round
from bench.options import Options, parse_args
from bench.procs import Proc, issue_token, server_env, start_receiver
from bench.report import console, report
from bench.results import Load, Results


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
        wanted = self.opts.rows
        if "ceiling" in wanted:
            self.attempt("ceiling", n, "ceiling (bare Starlette)", self.ceiling)
        rows = tuple(x for x in ("health", "create", "get") if x in wanted)
        if rows:
            self.attempt(",".join(rows), n, f"{' then '.join(rows)} on SQLite", self.sqlite_rows)
        if "create-idle" in wanted:
            self.attempt("create-idle", n, "create with idle simulated parties", self.idle)
        if "create-pg" in wanted and "create-pg" not in self.results.skipped:
            self.attempt("create-pg", n, "create on PostgreSQL (a private schema)", self.postgres)
        if "drain" in wanted:
            what = f"enqueueing {self.opts.notifications:,} notifications, then draining"
            self.attempt("drain", n, what, self.drain)
        if "memory" in wanted:
            what = f"creating and ending {self.opts.memory_calls:,} calls (memory)"
            self.attempt("memory", n, what, self.memory)

    def attempt(self, row: str, n: int, what: str, measure: Callable[[int], None]) -> None:
        """Run one row; a row that fails is reported as such and the others still run."""
        say(f"round {n + 1}: {what}…")
        try:
            measure(n)
        except Exception as exc:  # reported in the table: the other rows still run
            detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else exc
            reason = f"failed: {type(exc).__name__}: {str(detail).strip()[-300:]}"
            self.results.skipped[row] = reason
            console.print(f"[red]{row} {reason}[/]")

    def ceiling(self, n: int) -> None:
        got = ceiling_round(self.opts, self.workdir, self.token, self.receiver, self.rport)
        self.results.ceiling.append(got)

    def sqlite_rows(self, n: int) -> None:
        rows = tuple(x for x in ("health", "create", "get") if x in self.opts.rows)
        got = self.callboard(self.sqlite(f"round{n}"), self.token, f"round{n}", rows)
        for row, loads in (
            ("health", self.results.health),
            ("create", self.results.create),
            ("get", self.results.get),
        ):
            if row in got:
                loads.append(got[row])

    def idle(self, n: int) -> None:
        db = self.sqlite(f"round{n}-idle")
        got = self.callboard(db, self.token, f"round{n}-idle", ("create",), idle_parties=True)
        self.results.create_idle.append(got["create"])

    def drain(self, n: int) -> None:
        got = drain_round(self.opts, self.workdir, self.template, self.rport, self.receiver, n)
        self.results.drain.append(got)

    def memory(self, n: int) -> None:
        db = self.sqlite(f"memory{n}")
        got = memory_round(self.opts, self.workdir, db, self.token, self.rport, n)
        self.results.memory.append(got)

    def callboard(
        self, db: Database, token: str, name: str, rows: tuple[str, ...], idle_parties: bool = False
    ) -> dict[str, Load]:
        return callboard_round(
            self.opts,
            self.workdir,
            db,
            token,
            self.receiver,
            self.rport,
            name,
            rows,
            idle_parties=idle_parties,
        )

    def postgres(self, n: int) -> None:
        reason = postgres_unreachable()
        if reason is not None:
            self.results.skipped["create-pg"] = reason
            console.print(f"[yellow]create-pg skipped: {reason}[/]")
            return
        with postgres_schema() as db:
            env = server_env(self.opts, self.rport, db.url)
            token = issue_token(self.workdir, db.url, env)
            got = self.callboard(db, token, f"round{n}-pg", ("create",))
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
