"""The figures a metrics scrape reads from the database.

They are counted at scrape time rather than kept in process memory, so that they are right
whichever process (``serve`` or a ``callboard worker``) changed the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from callboard.services.runtime import Runtime


@dataclass(frozen=True)
class QueueDepth:
    """The pending jobs of one kind whose time has come, and how long the oldest has waited."""

    due: int
    oldest_age_seconds: float


@dataclass(frozen=True)
class Snapshot:
    calls_by_state: dict[str, int]
    jobs_by_kind_and_status: dict[tuple[str, str], int]
    due_jobs_by_kind: dict[str, QueueDepth]
    sms_by_status: dict[str, int]


def snapshot(rt: Runtime) -> Snapshot:
    """One read-only transaction: every figure is of the same moment."""
    with rt.uow() as uow:
        now = uow.now
        due = {
            kind: QueueDepth(count, max(0.0, now - first))
            for kind, (count, first) in uow.jobs.due_by_kind(now).items()
        }
        return Snapshot(
            calls_by_state=uow.calls.count_by_state(),
            jobs_by_kind_and_status=uow.jobs.count_by_kind_and_status(),
            due_jobs_by_kind=due,
            sms_by_status=uow.sms.count_by_status(),
        )
