"""Delivering notifications: signed POSTs to the bot's callbackUri, one record per attempt."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import aiohttp
from aiohttp.abc import AbstractResolver

from callboard import json_codec
from callboard.config import Settings
from callboard.gateways.guarded_resolver import DestinationRefused, GuardedResolver
from callboard.json_types import JsonObject
from callboard.net import (
    DestinationPolicy,
    has_user_info,
    host_of,
    is_loopback,
    literal_refusal,
    rewrite,
)
from callboard.retry import RETRY_AFTER_STATUSES, is_retryable, parse_retry_after
from callboard.tokens import KeyRing

log = logging.getLogger("callboard.jobs")

USER_AGENT = "Microsoft-Skype/3.0,(Calling/1.0) Callboard/0.1"
MESSAGE_ID_NAMESPACE = uuid.UUID("0c7d2e4f-5b7a-4a86-9f0a-6a1e2b3c4d5e")
_NAMESPACE_BYTES = MESSAGE_ID_NAMESPACE.bytes
# How much of a bot's answer the deliveries listing keeps.
RESPONSE_BODY_CHARS = 2048
# How much of the Authorization header the deliveries listing shows.
MASKED_AUTHORIZATION_CHARS = 12


def message_id(name: str) -> str:
    """``str(uuid.uuid5(MESSAGE_ID_NAMESPACE, name))`` without the two UUID objects that
    cost more than the hash (two ids per notification)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def masked(headers: dict[str, str]) -> dict[str, str]:
    """The headers as the deliveries listing shows them: the bearer token cut short."""
    shown = dict(headers)
    if "Authorization" in shown:
        shown["Authorization"] = shown["Authorization"][:MASKED_AUTHORIZATION_CHARS] + "\u2026"
    return shown


@dataclass(frozen=True)
class Reply:
    """What a delivery needs of a response: its status and its ``Retry-After`` header."""

    status: int
    retry_after: str | None = None
    body: str = ""  # the first RESPONSE_BODY_CHARS characters, for the deliveries listing


