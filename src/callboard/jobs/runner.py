"""The job runner: claims due jobs, runs them, retries with backoff, dead-letters.

It runs inside ``callboard serve`` (an asyncio task) or alone as ``callboard worker``;
several may run against one database. Each job kind has one handler in ``Runner.handlers``,
which runs a batch of claimed jobs of that kind. Simulation steps are short synchronous
transactions; webhook POSTs (``jobs/deliveries.py``) and SMS sends run in background tasks,
so a bot or gateway that hangs delays neither timers nor anybody else. Whatever goes wrong
with one job is that job's failed attempt: never the batch's, never a silent retry forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from callboard.gateways import sms as sms_gateways
from callboard.jobs.deliveries import DeliveryObserver, DeliveryPool, describe
from callboard.jobs.webhooks import NotificationSigner, WebhookSender
from callboard.json_types import JsonObject
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
from callboard.store.uow import UnitOfWork

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
# With many POSTs in flight, attempts end by the hundred per second: recording them (and
# claiming the calls' next notifications) every few milliseconds would cost a claim query
# each time. Past a full endpoint's worth in flight, looks are this far apart at least.
BUSY_COALESCE_SECONDS = 0.02

BatchHandler = Callable[[list[ClaimedJob]], Awaitable[None]]
# A job handler that runs one job in its own transaction and finishes it there.
StepHandler = Callable[[Runtime, JsonObject, int], None]


class Runner:
    def __init__(
        self, rt: Runtime, sender: WebhookSender, *, wall_clock: Callable[[], float] = time.time
    ) -> None:
        self.rt = rt
        # This process in the registry. Heartbeats use real time, never the virtual clock:
        # an advance of the clock in one process must not make the others look dead.
        self.process_id = uuid.uuid4().hex
        self.wall_clock = wall_clock
        self._registered = False
        self.signer = NotificationSigner(rt.keyring, rt.settings)
        self.deliveries = DeliveryPool(rt, sender, self.signer, on_done=self.wake)
        self.sms_gateway = sms_gateways.build(rt.settings)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        # SMS batches being sent.
        self._sending: set[asyncio.Task[None]] = set()
        # Job kind -> the handler of a batch of that kind, run in this order: timers first,
        # so that the notifications they cause can join the next batch.
        self.handlers: dict[str, BatchHandler] = {
            simulation.CALL_PROGRESS: self._run_progress,
            transfers.CALL_TRANSFER: self._sync_handler(transfers.run_step),
            call_records.CALL_RECORD_PUBLISH: self._sync_handler(call_records.publish),
            change_notifications.SUBSCRIPTION_LIFECYCLE: self._sync_handler(
                change_notifications.run_lifecycle
            ),
            WEBHOOK_DELIVER: self._deliver_all,
            sms_sending.SMS_SEND: self._send_sms,
        }

    @property
    def sender(self) -> WebhookSender:
        return self.deliveries.sender

    @sender.setter
    def sender(self, sender: WebhookSender) -> None:
        self.deliveries.sender = sender

    @property
    def observe_delivery(self) -> DeliveryObserver | None:
        return self.deliveries.observe

    @observe_delivery.setter
    def observe_delivery(self, observer: DeliveryObserver | None) -> None:
        self.deliveries.observe = observer

    @property
    def busy(self) -> bool:
        """Whether POSTs or SMS sends are still in flight."""
        return self.deliveries.busy or bool(self._sending)

    async def settle(self) -> None:
        """Wait until nothing is in flight, and record what ended."""
        while self.busy:
            await self.deliveries.wait()
            if self._sending:
                await asyncio.wait(list(self._sending))
        self.deliveries.record_now(self.rt.uow)

    def wake(self) -> None:
        """Thread-safe nudge after a commit that wrote jobs."""
        if self._wake.is_set():
            # Already nudged (every ended POST calls this): the next look is coming.
            return
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
        # POSTs started and not ended: past this many, claim no more notifications (timers
        # and SMS still go), so one process never hoards the queue while a bot hangs.
        saturated = len(self.deliveries.in_flight) >= 2 * s.runner_concurrency
        # The attempts that ended since the last look go in the claim's transaction: their
        # calls' next notifications are claimable at once, and recording costs no commit.
        ended = self.deliveries.take()
        try:
            with self.rt.uow() as uow:
                if not self._registered:
                    # Registered before it holds any job, so a crash releases them.
                    self._beat(uow)
                attempts = self.deliveries.write(uow, ended)
                jobs = uow.jobs.claim_due(
                    uow.now,
                    s.runner_batch_size,
                    s.job_lock_seconds,
                    skip_kinds=(WEBHOOK_DELIVER,) if saturated else (),
                    owner=self.process_id,
                )
                uow.commit()
                self._registered = True
        except BaseException:
            self.deliveries.put_back(ended)
            raise
        self.deliveries.observed(attempts)
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
                self._fail(batch, describe(exc))
        return len(jobs)

    def _beat(self, uow: UnitOfWork) -> None:
        uow.processes.beat(self.process_id, socket.gethostname(), os.getpid(), self.wall_clock())

    def heartbeat(self) -> list[str]:
        """Record that this process lives, and release the jobs of the processes whose
        heartbeat is too old; returns their ids. Thread-safe (it has its own transaction)."""
        with self.rt.uow() as uow:
            self._beat(uow)
            cutoff = self.wall_clock() - self.rt.settings.process_dead_after_seconds
            dead = uow.processes.release_dead(cutoff)
            uow.commit()
        self._registered = True
        if dead:
            log.warning("processes %s stopped beating: their jobs are released", dead)
            self.wake()
        return dead

    def leave(self) -> None:
        """A clean shutdown: nothing held any more, and no row left to time out."""
        with self.rt.uow() as uow:
            uow.processes.leave(self.process_id)
            uow.commit()
        self._registered = False

    def _heartbeats(self, stop: threading.Event) -> None:
        """The heartbeat thread: beats even while the event loop is busy for a while."""
        every = self.rt.settings.heartbeat_seconds
        while not stop.wait(every):
            try:
                self.heartbeat()
            except Exception:
                log.exception("heartbeat failed")

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
        """Run batches, and wait for what they sent, until nothing is due at the clock's
        current time (tests, admin)."""
        total = 0
        for _ in range(max_batches):
            ran = await self.run_due()
            if not ran:
                if self.deliveries.ended:
                    continue
                if not self.busy:
                    break
                await self._wait_in_flight()
            total += ran
        return total

    async def _wait_in_flight(self) -> None:
        """Until at least one POST or SMS batch in flight ends."""
        tasks = [*self.deliveries.tasks(), *self._sending]
        if tasks:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)

    async def run_forever(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self.heartbeat()
        beats_stop = threading.Event()
        beats = threading.Thread(
            target=self._heartbeats, args=(beats_stop,), name="callboard-heartbeat", daemon=True
        )
        beats.start()
        try:
            await self._run(stop)
        finally:
            beats_stop.set()
            await asyncio.to_thread(beats.join)
            with contextlib.suppress(Exception):
                self.leave()

    async def _run(self, stop: asyncio.Event) -> None:
        poll = self.rt.settings.runner_poll_seconds
        full = self.rt.settings.runner_batch_size
        synced = 0.0
        while not stop.is_set():
            if time.monotonic() - synced >= poll:
                # Another process (serve, when this is a worker) may have moved the clock.
                synced = time.monotonic()
                clock_sync.load(self.rt)
            # Cleared before the look: whatever ends or commits after it wakes the next one.
            self._wake.clear()
            try:
                ran = await self.run_due()
            except Exception:
                log.exception("job runner batch failed")
                ran = 0
            if ran:
                # A full batch: more is due now. A partial one: let more commits join the next.
                await asyncio.sleep(0 if ran >= full else self._pause())
                continue
            if not self._wake.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=poll)
            if self._wake.is_set() and not stop.is_set():
                # Let the attempts ending and the commits of the next moment join one look.
                await asyncio.sleep(self._pause())
        # Let the POSTs in flight end (each within its timeout) and record them.
        await self.settle()
        await self.sender.close()

    def _pause(self) -> float:
        busy = len(self.deliveries.in_flight) >= self.rt.settings.webhook_endpoint_concurrency
        return BUSY_COALESCE_SECONDS if busy else COALESCE_SECONDS

    def _sync_handler(self, step: StepHandler) -> BatchHandler:
        """A kind whose jobs are short transactions, run like the simulation's steps."""

        async def run(jobs: list[ClaimedJob]) -> None:
            await self._run_steps(jobs, step)

        return run

    async def _run_progress(self, jobs: list[ClaimedJob]) -> None:
        """Timer steps: those of one slice share a transaction (``simulation.run_steps``).
        Where that fails nothing was written, and the rest run one by one: a failure stays
        the failing job's attempt."""
        start = 0
        while start < len(jobs):
            steps = [(job.payload, job.id) for job in jobs[start:]]
            try:
                start += simulation.run_steps(
                    self.rt, steps, time.perf_counter() + STEP_SLICE_SECONDS
                )
            except Exception:  # noqa: BLE001 - rerun alone, each failure is its job's
                await self._run_steps(jobs[start:])
                return
            if start < len(jobs):
                await asyncio.sleep(0)

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
            error = describe(exc)
            with self.rt.uow() as uow:
                if job.attempts >= job.max_attempts:
                    log.error("job %s (%s) dead: %s", job.id, job.kind, error)
                    uow.jobs.dead(job.id, uow.now, error)
                else:
                    # Mostly optimistic-lock conflicts with another runner: retry soon.
                    uow.jobs.retry(job.id, uow.now + 0.05 * job.attempts, error)
                uow.commit()

    async def _send_sms(self, jobs: list[ClaimedJob]) -> None:
        self._in_background(sms_sending.run_sends(self.rt, self.sms_gateway, jobs), jobs)

    def _in_background(self, work: Coroutine[Any, Any, None], jobs: list[ClaimedJob]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception as exc:  # noqa: BLE001 - a handler's failure is its jobs' attempt
                log.exception("job handler for %s failed", jobs[0].kind)
                self._fail(jobs, describe(exc))

        task = asyncio.get_running_loop().create_task(guarded())
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _deliver_all(self, jobs: list[ClaimedJob]) -> None:
        self.deliveries.start(jobs)
