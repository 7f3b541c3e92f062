"""Sending SMS: the ``SmsGateway`` protocol and its adapters, chosen by ``sms_gateway``.

- ``outbox``: records only (the message ends ``delivered``: the outbox is its destination).
- ``twilio``: Twilio's Messages REST API (``twilio_base_url`` points tests at a local fake).
- ``webhook``: a JSON POST to ``sms_webhook_url`` signed with HMAC-SHA256 of the body
  (``X-Callboard-Signature: sha256=<hex>``, ``X-Callboard-Timestamp``).

Every adapter answers with a ``SendResult``: ``sent``/``delivered``, ``retry`` (timeouts,
connection errors, the statuses ``callboard.retry`` calls retryable) or ``failed`` (any
other refusal: permanent).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Literal, Protocol

import httpx

from callboard.config import Settings
from callboard.net import is_loopback_url
from callboard.retry import is_retryable

Outcome = Literal["sent", "delivered", "retry", "failed"]


@dataclass(frozen=True)
class OutgoingSms:
    message_id: str
    to: str
    text: str


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_id: str | None = None
    error: str | None = None


class SmsGateway(Protocol):
    async def send(self, sms: OutgoingSms) -> SendResult: ...


def _classify(status: int, text: str) -> SendResult:
    if is_retryable(status):
        return SendResult("retry", error=f"HTTP {status}: {text[:300]}")
    return SendResult("failed", error=f"HTTP {status}: {text[:300]}")


class _HttpGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _refuse(self, url: str) -> SendResult | None:
        if not url:
            return SendResult("failed", error=f"{type(self).__name__} has no URL configured.")
        if self.settings.callback_loopback_only and not is_loopback_url(url):
            return SendResult(
                "failed", error=f"Refused non-loopback SMS gateway {url} in development mode."
            )
        return None

    async def _post(self, url: str, **kwargs: object) -> httpx.Response | SendResult:
        try:
            async with httpx.AsyncClient(timeout=self.settings.sms_timeout_seconds) as client:
                return await client.post(url, **kwargs)  # type: ignore[arg-type]
        except httpx.TimeoutException as exc:
            return SendResult("retry", error=f"timeout: {exc!r}")
        except httpx.TransportError as exc:
            return SendResult("retry", error=f"connection error: {exc!r}")


class OutboxGateway:
    """Records only: the message row is the outbox."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, sms: OutgoingSms) -> SendResult:
        return SendResult("delivered", provider_id=f"outbox-{sms.message_id}")


class TwilioGateway(_HttpGateway):
    """``POST {base}/2010-04-01/Accounts/{sid}/Messages.json`` with basic auth."""

    async def send(self, sms: OutgoingSms) -> SendResult:
        s = self.settings
        base = s.twilio_base_url.rstrip("/")
        url = f"{base}/2010-04-01/Accounts/{s.twilio_account_sid}/Messages.json"
        refused = self._refuse(url if s.twilio_account_sid else "")
        if refused is not None:
            return refused
        response = await self._post(
            url,
            data={"To": sms.to, "From": s.twilio_from_number, "Body": sms.text},
            auth=(s.twilio_account_sid, s.twilio_auth_token),
        )
        if isinstance(response, SendResult):
            return response
        if 200 <= response.status_code < 300:
            try:
                sid = str(response.json().get("sid") or "")
            except ValueError:
                sid = ""
            return SendResult("sent", provider_id=sid or None)
        return _classify(response.status_code, response.text)


class WebhookGateway(_HttpGateway):
    """A JSON POST signed with HMAC-SHA256 over ``timestamp + "." + body``."""

    async def send(self, sms: OutgoingSms) -> SendResult:
        url = self.settings.sms_webhook_url
        refused = self._refuse(url)
        if refused is not None:
            return refused
        body = json.dumps(
            {"id": sms.message_id, "to": sms.to, "text": sms.text}, separators=(",", ":")
        ).encode()
        timestamp = str(int(time.time()))
        signature = sign(self.settings.sms_webhook_secret, timestamp, body)
        response = await self._post(
            url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Callboard-Timestamp": timestamp,
                "X-Callboard-Signature": f"sha256={signature}",
                "Idempotency-Key": sms.message_id,
            },
        )
        if isinstance(response, SendResult):
            return response
        if 200 <= response.status_code < 300:
            return SendResult("sent", provider_id=sms.message_id)
        return _classify(response.status_code, response.text)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


GATEWAYS: dict[str, type[OutboxGateway] | type[TwilioGateway] | type[WebhookGateway]] = {
    "outbox": OutboxGateway,
    "twilio": TwilioGateway,
    "webhook": WebhookGateway,
}


def build(settings: Settings) -> SmsGateway:
    try:
        return GATEWAYS[settings.sms_gateway](settings)
    except KeyError:
        raise ValueError(
            f"Unknown sms_gateway {settings.sms_gateway!r}; choose one of {', '.join(GATEWAYS)}."
        ) from None
