"""The deliveries listing (every notification attempt, with what was sent and answered) and
redelivery of a notification."""

from __future__ import annotations

from callboard.errors import ItemNotFound
from callboard.json_types import JsonObject
from callboard.services.notifications import WEBHOOK_DELIVER
from callboard.services.runtime import Runtime
from callboard.store.jobs import NewJob


def list_deliveries(
    rt: Runtime, *, call_id: str | None, outcome: str | None, skip: int, top: int
) -> tuple[list[JsonObject], bool]:
    """One page of delivery attempts, oldest first, and whether more follow."""
    with rt.uow() as uow:
        rows = uow.deliveries.list_page(call_id=call_id, outcome=outcome, skip=skip, top=top + 1)
    return rows[:top], len(rows) > top


def redeliver(rt: Runtime, delivery_id: int) -> int:
    """Queue the notification of a delivery attempt again, as a new job (after the call's
    notifications queued before it); returns the job's id."""
    with rt.uow() as uow:
        row = uow.deliveries.get(delivery_id)
        if row is None or row["payload"] is None:
            raise ItemNotFound(f"The delivery {delivery_id} does not exist.")
        uow.jobs.add_all(
            [
                NewJob(
                    WEBHOOK_DELIVER,
                    row["payload"],
                    uow.now,
                    row["ordering_key"],
                    rt.settings.webhook_max_attempts,
                )
            ],
            uow.now,
        )
        job_id = uow.jobs.last_id()
        uow.commit()
    rt.wake_runner()
    return job_id