class WebhookSender(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
        """POST and return the reply; raise on connection errors and timeouts."""
        ...

    async def close(self) -> None: ...


class AiohttpSender:
    """Keep-alive pool. aiohttp, because it stays fast under many concurrent POSTs where
    httpx's async pool slows down."""

    def __init__(
        self,
        limit: int = 128,
        *,
        policy: DestinationPolicy | None = None,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self._limit = limit
        # Production: every connection's addresses are checked (against DNS rebinding).
        self._policy = policy if policy is not None and policy.block_private else None
        self._resolver = resolver  # the name lookups under the check (tests: a fake)
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Reply:
        if self._session is None or self._session.closed:
            resolver = self._resolver
            if self._policy is not None:
                resolver = GuardedResolver(self._policy, self._resolver)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit, resolver=resolver)
            )
        client_timeout = self._timeouts.get(timeout)
        if client_timeout is None:
            client_timeout = self._timeouts[timeout] = aiohttp.ClientTimeout(total=timeout)
        async with self._session.post(
            url,
            data=body,
            headers=headers,
            allow_redirects=False,
            timeout=client_timeout,
        ) as response:
            raw = await response.read()
            return Reply(
                response.status,
                response.headers.get("Retry-After"),
                raw[:RESPONSE_BODY_CHARS].decode("utf-8", errors="replace") if raw else "",
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class NotificationSigner:
    """Bearer tokens on notifications: iss (settings), aud = the bot's appId, tid.
    One token per (app, tenant), reused until ten minutes before it expires.

    Times come from the wall clock, not the (possibly advanced) virtual clock: the bot checks
    iat, nbf and exp against its own real clock and rejects a token minted in its future."""

    def __init__(
        self, keyring: KeyRing, settings: Settings, wall_clock: Callable[[], float] = time.time
    ) -> None:
        self._keyring = keyring
        self._settings = settings
        self._wall_clock = wall_clock
        self._cache: dict[tuple[str, str], tuple[str, float]] = {}

    def token(self, app_id: str, tenant_id: str) -> str:
        now = self._wall_clock()
        cached = self._cache.get((app_id, tenant_id))
        if cached is not None and cached[1] - now > 600 and cached[1] - now <= self._lifetime:
            return cached[0]
        exp = int(now) + self._lifetime
        token = self._keyring.sign(
            {
                "iss": self._settings.notification_issuer,
                "aud": app_id,
                "tid": tenant_id,
                "iat": int(now),
                "nbf": int(now) - 300,
                "exp": exp,
            }
        )
        self._cache[(app_id, tenant_id)] = (token, float(exp))
        return token

    @property
    def _lifetime(self) -> int:
        return self._settings.notification_token_lifetime_seconds


@dataclass(frozen=True)
class Attempt:
    """The result of one POST: ``outcome`` is delivered, retry or failed (permanent).
    ``retry_after`` is the seconds a 429 or 503 asked for, when it said."""

    url: str
    status_code: int | None
    latency_ms: float
    error: str | None
    outcome: str
    retry_after: float | None = None
    # What the listing shows: the headers sent (masked), the start of the answer.
    request_headers: dict[str, str] | None = None
    response_body: str | None = None
    fault: str | None = None  # the injected fault (docs/fault-injection.md), if any


async def deliver(
    job_id: int,
    payload: JsonObject,
    *,
    sender: WebhookSender,
    signer: NotificationSigner,
    settings: Settings,
    now: float,
    url: str | None = None,
) -> Attempt:
    """One attempt at POSTing a notification; ``url`` is the payload's after the callback
    rewrites, when the caller has it already."""
    if url is None:
        url = rewrite(payload["url"], settings.callback_rewrites)
    if has_user_info(url):
        # Our bearer token is the notification's credential; an HTTP client refuses to send
        # both, so no attempt can ever succeed.
        return Attempt(url, None, 0.0, "refused: the callback URL carries user info", "failed")
    host = host_of(url)
    if settings.callback_loopback_only and not is_loopback(host):
        return Attempt(
            url,
            None,
            0.0,
            f"refused: {host} is not a loopback address (CALLBOARD_CALLBACK_LOOPBACK_ONLY)",
            "failed",
        )
    if settings.callback_block_private:
        # IP literals (and localhost): a name is checked by the sender's resolver, on the
        # addresses it connects to.
        reason = literal_refusal(settings.callback_allow, host)
        if reason is not None:
            return Attempt(url, None, 0.0, f"refused: {reason}", "failed")
    headers = {
        "Authorization": "Bearer " + signer.token(payload["appId"], payload["tenantId"]),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Microsoft-Skype-Message-ID": message_id(str(job_id)),
        "X-Microsoft-Skype-Chain-ID": payload.get("callChainId") or "",
        "client-request-id": message_id(f"req-{job_id}"),
    }
    body = json_codec.dumps(payload["body"])
    return await _post(job_id, url, body, headers, sender=sender, settings=settings, now=now)


async def _post(
    job_id: int,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    sender: WebhookSender,
    settings: Settings,
    now: float,
) -> Attempt:
    shown = masked(headers)
    started = time.perf_counter()
    try:
        reply = await sender.post(url, body, headers, settings.webhook_timeout_seconds)
    except TimeoutError:
        return Attempt(url, None, _ms(started), "timeout", "retry", request_headers=shown)
    except (aiohttp.ClientError, OSError) as exc:
        refused = exc if isinstance(exc, DestinationRefused) else exc.__cause__
        if isinstance(refused, DestinationRefused):
            return Attempt(url, None, _ms(started), str(refused), "failed", request_headers=shown)
        error = f"{type(exc).__name__}: {exc}"
        return Attempt(url, None, _ms(started), error, "retry", request_headers=shown)
    except Exception as exc:  # noqa: BLE001 - one bad URL or client bug must not fail a batch
        log.warning("delivery of job %s to %s raised", job_id, url, exc_info=True)
        error = f"{type(exc).__name__}: {exc}"
        return Attempt(url, None, _ms(started), error, "retry", request_headers=shown)
    status = reply.status
    answer = reply.body or None
    if 200 <= status < 300:
        return Attempt(url, status, _ms(started), None, "delivered", None, shown, answer)
    if not is_retryable(status):
        return Attempt(url, status, _ms(started), f"HTTP {status}", "failed", None, shown, answer)
    retry_after = (
        parse_retry_after(reply.retry_after, now) if status in RETRY_AFTER_STATUSES else None
    )
    return Attempt(url, status, _ms(started), f"HTTP {status}", "retry", retry_after, shown, answer)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
