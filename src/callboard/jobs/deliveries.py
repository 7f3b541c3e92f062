"""Notification POSTs in flight: started by the runner, recorded when they end.

The runner never waits for a POST: a bot that hangs until its timeout holds slots of its own
endpoint (scheme, host and port), not the batch, not the simulated parties' timers, not
other bots. The attempts that ended are recorded in the runner's next claim transaction, so
recording costs no commit of its own (one transaction per look, however many ended).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import traceback
from collections.abc import Callable, Iterable

from callboard.domain.faults import Fault, FaultKind
from callboard.jobs.webhooks import Attempt, NotificationSigner, WebhookSender, deliver
from callboard.json_types import JsonObject
from callboard.net import endpoint_of, rewrite
from callboard.retry import retry_delay
from callboard.services import faults
from callboard.services.runtime import Runtime
from callboard.store.jobs import ClaimedJob
from callboard.store.uow import UnitOfWork

log = logging.getLogger("callboard.jobs")

# Told of each notification attempt: its outcome (delivered, retry, dead) and latency in ms.
DeliveryObserver = Callable[[str, float], None]
# A POST that ended, not yet on record.
Ended = tuple[ClaimedJob, Attempt]


def describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()


class _Limits:
    """The runner's and each endpoint's semaphores, for one event loop (tests run the
    runner under several ``asyncio.run`` calls; a semaphore belongs to one loop)."""

    def __init__(self, total: int, per_endpoint: int) -> None:
        self.total = asyncio.Semaphore(total)
        self.per_endpoint = max(1, min(per_endpoint, total))
        self.endpoints: dict[str, tuple[asyncio.Semaphore, int]] = {}

    def enter(self, endpoint: str) -> asyncio.Semaphore:
        semaphore, users = self.endpoints.get(endpoint, (None, 0))
        if semaphore is None:
            semaphore = asyncio.Semaphore(self.per_endpoint)
        self.endpoints[endpoint] = (semaphore, users + 1)
        return semaphore

    def leave(self, endpoint: str) -> None:
        semaphore, users = self.endpoints[endpoint]
        if users <= 1:
            del self.endpoints[endpoint]
        else:
            self.endpoints[endpoint] = (semaphore, users - 1)


class DeliveryPool:
    """Starts one task per ``webhook.deliver`` job and records the attempts that ended."""

    def __init__(
        self,
        rt: Runtime,
        sender: WebhookSender,
        signer: NotificationSigner,
        on_done: Callable[[], None],
    ) -> None:
        self.rt = rt
        self.sender = sender
        self.signer = signer
        self.observe: DeliveryObserver | None = None
        self._on_done = on_done
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._done: list[Ended] = []
        self._limits: _Limits | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    @property
    def ended(self) -> bool:
        """Whether attempts ended that are not recorded yet."""
        return bool(self._done)

    @property
    def in_flight(self) -> frozenset[int]:
        """The ids of the jobs whose POST has not ended."""
        return frozenset(self._tasks)

    def start(self, jobs: list[ClaimedJob]) -> None:
        loop = asyncio.get_running_loop()
        if self._limits is None or self._loop is not loop:
            s = self.rt.settings
            self._limits = _Limits(s.runner_concurrency, s.webhook_endpoint_concurrency)
            self._loop = loop
        for job in jobs:
            if job.id in self._tasks:
                # Claimed again while its POST still runs (a lock taken over by mistake):
                # the running attempt records the outcome.
                continue
            task = loop.create_task(self._attempt(job, self._limits))
            self._tasks[job.id] = task
            task.add_done_callback(functools.partial(self._forget, job.id))

    def _forget(self, job_id: int, _task: asyncio.Task[None]) -> None:
        self._tasks.pop(job_id, None)

    def record_now(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        """Record what ended, in a transaction of its own (shutdown, tests)."""
        finished = self.take()
        if not finished:
            return
        try:
            with uow_factory() as uow:
                attempts = self.write(uow, finished)
                uow.commit()
        except BaseException:
            self.put_back(finished)
            raise
        self.observed(attempts)

    async def wait(self, job_ids: Iterable[int] | None = None) -> None:
        """Until the POSTs of these jobs (default: all in flight) have ended."""
        while True:
            wanted = self._tasks if job_ids is None else set(job_ids) & set(self._tasks)
            tasks = [self._tasks[i] for i in wanted]
            if not tasks:
                return
            await asyncio.wait(tasks)

    async def _attempt(self, job: ClaimedJob, limits: _Limits) -> None:
        url = rewrite(str(job.payload.get("url", "")), self.rt.settings.callback_rewrites)
        endpoint = endpoint_of(url)
        # The endpoint's slot first: tasks queued behind a slow bot hold none of the
        # runner's slots meanwhile.
        semaphore = limits.enter(endpoint)
        try:
            fault = faults.notification_fault(self.rt, job.payload, job.id)
            if fault is not None and job.attempts == 1:
                attempt = await self._with_fault(job, fault, url, semaphore, limits)
            else:
                async with semaphore, limits.total:
                    attempt = await self._deliver(job, url)
        except Exception as exc:  # noqa: BLE001 - one job's failure is its own attempt
            log.exception("delivery job %s failed", job.id)
            attempt = Attempt(url, None, 0.0, describe(exc), "retry")
        finally:
            limits.leave(endpoint)
        self._done.append((job, attempt))
        self._on_done()

    def tasks(self) -> list[asyncio.Task[None]]:
        return list(self._tasks.values())

    async def _deliver(self, job: ClaimedJob, url: str) -> Attempt:
        return await deliver(
            job.id,
            job.payload,
            sender=self.sender,
            signer=self.signer,
            settings=self.rt.settings,
            now=self.rt.clock.now(),
            # Rewritten once per attempt (a payload without a URL fails in ``deliver``).
            url=url if "url" in job.payload else None,
        )

    async def _with_fault(
        self,
        job: ClaimedJob,
        fault: Fault,
        url: str,
        semaphore: asyncio.Semaphore,
        limits: _Limits,
    ) -> Attempt:
        """The first attempt of a notification a fault injection rule picked."""
        kind = fault.kind
        if kind is FaultKind.DROP:
            return Attempt(url, None, 0.0, "dropped (injected fault)", "failed", fault=kind)
        if kind in (FaultKind.DELAY, FaultKind.REORDER):
            # Not sent now: again delaySeconds later (a reorder also leaves the call's
            # order, so the notifications queued after it go first).
            error = f"{kind.value}ed {fault.delay_seconds:g} s (injected fault)"
            return Attempt(
                url, None, 0.0, error, "retry", retry_after=fault.delay_seconds, fault=kind
            )
        async with semaphore, limits.total:
            await self._deliver(job, url)
            attempt = await self._deliver(job, url)
        return dataclasses.replace(attempt, fault=kind)

    def take(self) -> list[Ended]:
        """The attempts that ended since the last call, to ``write`` into a transaction."""
        finished, self._done = self._done, []
        return finished

    def put_back(self, finished: list[Ended]) -> None:
        """Attempts whose transaction failed: recorded at the next look."""
        self._done[:0] = finished

    def write(self, uow: UnitOfWork, finished: list[Ended]) -> list[tuple[str, float]]:
        """Record these attempts in ``uow`` (the caller commits); returns (outcome, latency)
        of each, for ``observed`` after the commit."""
        if not finished:
            return []
        s = self.rt.settings
        done: list[int] = []
        rows: list[JsonObject] = []
        observed: list[tuple[str, float]] = []
        for job, attempt in finished:
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
                    "request_headers": attempt.request_headers,
                    "response_body": attempt.response_body,
                    "fault": attempt.fault,
                }
            )
            if attempt.fault == FaultKind.REORDER:
                uow.jobs.retry(job.id, uow.now + (attempt.retry_after or 0.0), "reordered")
                uow.jobs.leave_order(job.id)
            elif outcome == "delivered":
                done.append(job.id)
            elif outcome == "dead":
                uow.jobs.dead(job.id, uow.now, attempt.error or "failed")
            else:
                delay = retry_delay(
                    job.attempts,
                    s.webhook_backoff_base_seconds,
                    s.webhook_backoff_max_seconds,
                    attempt.retry_after,
                )
                uow.jobs.retry(job.id, uow.now + delay, attempt.error or "retry")
        uow.jobs.finish(done, uow.now)
        uow.deliveries.add_all(rows)
        return observed

    def observed(self, attempts: list[tuple[str, float]]) -> None:
        """After the commit that recorded them: an attempt counts once it is on record."""
        if self.observe is not None:
            for outcome, latency_ms in attempts:
                self.observe(outcome, latency_ms)
