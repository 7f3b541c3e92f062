"""Claiming due jobs: the two states a job is claimable in, the batch limit across both, and
(on PostgreSQL) a claim that reads about what it claims, not the whole backlog."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, event, update

from callboard.config import Settings
from callboard.store import tables
from callboard.store.jobs import ClaimedJob, JobRepository, NewJob


def _add(engine: Engine, jobs: list[NewJob]) -> None:
    with engine.begin() as conn:
        JobRepository(conn).add_all(jobs, 0.0)


def test_the_limit_holds_across_pending_jobs_and_expired_locks(
    engine: Engine, settings: Settings
) -> None:
    _add(engine, [NewJob(f"old{i}", {}, float(i)) for i in range(3)])
    with engine.begin() as conn:
        # Ownerless locks from before the process registry: they expire.
        conn.execute(update(tables.jobs).values(status="running", locked_until=5.0))
    _add(engine, [NewJob(f"new{i}", {}, 1.5 + i) for i in range(3)])
    with engine.begin() as conn:
        claimed = JobRepository(conn).claim_due(10.0, 4, 60.0)
    # The four that fell due first, of both kinds, in that order.
    assert [j.kind for j in claimed] == ["old0", "old1", "new0", "old2"]
    with engine.begin() as conn:
        rest = JobRepository(conn).claim_due(10.0, 4, 60.0)
    assert [j.kind for j in rest] == ["new1", "new2"]


def test_a_claim_skips_the_kinds_it_is_told_to(engine: Engine, settings: Settings) -> None:
    _add(engine, [NewJob("webhook.deliver", {}, 0.0), NewJob("call.progress", {}, 0.0)])
    with engine.begin() as conn:
        claimed = JobRepository(conn).claim_due(1.0, 10, 60.0, skip_kinds=("webhook.deliver",))
    assert [j.kind for j in claimed] == ["call.progress"]


def _claim_and_its_sql(
    engine: Engine, now: float, limit: int
) -> tuple[list[ClaimedJob], tuple[str, Any]]:
    """A claim, rolled back, and the SQL it sent with its parameters."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with engine.connect() as conn:
            claimed = JobRepository(conn).claim_due(now, limit, 60.0, owner="p1")
            conn.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return claimed, sent[-1]


def test_the_look_for_expired_locks_skips_the_jobs_processes_hold(
    engine: Engine, settings: Settings
) -> None:
    # 400 POSTs in flight, held by live processes: their locks never expire, so the claim's
    # second look (ownerless locks past their time) must not walk them.
    _add(engine, [NewJob("webhook.deliver", {}, 0.0) for _ in range(400)])
    with engine.begin() as conn:
        JobRepository(conn).claim_due(1.0, 400, 60.0, owner="p0")
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE jobs")
    _claimed, (statement, parameters) = _claim_and_its_sql(engine, 100.0, 10)
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        plan = "\n".join(
            str(row[-1]) for row in conn.exec_driver_sql(explain + statement, parameters)
        )
    assert "ix_jobs_ownerless_running" in plan, plan


def _fifo_checks(plan: dict[str, Any]) -> int:
    """How many times a JSON plan ran its subplans: the per-call FIFO check, once for each
    candidate job."""
    runs = int(plan["Actual Loops"]) if plan.get("Parent Relationship") == "SubPlan" else 0
    return runs + sum(_fifo_checks(child) for child in plan.get("Plans", []))


# PostgreSQL only: SQLite's claim was already two ordered walks.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_postgresql_claim_reads_about_what_it_claims(engine: Engine, settings: Settings) -> None:
    # A backlog: 1,500 calls with two notifications each (the second waits for the first).
    _add(
        engine,
        [
            NewJob("webhook.deliver", {}, float(i // 2), ordering_key=f"call{i // 2}")
            for i in range(3_000)
        ],
    )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE jobs")
    claimed, (statement, parameters) = _claim_and_its_sql(engine, 10_000.0, 50)
    assert len(claimed) == 50
    with engine.connect() as conn:
        raw = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
        ).scalar_one()
        conn.rollback()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    # Before: every due job was fetched, checked for an earlier open job of its call and
    # sorted (3,000 checks for a claim of 50); now the claim walks the due index in order
    # and stops after 50 ready jobs (about 100 checked: every other one waits).
    assert _fifo_checks(plan) <= 200, json.dumps(plan, indent=1)
