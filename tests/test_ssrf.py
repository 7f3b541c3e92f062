"""SSRF: with ``callback_block_private`` (production's default) a callbackUri or
notificationUrl may not reach loopback in any spelling, private ranges, link-local or cloud
metadata addresses: refused at the API after resolving the name (Graph's 400), and again
when connecting (against DNS rebinding), unless ``CALLBOARD_CALLBACK_ALLOW`` names them.
Development keeps allowing loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock, iso
from callboard.config import Settings
from callboard.gateways.endpoint_probe import ProbeFailed, post_validation
from callboard.jobs.webhooks import AiohttpSender, Attempt, NotificationSigner, deliver
from callboard.net import DestinationPolicy
from callboard.services.runtime import Runtime
from tests.support import Receiver, error_message, seed

LOOPBACK_AND_PRIVATE = [
    "127.0.0.1",
    "127.1.2.3",
    "localhost",
    "LocalHost.",
    "[::1]",
    "0.0.0.0",
    "0x7f.1",
    "2130706433",
    "0177.0.0.1",
    "[::ffff:127.0.0.1]",
    "[0:0:0:0:0:0:0:1]",
    "[::]",
    "169.254.169.254",
    "[fd00:ec2::254]",
    "[fe80::1]",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "[::ffff:10.0.0.1]",
]
# Names a fake DNS answers: one public, one that points into the server's network.
DNS = {
    "public.example": ["93.184.216.34"],
    "rebind.example": ["127.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["93.184.216.34", "10.1.2.3"],
}


def fake_resolve(name: str) -> list[str]:
    return DNS.get(name, [])


def _policy(allow: str = "") -> DestinationPolicy:
    return DestinationPolicy.parse(allow, block_private=True)


@pytest.mark.parametrize("host", LOOPBACK_AND_PRIVATE)
def test_every_spelling_of_a_private_address_is_refused(host: str) -> None:
    assert _policy().refusal(host, fake_resolve) is not None


@pytest.mark.parametrize("host", ["rebind.example", "metadata.example", "mixed.example"])
def test_a_name_resolving_to_a_private_address_is_refused(host: str) -> None:
    assert _policy().refusal(host, fake_resolve) is not None


@pytest.mark.parametrize("host", ["public.example", "93.184.216.34", "[2606:4700::1111]"])
def test_public_destinations_are_allowed(host: str) -> None:
    assert _policy().refusal(host, fake_resolve) is None


def test_the_allow_list_names_networks_addresses_and_hosts() -> None:
    policy = _policy("10.0.0.0/8, 127.0.0.1, rebind.example")
    assert policy.refusal("10.20.30.40", fake_resolve) is None
    assert policy.refusal("[::ffff:10.0.0.1]", fake_resolve) is None
    assert policy.refusal("127.0.0.1", fake_resolve) is None
    assert policy.refusal("rebind.example", fake_resolve) is None
    assert policy.refusal("192.168.1.1", fake_resolve) is not None
    assert policy.refusal("metadata.example", fake_resolve) is not None


def test_development_allows_loopback_and_production_blocks_by_default() -> None:
    assert Settings(mode="development").destinations.refusal("127.0.0.1", fake_resolve) is None
    assert (
        DestinationPolicy.parse("", block_private=False).refusal("10.0.0.1", fake_resolve) is None
    )
    production = Settings.model_construct(callback_block_private=None)
    assert production.callback_block_private is None  # the mode decides (validator)


# -- at the API ---------------------------------------------------------------------------


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"callback_block_private": True, "callback_allow": "bot.contoso.com"}


@pytest.fixture
def dns(rt: Runtime) -> None:
    rt.resolve = fake_resolve


def _create(client: TestClient, headers: dict[str, str], callback: str) -> Any:
    body = seed("create-call-1")["body"]
    body["callbackUri"] = callback
    return client.post("/v1.0/communications/calls", json=body, headers=headers)


@pytest.mark.parametrize("host", [*LOOPBACK_AND_PRIVATE, "rebind.example", "metadata.example"])
def test_the_api_refuses_private_callbacks(
    app_client: TestClient, auth: Callable[..., dict[str, str]], dns: None, host: str
) -> None:
    response = _create(app_client, auth(), f"https://{host}/api/calls")
    assert "not a public address" in error_message(response, 400, "invalidRequest")


def test_the_api_accepts_public_and_allowed_callbacks(
    app_client: TestClient, auth: Callable[..., dict[str, str]], dns: None
) -> None:
    assert _create(app_client, auth(), "https://public.example/cb").status_code == 201
    # The seed's host is on the allow-list of this test's settings.
    assert _create(app_client, auth(), "https://bot.contoso.com/cb").status_code == 201


def test_subscriptions_refuse_private_notification_urls(
    app_client: TestClient, auth: Callable[..., dict[str, str]], dns: None, clock: FrozenClock
) -> None:
    body = {
        "changeType": "created",
        "notificationUrl": "https://rebind.example/notify",
        "resource": "/communications/callRecords",
        "expirationDateTime": iso(clock.now() + 3600),
    }
    response = app_client.post("/v1.0/subscriptions", json=body, headers=auth())
    assert response.status_code == 400, response.text
    assert "not a public address" in response.text


# -- when connecting ----------------------------------------------------------------------


class FakeResolver(AbstractResolver):
    """DNS that answers ``target`` for every name: a rebinding attacker's."""

    def __init__(self, target: str) -> None:
        self.target = target

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host, host=self.target, port=port, family=family, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        pass


