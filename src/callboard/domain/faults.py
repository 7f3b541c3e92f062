"""Fault injection rules (docs/fault-injection.md): what to do to which notifications and
Graph requests, decided deterministically from a seed.

A rule is scoped by any of app, call and route (all given must match) and fires for a
``share`` of what it matches: whether it fires for one notification or request is a pure
function of the seed, the rule and that item's key, so a run with the same seed and the same
traffic sees the same faults.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum

from callboard.errors import BadRequest, GraphError
from callboard.json_types import JsonObject


class FaultKind(StrEnum):
    # Notifications (webhook.deliver jobs), on their first attempt.
    DELAY = "delay"  # sent delaySeconds later; the call's later notifications wait
    DUPLICATE = "duplicate"  # POSTed twice, same message id
    REORDER = "reorder"  # sent after the call's next notification
    DROP = "drop"  # never sent
    # Graph requests: answered at once with Graph's error envelope.
    THROTTLE = "throttle"  # 429 TooManyRequests + Retry-After
    UNAVAILABLE = "unavailable"  # 503 serviceNotAvailable + Retry-After
    TIMEOUT = "timeout"  # 504 gatewayTimeout


NOTIFICATION_FAULTS = frozenset(
    {FaultKind.DELAY, FaultKind.DUPLICATE, FaultKind.REORDER, FaultKind.DROP}
)
REQUEST_FAULTS = frozenset({FaultKind.THROTTLE, FaultKind.UNAVAILABLE, FaultKind.TIMEOUT})


class InjectedThrottle(GraphError):
    """Graph's throttling answer (429 + Retry-After), injected."""

    status_code = 429
    code = "TooManyRequests"
    message = "Too many requests (injected fault)."


class InjectedUnavailable(GraphError):
    status_code = 503
    code = "serviceNotAvailable"
    message = "The service is temporarily unavailable (injected fault)."


class InjectedTimeout(GraphError):
    status_code = 504
    code = "gatewayTimeout"
    message = "The gateway timed out (injected fault)."


@dataclass(frozen=True)
class Fault:
    id: str
    kind: FaultKind
    share: float = 1.0
    seed: int = 0
    app_id: str | None = None
    call_id: str | None = None
    # A path prefix under the Graph version, e.g. "/communications/calls".
    route: str | None = None
    delay_seconds: float = 5.0
    retry_after_seconds: int = 2

    @classmethod
    def parse(cls, fault_id: str, body: JsonObject) -> Fault:
        """A rule from its admin API body (camelCase); ``BadRequest`` when it makes no sense."""
        try:
            kind = FaultKind(str(body.get("kind")))
        except ValueError:
            raise BadRequest(
                f"kind must be one of {', '.join(k.value for k in FaultKind)}."
            ) from None
        share = _number(body, "share", 1.0)
        if not 0.0 <= share <= 1.0:
            raise BadRequest("share must be between 0 and 1.")
        delay = _number(body, "delaySeconds", 5.0)
        retry_after = _number(body, "retryAfterSeconds", 2)
        if delay < 0 or delay > 3600 or retry_after < 0 or retry_after > 3600:
            raise BadRequest("delaySeconds and retryAfterSeconds must be within 0..3600.")
        route = _text(body, "route")
        if route is not None and not route.startswith("/"):
            raise BadRequest("route must be a path starting with '/', e.g. /communications/calls.")
        if route is not None and kind in NOTIFICATION_FAULTS:
            raise BadRequest("route scopes Graph requests; notification faults take appId/callId.")
        return cls(
            id=fault_id,
            kind=kind,
            share=share,
            seed=int(_number(body, "seed", 0)),
            app_id=_text(body, "appId"),
            call_id=_text(body, "callId"),
            route=route,
            delay_seconds=delay,
            retry_after_seconds=int(retry_after),
        )

    @classmethod
    def from_document(cls, document: JsonObject) -> Fault:
        return cls(**{**document, "kind": FaultKind(document["kind"])})

    def document(self) -> JsonObject:
        return {**asdict(self), "kind": self.kind.value}

    def to_json(self) -> JsonObject:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "share": self.share,
            "seed": self.seed,
            "appId": self.app_id,
            "callId": self.call_id,
            "route": self.route,
            "delaySeconds": self.delay_seconds,
            "retryAfterSeconds": self.retry_after_seconds,
        }

    def fires(self, key: str) -> bool:
        """Whether the rule fires for the item ``key``: a function of the seed, the kind and
        the key only, so the same seed picks the same items in every run."""
        if self.share >= 1.0:
            return True
        draw = random.Random(f"{self.seed}:{self.kind.value}:{key}").random()  # noqa: S311
        return draw < self.share

    def matches_notification(self, app_id: str | None, call_id: str | None) -> bool:
        return (
            self.kind in NOTIFICATION_FAULTS
            and self.app_id in (None, app_id)
            and self.call_id in (None, call_id)
        )

    def matches_request(self, app_id: str | None, path: str) -> bool:
        """``path`` without the Graph version (``/communications/calls/...``)."""
        if self.kind not in REQUEST_FAULTS or self.app_id not in (None, app_id):
            return False
        if self.call_id is not None and f"/communications/calls/{self.call_id}" not in path:
            return False
        return self.route is None or path.lower().startswith(self.route.lower())

    def error(self) -> GraphError:
        retry_after = {"Retry-After": str(self.retry_after_seconds)}
        if self.kind is FaultKind.THROTTLE:
            return InjectedThrottle(headers=retry_after)
        if self.kind is FaultKind.UNAVAILABLE:
            return InjectedUnavailable(headers=retry_after)
        return InjectedTimeout()


def first_notification_fault(
    faults: list[Fault], app_id: str | None, call_id: str | None, job_id: int
) -> Fault | None:
    for fault in faults:
        if fault.matches_notification(app_id, call_id) and fault.fires(f"job:{job_id}"):
            return fault
    return None


def _number(body: JsonObject, name: str, default: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(f"{name} must be a number.")
    return float(value)


def _text(body: JsonObject, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{name} must be a non-empty string.")
    return value


class FaultBook:
    """One process's copy of the rules, reloaded at most once a second (at once after a
    change it made), and its count of Graph requests per rule (the key a request rule
    decides on). With no rule, injection costs a list check."""

    RELOAD_SECONDS = 1.0

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._loaded = float("-inf")
        self._lock = threading.Lock()
        self._counters: dict[str, itertools.count[int]] = {}

    def invalidate(self) -> None:
        self._loaded = float("-inf")

    def rules(self, load: Callable[[], list[Fault]]) -> list[Fault]:
        if time.monotonic() - self._loaded >= self.RELOAD_SECONDS:
            faults = load()
            with self._lock:
                self._faults = faults
                self._loaded = time.monotonic()
        return self._faults

    def request_number(self, fault_id: str) -> int:
        with self._lock:
            return next(self._counters.setdefault(fault_id, itertools.count(1)))
