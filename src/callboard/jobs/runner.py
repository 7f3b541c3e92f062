"""The job runner: claims due jobs, runs them, retries with backoff, dead-letters.

It runs inside ``callboard serve`` (an asyncio task) or alone as ``callboard worker``;
several may run against one database. Simulation steps are short synchronous
transactions; webhook POSTs run concurrently, still one at a time per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback

from callboard.gateways import sms as sms_gateways
from callboard.jobs.webhooks import Attempt, NotificationSigner, WebhookSender, deliver
from callboard.services import appointments, simulation
from callboard.services import clock as clock_service
from callboard.services.notifications import WEBHOOK_DELIVER
from callboard.services.runtime import Runtime
from callboard.store.repositories import ClaimedJob

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


class Runner:
    def __init__(self, rt: Runtime, sender: WebhookSender) -> None:
        self.rt = rt
        self.sender = sender
        self.signer = NotificationSigner(rt.keyring, rt.settings)
        self.sms_gateway = sms_gateways.build(rt.settings)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

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

    def backoff(self, attempts: int) -> float:
        s = self.rt.settings
        return float(
            min(s.webhook_backoff_base_seconds * 2 ** (attempts - 1), s.webhook_backoff_max_seconds)
        )

    async def run_due(self) -> int:
        """Claim and run one batch of due jobs; returns how many ran."""
        s = self.rt.settings
        with self.rt.uow() as uow:
            jobs = uow.jobs.claim_due(uow.now, s.runner_batch_size, s.job_lock_seconds)
            uow.commit()
        if not jobs:
            return 0
        webhooks = [j for j in jobs if j.kind == WEBHOOK_DELIVER]
        sms = [j for j in jobs if j.kind == appointments.SMS_SEND]
        slice_end = time.perf_counter() + STEP_SLICE_SECONDS
        for job in jobs:
            if job.kind not in (WEBHOOK_DELIVER, appointments.SMS_SEND):
                self._run_step(job)
                if time.perf_counter() >= slice_end:
                    await asyncio.sleep(0)
                    slice_end = time.perf_counter() + STEP_SLICE_SECONDS
        if webhooks:
            await self._deliver_all(webhooks)
        if sms:
            await appointments.run_sends(self.rt, self.sms_gateway, sms)
        return len(jobs)

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
                clock_service.load(self.rt)
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

    def _run_step(self, job: ClaimedJob) -> None:
        try:
            if job.kind != simulation.CALL_PROGRESS:
                raise ValueError(f"no handler for job kind {job.kind!r}")
            simulation.run_step(self.rt, job.payload, job.id)
        except Exception as exc:
            error = "".join(traceback.format_exception_only(exc)).strip()
            with self.rt.uow() as uow:
                if job.attempts >= job.max_attempts:
                    log.error("job %s (%s) dead: %s", job.id, job.kind, error)
                    uow.jobs.dead(job.id, uow.now, error)
                else:
                    # Mostly optimistic-lock conflicts with another runner: retry soon.
                    uow.jobs.retry(job.id, uow.now + 0.05 * job.attempts, error)
                uow.commit()

    async def _deliver_all(self, jobs: list[ClaimedJob]) -> None:
        now = self.rt.clock.now()
        limit = asyncio.Semaphore(self.rt.settings.runner_concurrency)

        async def one(job: ClaimedJob) -> Attempt:
            async with limit:
                return await deliver(
                    job.id,
                    job.payload,
                    sender=self.sender,
                    signer=self.signer,
                    settings=self.rt.settings,
                    now=now,
                )

        attempts = await asyncio.gather(*(one(j) for j in jobs))
        with self.rt.uow() as uow:
            done, rows = [], []
            for job, attempt in zip(jobs, attempts, strict=True):
                outcome = attempt.outcome
                if outcome == "retry" and job.attempts >= job.max_attempts or outcome == "failed":
                    outcome = "dead"
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
                    uow.jobs.retry(
                        job.id, uow.now + self.backoff(job.attempts), attempt.error or "retry"
                    )
            uow.jobs.finish(done, uow.now)
            uow.deliveries.add_all(rows)
            uow.commit()
