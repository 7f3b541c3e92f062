"""The job runner: claims due jobs, runs them, retries with backoff, dead-letters.

It runs inside ``callboard serve`` (an asyncio task) or alone as ``callboard worker``;
several may run against one database. Each job kind has one handler in ``Runner.handlers``,
which runs a batch of claimed jobs of that kind. Simulation steps are short synchronous
transactions; webhook POSTs and SMS sends run concurrently. Whatever goes wrong with one
job is that job's failed attempt: never the batch's, never a silent retry forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from callboard.gateways import sms as sms_gateways
from callboard.jobs.webhooks import Attempt, NotificationSigner, WebhookSender, deliver
from callboard.retry import retry_delay
from callboard.services import (
    call_records,
    change_notifications,
    clock_sync,
    simulation,
    sms_sending,
    transfers,
)
from callboard.services.notifications import WEBHOOK_DELIVER
from callboard.services.runtime import Runtime
from callboard.store.jobs import ClaimedJob

log = logging.getLogger("callboard.jobs")

# Under load every commit that writes jobs wakes the runner. Claiming at once after each
# one would cost a claim and a finish transaction per job; waiting this long first lets the
# commits of the next few milliseconds join the same batch. Notifications leave at most
# this much later.
COALESCE_SECONDS = 0.005
# Simulation steps are synchronous transactions on the event loop: run them in slices of
# about this long, letting requests in between, so that a batch of due timers neither
# stalls the loop for its whole length nor waits behind every request after each step.
STEP_SLICE_SECONDS = 0.005

BatchHandler = Callable[[list[ClaimedJob]], Awaitable[None]]
# A job handler that runs one job in its own transaction and finishes it there.
StepHandler = Callable[[Runtime, dict[str, Any], int], None]
# Told of each notification attempt: its outcome (delivered, retry, dead) and latency in ms.
DeliveryObserver = Callable[[str, float], None]


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()


class Runner:
    def __init__(self, rt: Runtime, sender: WebhookSender) -> None:
        self.rt = rt
        self.sender = sender
        self.signer = NotificationSigner(rt.keyring, rt.settings)
        self.sms_gateway = sms_gateways.build(rt.settings)
        self.observe_delivery: DeliveryObserver | None = None
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Job kind -> the handler of a batch of that kind, run in this order: timers first,
        # so that the notifications they cause can join the next batch.
        self.handlers: dict[str, BatchHandler] = {
            simulation.CALL_PROGRESS: self._run_steps,
            transfers.CALL_TRANSFER: self._sync_handler(transfers.run_step),
            call_records.CALL_RECORD_PUBLISH: self._sync_handler(call_records.publish),
            change_notifications.SUBSCRIPTION_LIFECYCLE: self._sync_handler(
                change_notifications.run_lifecycle
            ),
            WEBHOOK_DELIVER: self._deliver_all,
            sms_sending.SMS_SEND: self._send_sms,
        }

    def wake(self) -> None:
        """Thread-safe nudge after a commit that wrote jobs."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds before a notification's next attempt after ``attempts`` failed ones."""
        s = self.rt.settings
        return retry_delay(
            attempts, s.webhook_backoff_base_seconds, s.webhook_backoff_max_seconds, retry_after
        )

    async def run_due(self) -> int:
        """Claim and run one batch of due jobs; returns how many were claimed."""
        s = self.rt.settings
        with self.rt.uow() as uow:
            jobs = uow.jobs.claim_due(uow.now, s.runner_batch_size, s.job_lock_seconds)
            uow.commit()
        if not jobs:
            return 0
        runnable = self._drop_unrunnable(jobs)
        for kind, handler in self.handlers.items():
            batch = [j for j in runnable if j.kind == kind]
            if not batch:
                continue
            try:
                await handler(batch)
            except Exception as exc:  # noqa: BLE001 - a handler's failure is its jobs' attempt
                log.exception("job handler for %s failed", kind)
                self._fail(batch, _describe(exc))
        return len(jobs)

    def _drop_unrunnable(self, jobs: list[ClaimedJob]) -> list[ClaimedJob]:
        """Dead-letter the jobs no handler can run: an unknown kind, or a job claimed again
        after its last allowed attempt was lost (its runner died or its lock expired)."""
        dead: list[tuple[ClaimedJob, str]] = []
        runnable = []
        for job in jobs:
            if job.kind not in self.handlers:
                dead.append((job, f"no handler for job kind {job.kind!r}"))
            elif job.attempts > job.max_attempts:
                dead.append((job, f"gave up after {job.max_attempts} attempts"))
            else:
                runnable.append(job)
        if dead:
            with self.rt.uow() as uow:
                for job, error in dead:
                    log.error("job %s (%s) dead: %s", job.id, job.kind, error)
                    uow.jobs.dead(job.id, uow.now, error)
                uow.commit()
        return runnable

    def _fail(self, jobs: list[ClaimedJob], error: str) -> None:
        """One failed attempt for each job its handler did not settle."""
        with self.rt.uow() as uow:
            for job in jobs:
                run_at = (
                    None
                    if job.attempts >= job.max_attempts
                    else uow.now + self.backoff(job.attempts)
                )
                uow.jobs.fail_if_running(job.id, uow.now, run_at, error)
            uow.commit()

    async def run_until_idle(self, max_batches: int = 10_000) -> int:
        """Run batches until nothing is due at the clock's current time (tests, admin)."""
        total = 0
        for _ in range(max_batches):
            ran = await self.run_due()
            if not ran:
                break
            total += ran
        return total

    async def run_forever(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        poll = self.rt.settings.runner_poll_seconds
        full = self.rt.settings.runner_batch_size
        synced = 0.0
        while not stop.is_set():
            if time.monotonic() - synced >= poll:
                # Another process (serve, when this is a worker) may have moved the clock.
                synced = time.monotonic()
                clock_sync.load(self.rt)
            try:
                ran = await self.run_due()
            except Exception:
                log.exception("job runner batch failed")
                ran = 0
            if ran:
                # A full batch: more is due now. A partial one: let more commits join the next.
                await asyncio.sleep(0 if ran >= full else COALESCE_SECONDS)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll)
            if self._wake.is_set() and not stop.is_set():
                await asyncio.sleep(COALESCE_SECONDS)
        await self.sender.close()

    def _sync_handler(self, step: StepHandler) -> BatchHandler:
        """A kind whose jobs are short transactions, run like the simulation's steps."""

        async def run(jobs: list[ClaimedJob]) -> None:
            await self._run_steps(jobs, step)

        return run

    async def _run_steps(
        self, jobs: list[ClaimedJob], step: StepHandler = simulation.run_step
    ) -> None:
        slice_end = time.perf_counter() + STEP_SLICE_SECONDS
        for job in jobs:
            self._run_step(job, step)
            if time.perf_counter() >= slice_end:
                await asyncio.sleep(0)
                slice_end = time.perf_counter() + STEP_SLICE_SECONDS

    def _run_step(self, job: ClaimedJob, step: StepHandler = simulation.run_step) -> None:
        try:
            step(self.rt, job.payload, job.id)
        except Exception as exc:
            error = _describe(exc)
            with self.rt.uow() as uow:
                if job.attempts >= job.max_attempts:
                    log.error("job %s (%s) dead: %s", job.id, job.kind, error)
                    uow.jobs.dead(job.id, uow.now, error)
                else:
                    # Mostly optimistic-lock conflicts with another runner: retry soon.
                    uow.jobs.retry(job.id, uow.now + 0.05 * job.attempts, error)
                uow.commit()

    async def _send_sms(self, jobs: list[ClaimedJob]) -> None:
        await sms_sending.run_sends(self.rt, self.sms_gateway, jobs)

    async def _deliver_all(self, jobs: list[ClaimedJob]) -> None:
        now = self.rt.clock.now()
        limit = asyncio.Semaphore(self.rt.settings.runner_concurrency)

        async def one(job: ClaimedJob) -> Attempt:
            async with limit:
                try:
                    return await deliver(
                        job.id,
                        job.payload,
                        sender=self.sender,
                        signer=self.signer,
                        settings=self.rt.settings,
                        now=now,
                    )
                except Exception as exc:  # noqa: BLE001 - one job's failure is its attempt
                    log.exception("delivery job %s failed", job.id)
                    return Attempt(
                        str(job.payload.get("url", "")), None, 0.0, _describe(exc), "retry"
                    )

        attempts = await asyncio.gather(*(one(j) for j in jobs))
        with self.rt.uow() as uow:
            done, rows, observed = [], [], []
            for job, attempt in zip(jobs, attempts, strict=True):
                outcome = attempt.outcome
                if outcome == "retry" and job.attempts >= job.max_attempts or outcome == "failed":
                    outcome = "dead"
                observed.append((outcome, attempt.latency_ms))
                rows.append(
                    {
                        "job_id": job.id,
                        "call_id": job.payload.get("callId"),
                        "attempt": job.attempts,
                        "url": attempt.url,
                        "status_code": attempt.status_code,
                        "latency_ms": attempt.latency_ms,
                        "error": attempt.error,
                        "outcome": outcome,
                        "created_at": uow.now,
                    }
                )
                if outcome == "delivered":
                    done.append(job.id)
                elif outcome == "dead":
                    uow.jobs.dead(job.id, uow.now, attempt.error or "failed")
                else:
                    delay = self.backoff(job.attempts, attempt.retry_after)
                    uow.jobs.retry(job.id, uow.now + delay, attempt.error or "retry")
            uow.jobs.finish(done, uow.now)
            uow.deliveries.add_all(rows)
            uow.commit()
        if self.observe_delivery is not None:
            # After the commit: an attempt counts once it is on record.
            for outcome, latency_ms in observed:
                self.observe_delivery(outcome, latency_ms)