def _deliver(rt: Runtime, url: str, sender: AiohttpSender, settings: Settings) -> Attempt:
    payload = {
        "url": url,
        "body": {"value": []},
        "appId": "2891555a-92ff-42e6-80fa-6e1300c6b5c6",
        "tenantId": "aa67bd4c-8475-432d-bd41-39f255720e0a",
    }
    signer = NotificationSigner(rt.keyring, settings)

    async def run() -> Attempt:
        try:
            return await deliver(
                1, payload, sender=sender, signer=signer, settings=settings, now=0.0
            )
        finally:
            await sender.close()

    return asyncio.run(run())


def _delivery_settings(rt: Runtime, allow: str = "") -> Settings:
    return rt.settings.model_copy(
        update={
            "callback_rewrites": {},
            "callback_loopback_only": False,
            "callback_block_private": True,
            "callback_allow": allow,
        }
    )


@pytest.mark.parametrize("host", LOOPBACK_AND_PRIVATE)
def test_delivery_refuses_private_literals_without_connecting(
    rt: Runtime, receiver: Receiver, host: str
) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    settings = _delivery_settings(rt)
    sender = AiohttpSender(policy=settings.destinations)
    attempt = _deliver(rt, f"http://{host}:{port}/cb", sender, settings)
    assert attempt.outcome == "failed" and "refused" in (attempt.error or ""), attempt
    assert receiver.attempts == []


@pytest.mark.parametrize("target", ["127.0.0.1", "169.254.169.254", "10.0.0.1"])
def test_delivery_refuses_a_name_that_rebinds_to_a_private_address(
    rt: Runtime, receiver: Receiver, target: str
) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    settings = _delivery_settings(rt)
    sender = AiohttpSender(policy=settings.destinations, resolver=FakeResolver(target))
    attempt = _deliver(rt, f"http://public.example:{port}/cb", sender, settings)
    assert attempt.outcome == "failed" and "refused" in (attempt.error or ""), attempt
    assert receiver.attempts == []


def test_delivery_reaches_an_allowed_private_address(rt: Runtime, receiver: Receiver) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    settings = _delivery_settings(rt, allow="127.0.0.0/8")
    sender = AiohttpSender(policy=settings.destinations, resolver=FakeResolver("127.0.0.1"))
    attempt = _deliver(rt, f"http://public.example:{port}/cb", sender, settings)
    assert attempt.outcome == "delivered", attempt
    assert len(receiver.attempts) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "0x7f.1", "[::1]", "169.254.169.254"])
def test_the_validation_probe_refuses_private_literals(host: str) -> None:
    with pytest.raises(ProbeFailed, match="refused"):
        asyncio.run(post_validation(f"http://{host}:9/notify", "t", 5.0, _policy()))


def test_the_validation_probe_refuses_localhost_by_name(receiver: Receiver) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    with pytest.raises(ProbeFailed, match="refused"):
        asyncio.run(post_validation(f"http://localhost.:{port}/notify", "t", 5.0, _policy()))
    assert receiver.attempts == []
