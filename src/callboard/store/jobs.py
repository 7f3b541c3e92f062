"""The jobs table (outbox, timers) and the delivery attempts of notifications."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BindParameter,
    Connection,
    Executable,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import aliased

from callboard import logs
from callboard.json_types import JsonObject
from callboard.store import tables


@dataclass(frozen=True)
class NewJob:
    kind: str
    payload: JsonObject
    run_at: float
    ordering_key: str | None = None
    max_attempts: int = 1


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: JsonObject
    run_at: float
    attempts: int
    max_attempts: int
    ordering_key: str | None


_INSERT_JOB = tables.jobs.insert()
# One statement per batch of finished jobs, whatever its size (the ids expand at execution).
_FINISH_JOBS = (
    update(tables.jobs)
    .where(tables.jobs.c.id.in_(bindparam("job_ids", expanding=True)))
    .values(status="done", finished_at=bindparam("now"), locked_until=None, locked_by=None)
)


def _due_order(job: ClaimedJob) -> tuple[float, int]:
    return (job.run_at, job.id)


# Claim statements, built once per dialect, batch size and skipped kinds: a statement built
# per claim made SQLAlchemy derive its cache key from every clause each time (about as
# costly as a small claim's query). The moment, lock and owner are bound parameters.
_CLAIMS: dict[tuple[str, int, tuple[str, ...]], Executable] = {}


def _claim_statement(dialect: str, limit: int, skip_kinds: tuple[str, ...]) -> Executable:
    key = (dialect, limit, skip_kinds)
    statement = _CLAIMS.get(key)
    if statement is None:
        statement = _CLAIMS[key] = _build_claim(dialect, limit, skip_kinds)
    return statement


def _const(value: str) -> BindParameter[str]:
    """A constant written into the SQL text, not bound: a prepared statement's generic plan
    can then still prove the partial index's ``status IN ('pending', 'running')``."""
    return literal(value, literal_execute=True)


def _build_claim(dialect: str, limit: int, skip_kinds: tuple[str, ...]) -> Executable:
    j = tables.jobs
    k = aliased(tables.jobs)
    now: BindParameter[float] = bindparam("now")
    pending, running = _const("pending"), _const("running")
    earlier_open = exists().where(
        k.c.ordering_key == j.c.ordering_key,
        k.c.id < j.c.id,
        k.c.status.in_((pending, running)),
    )
    ready = or_(j.c.ordering_key.is_(None), ~earlier_open)
    if skip_kinds:
        ready = and_(ready, j.c.kind.not_in([_const(kind) for kind in skip_kinds]))
    states = (
        and_(j.c.status == pending, j.c.run_at <= now),
        # Only ownerless locks expire (rows from before the process registry).
        and_(j.c.status == running, j.c.locked_until < now, j.c.locked_by.is_(None)),
    )
    # One OR over both states makes the database collect, check and sort every due job
    # before the LIMIT: O(backlog) per claim (SQLite 30-80 ms, PostgreSQL ~400 ms at 20,000
    # queued, where PostgreSQL also chose a bitmap scan of every open job). Each state alone
    # walks ix_jobs_status_run_at in order and stops after ``limit`` ready jobs; the first
    # ``limit`` of the two tops together are the same jobs.
    tops = [
        select(j.c.id, j.c.run_at).where(state, ready).order_by(j.c.run_at, j.c.id).limit(limit)
        for state in states
    ]
    if dialect == "postgresql":
        # Locked where they are chosen (FOR UPDATE is not allowed beside UNION, so in CTEs):
        # a job another worker holds is skipped, not waited for. The few rows a top locks
        # beyond the final LIMIT are released at commit.
        chosen = [
            top.with_for_update(skip_locked=True).cte(f"due_{i}") for i, top in enumerate(tops)
        ]
        both = union_all(*(select(c.c.id, c.c.run_at) for c in chosen)).subquery()
    else:
        both = union_all(*(select(top.subquery()) for top in tops)).subquery()
    due = select(both.c.id).order_by(both.c.run_at, both.c.id).limit(limit)
    return (
        update(j)
        .where(j.c.id.in_(due.scalar_subquery()))
        .values(
            status="running",
            locked_until=bindparam("locked_until"),
            locked_by=bindparam("owner"),
            attempts=j.c.attempts + 1,
        )
        .returning(
            j.c.id,
            j.c.kind,
            j.c.payload,
            j.c.run_at,
            j.c.attempts,
            j.c.max_attempts,
            j.c.ordering_key,
        )
    )


class JobRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_all(self, jobs: list[NewJob], now: float) -> None:
        if not jobs:
            return
        self._conn.execute(
            _INSERT_JOB,
            [
                {
                    "kind": j.kind,
                    "payload": j.payload,
                    "run_at": j.run_at,
                    "status": "pending",
                    "attempts": 0,
                    "max_attempts": j.max_attempts,
                    "ordering_key": j.ordering_key,
                    "created_at": now,
                }
                for j in jobs
            ],
        )

    def claim_due(
        self,
        now: float,
        limit: int,
        lock_seconds: float,
        *,
        skip_kinds: tuple[str, ...] = (),
        owner: str | None = None,
    ) -> list[ClaimedJob]:
        """Lock due jobs for this runner (the process ``owner``), except those of
        ``skip_kinds``. A job with an ordering key waits until every earlier job with that
        key is done or dead (FIFO per call). A job held by a process stays with it while it
        lives (the registry releases a dead one's); only an ownerless lock expires."""
        statement = _claim_statement(self._conn.dialect.name, limit, skip_kinds)
        rows = self._conn.execute(
            statement, {"now": now, "locked_until": now + lock_seconds, "owner": owner}
        ).all()
        jobs = [ClaimedJob(*row) for row in rows]
        # RETURNING promises no order: run timers in the order they fell due.
        jobs.sort(key=_due_order)
        return jobs

    def finish(self, job_ids: list[int], now: float) -> None:
        if job_ids:
            self._conn.execute(_FINISH_JOBS, {"job_ids": job_ids, "now": now})

    def retry(self, job_id: int, run_at: float, error: str) -> None:
        self._conn.execute(
            update(tables.jobs)
            .where(tables.jobs.c.id == job_id)
            .values(
                status="pending",
                run_at=run_at,
                locked_until=None,
                locked_by=None,
                last_error=error[:2000],
            )
        )

    def leave_order(self, job_id: int) -> None:
        """The job no longer waits for, nor holds back, the jobs of its ordering key."""
        self._conn.execute(
            update(tables.jobs).where(tables.jobs.c.id == job_id).values(ordering_key=None)
        )

    def dead(self, job_id: int, now: float, error: str) -> None:
        self._conn.execute(
            update(tables.jobs)
            .where(tables.jobs.c.id == job_id)
            .values(
                status="dead",
                finished_at=now,
                locked_until=None,
                locked_by=None,
                last_error=error[:2000],
            )
        )

    def last_id(self) -> int:
        """The highest job id (in this transaction: the job it just added)."""
        value = self._conn.execute(select(func.max(tables.jobs.c.id))).scalar()
        return int(value or 0)

    def next_run_at(self) -> float | None:
        value = self._conn.execute(
            select(func.min(tables.jobs.c.run_at)).where(tables.jobs.c.status == "pending")
        ).scalar()
        return None if value is None else float(value)

    def count_by_kind_and_status(self) -> dict[tuple[str, str], int]:
        """How many jobs of each kind are in each status (the metrics scrape)."""
        c = tables.jobs.c
        rows = self._conn.execute(select(c.kind, c.status, func.count()).group_by(c.kind, c.status))
        return {(kind, status): int(n) for kind, status, n in rows}

    def due_by_kind(self, now: float) -> dict[str, tuple[int, float]]:
        """Per kind, the pending jobs due at ``now``: how many, and the earliest ``run_at``."""
        c = tables.jobs.c
        rows = self._conn.execute(
            select(c.kind, func.count(), func.min(c.run_at))
            .where(c.status == "pending", c.run_at <= now)
            .group_by(c.kind)
        )
        return {kind: (int(n), float(first)) for kind, n, first in rows}

    def list_page(
        self, *, status: str | None, kind: str | None, skip: int, top: int
    ) -> list[JsonObject]:
        query = select(tables.jobs).order_by(tables.jobs.c.id).offset(skip).limit(top)
        if status:
            query = query.where(tables.jobs.c.status == status)
        if kind:
            query = query.where(tables.jobs.c.kind == kind)
        return [dict(r) for r in self._conn.execute(query).mappings()]

    def fail_if_running(self, job_id: int, now: float, run_at: float | None, error: str) -> None:
        """A failed attempt of a job the runner still holds: pending again at ``run_at``, or
        dead when ``run_at`` is None. A job its handler already finished is left alone."""
        values: JsonObject = (
            {"status": "dead", "finished_at": now}
            if run_at is None
            else {"status": "pending", "run_at": run_at}
        )
        self._conn.execute(
            update(tables.jobs)
            .where(tables.jobs.c.id == job_id, tables.jobs.c.status == "running")
            .values(locked_until=None, locked_by=None, last_error=error[:2000], **values)
        )


_INSERT_DELIVERY = tables.deliveries.insert()


class DeliveryRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_all(self, rows: list[JsonObject]) -> None:
        if rows:
            self._conn.execute(_INSERT_DELIVERY, rows)
            # Every attempt is recorded here, whichever code made it: one log line each.
            logs.delivery_attempts(rows)

    def list_page(
        self, *, call_id: str | None, outcome: str | None, skip: int, top: int
    ) -> list[JsonObject]:
        """Delivery attempts, oldest first, each with ``payload``: its job's (the body sent)."""
        d, j = tables.deliveries, tables.jobs
        query = (
            select(d, j.c.payload)
            .select_from(d.outerjoin(j, j.c.id == d.c.job_id))
            .order_by(d.c.id)
            .offset(skip)
            .limit(top)
        )
        if call_id:
            query = query.where(d.c.call_id == call_id)
        if outcome:
            query = query.where(d.c.outcome == outcome)
        return [dict(r) for r in self._conn.execute(query).mappings()]

    def get(self, delivery_id: int) -> JsonObject | None:
        d, j = tables.deliveries, tables.jobs
        row = (
            self._conn.execute(
                select(d, j.c.payload, j.c.ordering_key, j.c.max_attempts)
                .select_from(d.outerjoin(j, j.c.id == d.c.job_id))
                .where(d.c.id == delivery_id)
            )
            .mappings()
            .first()
        )
        return None if row is None else dict(row)
