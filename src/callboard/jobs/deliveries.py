"""Notification POSTs in flight: started by the runner, recorded when they end.

The runner never waits for a POST: a bot that hangs until its timeout holds one slot of its
own endpoint, not the batch, not the simulated parties' timers, not other bots. Finished
attempts are recorded together (one transaction) the next time the runner looks.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import traceback
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from callboard.jobs.webhooks import Attempt, NotificationSigner, WebhookSender, deliver, rewrite
from callboard.retry import retry_delay
from callboard.services.runtime import Runtime
from callboard.store.repositories import ClaimedJob

log = logging.getLogger("callboard.jobs")

# At most this share of the runner's POSTs in flight to one endpoint (scheme, host and
# port): a slow bot with many calls queues behind itself instead of taking every slot.
ENDPOINT_SHARE = 4


def endpoint_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}:{parts.port}"
    except ValueError:
        return url


class _Limits:
    """The runner's and each endpoint's semaphores, for one event loop (tests run the
    runner under several ``asyncio.run`` calls; a semaphore belongs to one loop)."""

    def __init__(self, total: int) -> None:
        self.total = asyncio.Semaphore(total)
        self.per_endpoint = max(1, total // ENDPOINT_SHARE)
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


def describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()


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
        self._on_done = on_done
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._done: list[tuple[ClaimedJob, Attempt]] = []
        self._limits: _Limits | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def start(self, jobs: list[ClaimedJob]) -> None:
        loop = asyncio.get_running_loop()
        if self._limits is None or self._loop is not loop:
            self._limits = _Limits(self.rt.settings.runner_concurrency)
            self._loop = loop
        for job in jobs:
            if job.id in self._tasks:
                # Its lock expired while the POST still runs, and this runner claimed it
                # again: the running attempt records the outcome.
                continue
            task = loop.create_task(self._attempt(job, self._limits))
            self._tasks[job.id] = task
            task.add_done_callback(functools.partial(self._forget, job.id))

    def _forget(self, job_id: int, _task: asyncio.Task[None]) -> None:
        self._tasks.pop(job_id, None)

    @property
    def ended(self) -> bool:
        """Whether attempts ended that are not recorded yet."""
        return bool(self._done)

    @property
    def in_flight(self) -> frozenset[int]:
        """The ids of the jobs whose POST has not ended."""
        return frozenset(self._tasks)

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
            async with semaphore, limits.total:
                attempt = await deliver(
                    job.id,
                    job.payload,
                    sender=self.sender,
                    signer=self.signer,
                    settings=self.rt.settings,
                    now=self.rt.clock.now(),
                )
        except Exception as exc:  # noqa: BLE001 - one job's failure is its own attempt
            log.exception("delivery job %s failed", job.id)
            attempt = Attempt(url, None, 0.0, describe(exc), "retry")
        finally:
            limits.leave(endpoint)
        self._done.append((job, attempt))
        self._on_done()

    def record(self) -> int:
        """Record every attempt that ended since the last call, in one transaction."""
        if not self._done:
            return 0
        finished, self._done = self._done, []
        s = self.rt.settings
        with self.rt.uow() as uow:
            done, rows = [], []
            for job, attempt in finished:
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
                    delay = retry_delay(
                        job.attempts,
                        s.webhook_backoff_base_seconds,
                        s.webhook_backoff_max_seconds,
                        attempt.retry_after,
                    )
                    uow.jobs.retry(job.id, uow.now + delay, attempt.error or "retry")
            uow.jobs.finish(done, uow.now)
            uow.deliveries.add_all(rows)
            uow.commit()
        return len(finished)
