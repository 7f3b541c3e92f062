"""The prompt bot tested with the ``callboard`` fixture (installed with Callboard: no setup).

Run with ``pytest docs/examples`` from a checkout where Callboard is installed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphServiceClient
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as adapter_options
from msgraph_core import GraphClientFactory
from prompt_bot import PromptBot

BOB = "b0b00000-0000-4000-8000-000000000002"  # a user of Callboard's development directory


class StaticToken(AccessTokenProvider):
    def __init__(self, token: str) -> None:
        self.token = token

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator([])


@asynccontextmanager
async def graph_client(base_url: str, token: str) -> AsyncIterator[GraphServiceClient]:
    """msgraph-sdk pointed at Callboard: only the adapter's base URL differs from Graph.
    The HTTP client is made here only to be closed at the end (msgraph-core's transport
    wrapper cannot close the pooled sockets itself)."""
    transport = httpx.AsyncHTTPTransport()
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(transport=transport), options=adapter_options
    )
    try:
        adapter = GraphRequestAdapter(
            BaseBearerTokenAuthenticationProvider(StaticToken(token)), client=http
        )
        adapter.base_url = f"{base_url}/v1.0"
        yield GraphServiceClient(request_adapter=adapter)
    finally:
        await http.aclose()
        await transport.aclose()


def test_the_bot_calls_bob_plays_a_prompt_and_hangs_up(callboard: Any) -> None:
    receiver = callboard.receiver

    async def scenario() -> None:
        async with graph_client(callboard.base_url, callboard.token()) as client:
            bot = PromptBot(client, callback_uri=callboard.callback_uri)

            call_id = await bot.call(BOB, "Bob")
            # Bob answers after a simulated second; wait (real time) for the notification.
            await asyncio.to_thread(receiver.wait_for, call_id, state="established")

            operation_id = await bot.play(call_id, "https://cdn.contoso.com/greeting.wav")
            callboard.clock.advance(1)  # a prompt plays for one (virtual) second
            await asyncio.to_thread(receiver.wait_for_operation, call_id, operation_id)

            await bot.hang_up(call_id)
            await asyncio.to_thread(receiver.wait_for, call_id, state="terminated")

        states = receiver.states(call_id)
        assert states[0] == "establishing"
        assert states.index("established") < states.index("terminated")

    asyncio.run(scenario())


def test_a_declining_callee_ends_the_call(callboard: Any) -> None:
    callboard.script(BOB, "decline")

    async def scenario() -> str:
        async with graph_client(callboard.base_url, callboard.token()) as client:
            return await PromptBot(client, callboard.callback_uri).call(BOB, "Bob")

    call_id = asyncio.run(scenario())
    terminated = callboard.receiver.wait_for(call_id, state="terminated")
    assert "established" not in callboard.receiver.states(call_id)
    assert terminated.resource_data["resultInfo"]["code"] >= 400
