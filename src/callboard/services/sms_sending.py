"""The ``sms.send`` job: send queued messages and due reminders through the SMS gateway.

A message row and its ``sms.send`` job are written in one transaction. A reminder's job runs
at the meeting's start minus the interval; it carries the ``dueAt`` it was scheduled for, so a
reminder moved by a reschedule (a new job) or cancelled by a delete leaves its old job
harmless.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from callboard.config import Settings
from callboard.domain.appointments import FINAL, SmsMessage, SmsStatus
from callboard.gateways.sms import OutgoingSms, SendResult, SmsGateway
from callboard.json_types import JsonObject
from callboard.retry import backoff
from callboard.services.runtime import Runtime
from callboard.store.jobs import ClaimedJob, NewJob

log = logging.getLogger("callboard.sms")

SMS_SEND = "sms.send"


@dataclass(frozen=True)
class SendOrder:
    """An ``sms.send`` job's payload: the message, and the moment a reminder was due when
    the job was scheduled (None for a message sent at once)."""

    message_id: str
    due_at: float | None

    @classmethod
    def of(cls, job: ClaimedJob) -> SendOrder:
        return cls(str(job.payload["messageId"]), job.payload.get("dueAt"))

    def to_payload(self) -> JsonObject:
        return {"messageId": self.message_id, "dueAt": self.due_at}


def send_job(settings: Settings, message: SmsMessage, run_at: float) -> NewJob:
    """The job that sends ``message`` at ``run_at``."""
    return NewJob(
        SMS_SEND,
        SendOrder(message.id, message.due_at).to_payload(),
        run_at,
        max_attempts=settings.sms_max_attempts,
    )


def _begin(rt: Runtime, jobs: list[ClaimedJob]) -> list[tuple[ClaimedJob, SmsMessage]]:
    """Claim the messages for sending (``sending``, attempts + 1) in one transaction, and
    finish the jobs that have nothing to do: a final message, a moved or cancelled reminder,
    or a send interrupted by a crash (never retried, so nothing is sent twice)."""
    claimed: list[tuple[ClaimedJob, SmsMessage]] = []
    with rt.uow() as uow:
        orders = [(job, SendOrder.of(job)) for job in jobs]
        ids = sorted({order.message_id for _, order in orders})
        # The meetings first, locked against a delete (the delete locks the meeting, then
        # its reminders: the same order, no deadlock): a meeting deleted before this
        # transaction sends nothing, one deleted after waits for the send to be claimed.
        meetings = uow.meetings.existing(sorted({m.meeting_id for m in uow.sms.get_many(ids)}))
        found = {m.id: m for m in uow.sms.get_many(ids, for_update=True)}
        idle: list[int] = []
        changed: dict[str, SmsMessage] = {}
        for job, order in orders:
            message = found.get(order.message_id)
            if message is None or message.status in FINAL:
                idle.append(job.id)
            elif message.meeting_id not in meetings:
                if message.id not in changed:
                    message.move(SmsStatus.CANCELLED, uow.now, "The meeting was deleted.")
                    changed[message.id] = message
                idle.append(job.id)
            elif message.status is SmsStatus.SCHEDULED and message.due_at != order.due_at:
                idle.append(job.id)  # a timer the reminder has moved away from
            elif message.status is SmsStatus.SENDING:
                # Sending before this batch (a runner died mid-send), or claimed just now by
                # another job of this batch for the same message: either way, not again.
                if message.id not in changed:
                    message.move(
                        SmsStatus.FAILED,
                        uow.now,
                        "The send was interrupted; not retried to avoid sending twice.",
                    )
                    changed[message.id] = message
                idle.append(job.id)
            else:
                message.attempts += 1
                message.move(SmsStatus.SENDING, uow.now)
                changed[message.id] = message
                claimed.append((job, message))
        uow.sms.save_many(list(changed.values()))
        uow.jobs.finish(idle, uow.now)
        uow.commit()
    return claimed


def _finish(rt: Runtime, results: list[tuple[ClaimedJob, SmsMessage, SendResult]]) -> None:
    """Record every outcome of a batch in one transaction."""
    with rt.uow() as uow:
        now = uow.now
        done: list[int] = []
        for job, message, result in results:
            if result.outcome in ("sent", "delivered"):
                message.provider_id = result.provider_id
                message.sent_at = now
                if result.outcome == "delivered":
                    message.delivered_at = now
                message.move(SmsStatus(result.outcome), now)
                done.append(job.id)
            elif result.outcome == "retry" and job.attempts < job.max_attempts:
                message.move(SmsStatus.QUEUED, now, result.error)
                settings = rt.settings
                delay = backoff(
                    job.attempts,
                    settings.sms_backoff_base_seconds,
                    settings.sms_backoff_max_seconds,
                )
                uow.jobs.retry(job.id, now + delay, result.error or "retry")
            else:
                message.move(SmsStatus.FAILED, now, result.error or "failed")
                uow.jobs.dead(job.id, now, result.error or "failed")
        uow.sms.save_many([message for _, message, _ in results])
        uow.jobs.finish(done, now)
        uow.commit()


async def run_sends(rt: Runtime, gateway: SmsGateway, jobs: list[ClaimedJob]) -> None:
    """The ``sms.send`` handler for a batch of claimed jobs: one transaction to claim the
    messages, concurrent gateway calls, one transaction to record the outcomes."""
    claimed = _begin(rt, jobs)
    if not claimed:
        return
    limit = asyncio.Semaphore(rt.settings.runner_concurrency)

    async def one(message: SmsMessage) -> SendResult:
        async with limit:
            try:
                return await gateway.send(OutgoingSms(message.id, message.to, message.text))
            except Exception as exc:  # noqa: BLE001 - an adapter bug must not lose the row
                log.exception("SMS gateway failed on message %s", message.id)
                return SendResult("retry", error=f"{type(exc).__name__}: {exc}")

    results = await asyncio.gather(*(one(m) for _, m in claimed))
    _finish(rt, [(j, m, r) for (j, m), r in zip(claimed, results, strict=True)])
