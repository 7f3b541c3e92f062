"""The official msgraph-sdk against a live server, set up as a bot would point it at Callboard:
a static token provider, ``adapter.base_url = http://127.0.0.1:PORT/v1.0``."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphServiceClient
from msgraph.generated.models.call import Call
from msgraph.generated.models.call_direction import CallDirection
from msgraph.generated.models.call_state import CallState
from msgraph.generated.models.identity import Identity
from msgraph.generated.models.identity_set import IdentitySet
from msgraph.generated.models.invitation_participant_info import InvitationParticipantInfo
from msgraph.generated.models.modality import Modality
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.outgoing_call_options import OutgoingCallOptions
from msgraph.generated.models.participant_info import ParticipantInfo
from msgraph.generated.models.service_hosted_media_config import ServiceHostedMediaConfig
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as adapter_options
from msgraph_core import GraphClientFactory

from tests.conftest import CALLING_BOT, TEST_BOT
from tests.e2e.conftest import Shared
from tests.e2e.live import LiveServer, wait_for

pytestmark = pytest.mark.slow

T = TypeVar("T")
JOHN = "112f7296-5fa4-42ca-bae8-6a692b15d4b8"
USER1 = "98da8a1a-1b87-452c-a713-65d3f10b5555"
USER2 = "bf5aae9a-d11d-47a8-93b1-782504c95555"


class StaticTokenProvider(AccessTokenProvider):
    def __init__(self, token: str) -> None:
        self.token = token

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator([])  # empty: every host allowed


def run_with_client(
    server: LiveServer, token: str, scenario: Callable[[GraphServiceClient], Awaitable[T]]
) -> T:
    """Build the client inside the event loop, run ``scenario``, close its HTTP client."""

    async def main() -> T:
        # The client GraphRequestAdapter(auth) builds for itself (KiotaClientFactory's
        # defaults, msgraph's middleware options), made here only to be able to close it:
        # msgraph-core's AsyncGraphTransport has no aclose(), so closing the client leaves
        # its pooled sockets open (a ResourceWarning, an error under -W error).
        transport = httpx.AsyncHTTPTransport(http2=True)
        raw = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(100, connect=30))
        http = GraphClientFactory.create_with_default_middleware(
            client=raw, options=adapter_options
        )
        try:
            auth = BaseBearerTokenAuthenticationProvider(StaticTokenProvider(token))
            adapter = GraphRequestAdapter(auth, client=http)
            adapter.base_url = f"{server.url}/v1.0"  # no trailing slash; set on the adapter
            return await scenario(GraphServiceClient(request_adapter=adapter))
        finally:
            await http.aclose()
            await transport.aclose()

    return asyncio.run(main())


def identity(display_name: str, id_: str) -> Identity:
    return Identity(odata_type="#microsoft.graph.identity", display_name=display_name, id=id_)


def invitation(display_name: str, id_: str) -> InvitationParticipantInfo:
    return InvitationParticipantInfo(
        odata_type="#microsoft.graph.invitationParticipantInfo",
        identity=IdentitySet(
            odata_type="#microsoft.graph.identitySet", user=identity(display_name, id_)
        ),
    )


def seed_003_example_1() -> Call:
    """Create peer-to-peer VoIP call with service hosted media."""
    return Call(
        odata_type="#microsoft.graph.call",
        callback_uri="https://bot.contoso.com/callback",
        targets=[invitation("John", JOHN)],
        requested_modalities=[Modality.Audio],
        call_options=OutgoingCallOptions(is_content_sharing_notification_enabled=True),
        media_config=ServiceHostedMediaConfig(),
    )


def seed_003_example_3() -> Call:
    """Create a group call with service hosted media (``removeFromDefaultAudioGroup`` is not
    in the v1.0 model, so it travels in ``additional_data``)."""
    return Call(
        odata_type="#microsoft.graph.call",
        direction=CallDirection.Outgoing,
        subject="Create a group call with service hosted media",
        callback_uri="https://bot.contoso.com/callback",
        source=ParticipantInfo(
            odata_type="#microsoft.graph.participantInfo",
            identity=IdentitySet(
                odata_type="#microsoft.graph.identitySet",
                application=identity("TestBot", TEST_BOT),
            ),
        ),
        targets=[invitation("user1", USER1), invitation("user2", USER2)],
        requested_modalities=[Modality.Audio],
        media_config=ServiceHostedMediaConfig(
            additional_data={"removeFromDefaultAudioGroup": False}
        ),
    )


EXAMPLES = {
    "003-example-1": (CALLING_BOT, seed_003_example_1, [JOHN]),
    "003-example-3": (TEST_BOT, seed_003_example_3, [USER1, USER2]),
}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_sdk_creates_reads_lists_and_deletes_a_call(shared: Shared, example: str) -> None:
    app_id, build, target_ids = EXAMPLES[example]
    server = shared.server
    token = server.token(app_id)

    async def scenario(client: GraphServiceClient) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        created = await client.communications.calls.post(build())
        assert isinstance(created, Call)
        assert created.id
        seen["created"] = created
        call = client.communications.calls.by_call_id(created.id)
        seen["fetched"] = await call.get()

        # The simulated callees answer in virtual time: advance until every target has
        # joined (a group call is established as soon as the bot's own leg is up).
        deadline = time.monotonic() + 10
        while True:
            current = await call.get()
            participants = await call.participants.get()
            assert current is not None and participants is not None
            joined = {p.info.identity.user.id for p in participants.value if p.info.identity.user}
            if current.state == CallState.Established and joined == set(target_ids):
                break
            assert time.monotonic() < deadline, f"{current.state}, {joined} after 10 s"
            server.advance(1.0)
            await asyncio.sleep(0.02)
        seen["established"] = current
        seen["participants"] = participants
        seen["deleted"] = await call.delete()
        seen["after_delete"] = await call.get()
        return seen

    seen = run_with_client(server, token, scenario)

    created: Call = seen["created"]
    assert created.state == CallState.Establishing
    assert created.direction == CallDirection.Outgoing
    assert created.callback_uri == "https://bot.contoso.com/callback"
    assert isinstance(created.media_config, ServiceHostedMediaConfig)
    assert created.my_participant_id and created.call_chain_id
    assert [t.identity.user.id for t in created.targets] == target_ids
    assert created.source is not None and created.source.identity.application.id == app_id

    fetched: Call = seen["fetched"]
    assert fetched.id == created.id
    assert fetched.call_chain_id == created.call_chain_id
    assert fetched.state in (CallState.Establishing, CallState.Established)

    participants = seen["participants"].value
    users = sorted(p.info.identity.user.id for p in participants if p.info.identity.user)
    apps = [p.info.identity.application.id for p in participants if p.info.identity.application]
    assert users == sorted(target_ids)
    assert apps == [app_id]
    assert created.my_participant_id in {p.id for p in participants}

    assert seen["deleted"] is None
    assert seen["after_delete"].state in (CallState.Terminating, CallState.Terminated)

    # The bot heard the whole story, in order, at the rewritten loopback callback.
    call_id = created.id

    def terminated() -> bool:
        server.advance(1.0)
        return "terminated" in shared.receiver.states(call_id)

    wait_for(terminated, what="the terminated notification")
    states = shared.receiver.states(call_id)
    assert states[0] == "establishing"
    assert states.index("establishing") < states.index("established") < states.index("terminated")
    assert {r.path for r in shared.receiver.received if call_id in str(r.body)} == {"/callback"}


def test_sdk_surfaces_graph_errors_as_odata_error(shared: Shared) -> None:
    server = shared.server
    unknown = str(uuid.uuid4())

    async def scenario(client: GraphServiceClient) -> ODataError:
        try:
            await client.communications.calls.by_call_id(unknown).get()
        except ODataError as exc:
            return exc
        raise AssertionError("GET of an unknown call succeeded")

    error = run_with_client(server, server.token(CALLING_BOT), scenario)

    assert error.response_status_code == 404
    assert error.error is not None
    assert error.error.code == "itemNotFound"
    assert unknown in (error.error.message or "")

    async def bad_token(client: GraphServiceClient) -> ODataError:
        try:
            await client.communications.calls.by_call_id(unknown).get()
        except ODataError as exc:
            return exc
        raise AssertionError("a forged token was accepted")

    error = run_with_client(server, "not-a-token", bad_token)
    assert error.response_status_code == 401
    assert error.error is not None and error.error.code == "InvalidAuthenticationToken"
