"""Delivering notifications: signed POSTs to the bot's callbackUri, one record per attempt."""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp

from callboard.config import Settings
from callboard.services.calls import is_loopback
from callboard.tokens import KeyRing

USER_AGENT = "Microsoft-Skype/3.0,(Calling/1.0) Callboard/0.1"
MESSAGE_ID_NAMESPACE = uuid.UUID("0c7d2e4f-5b7a-4a86-9f0a-6a1e2b3c4d5e")


class WebhookSender(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        """POST and return the status code; raise on connection errors and timeouts."""
        ...

    async def close(self) -> None: ...


class AiohttpSender:
    """Keep-alive pool; aiohttp stays fast under concurrency where httpx's async pool does not
    (PERF-NOTES.md)."""

    def __init__(self, limit: int = 128) -> None:
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._limit))
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
            await response.read()
            return response.status

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
    """The result of one POST: ``outcome`` is delivered, retry or failed (permanent)."""

    url: str
    status_code: int | None
    latency_ms: float
    error: str | None
    outcome: str


def rewrite(url: str, rewrites: dict[str, str]) -> str:
    for prefix, replacement in rewrites.items():
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    return url


# Callback hosts are few; parsing each as an IP address on every delivery is not free.
_is_loopback = functools.lru_cache(maxsize=1024)(is_loopback)


def _retryable(status: int) -> bool:
    return status >= 500 or status in (408, 429)


async def deliver(
    job_id: int,
    payload: dict[str, Any],
    *,
    sender: WebhookSender,
    signer: NotificationSigner,
    settings: Settings,
    now: float,
) -> Attempt:
    url = rewrite(payload["url"], settings.callback_rewrites)
    host = urlsplit(url).hostname or ""
    if settings.callback_loopback_only and not _is_loopback(host):
        return Attempt(
            url,
            None,
            0.0,
            f"refused: {host} is not a loopback address (CALLBOARD_CALLBACK_LOOPBACK_ONLY)",
            "failed",
        )
    headers = {
        "Authorization": "Bearer " + signer.token(payload["appId"], payload["tenantId"]),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Microsoft-Skype-Message-ID": str(uuid.uuid5(MESSAGE_ID_NAMESPACE, str(job_id))),
        "X-Microsoft-Skype-Chain-ID": payload.get("callChainId") or "",
        "client-request-id": str(uuid.uuid5(MESSAGE_ID_NAMESPACE, f"req-{job_id}")),
    }
    body = json.dumps(payload["body"], separators=(",", ":")).encode()
    started = time.perf_counter()
    try:
        status = await sender.post(url, body, headers, settings.webhook_timeout_seconds)
    except TimeoutError:
        return Attempt(url, None, _ms(started), "timeout", "retry")
    except (aiohttp.ClientError, OSError) as exc:
        return Attempt(url, None, _ms(started), f"{type(exc).__name__}: {exc}", "retry")
    if 200 <= status < 300:
        return Attempt(url, status, _ms(started), None, "delivered")
    outcome = "retry" if _retryable(status) else "failed"
    return Attempt(url, status, _ms(started), f"HTTP {status}", outcome)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
