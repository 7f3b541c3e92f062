"""Call control through the official msgraph-sdk's v1.0 request builders on a live server:
transfer (accepted, then declined), hold music, addLargeGalleryView and audioRoutingGroups,
with the bot's notifications checked in order at the loopback receiver."""

from __future__ import annotations

from typing import Any

import pytest
from msgraph import GraphServiceClient
from msgraph.generated.communications.calls.item.add_large_gallery_view import (
    add_large_gallery_view_post_request_body,
)
from msgraph.generated.communications.calls.item.call_item_request_builder import (
    CallItemRequestBuilder,
)
from msgraph.generated.communications.calls.item.participants.item.start_hold_music import (
    start_hold_music_post_request_body,
)
from msgraph.generated.communications.calls.item.participants.item.stop_hold_music import (
    stop_hold_music_post_request_body,
)
from msgraph.generated.communications.calls.item.transfer import transfer_post_request_body
from msgraph.generated.models.add_large_gallery_view_operation import (
    AddLargeGalleryViewOperation,
)
from msgraph.generated.models.audio_routing_group import AudioRoutingGroup
from msgraph.generated.models.call import Call
from msgraph.generated.models.call_state import CallState
from msgraph.generated.models.media_info import MediaInfo
from msgraph.generated.models.media_prompt import MediaPrompt
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.operation_status import OperationStatus
from msgraph.generated.models.routing_mode import RoutingMode
from msgraph.generated.models.start_hold_music_operation import StartHoldMusicOperation
from msgraph.generated.models.stop_hold_music_operation import StopHoldMusicOperation

from tests.conftest import CALLING_BOT, TEST_BOT
from tests.e2e.conftest import Shared
from tests.e2e.live import LiveServer, wait_for
from tests.e2e.sdk_support import until
from tests.e2e.test_msgraph_sdk import (
    USER1,
    USER2,
    invitation,
    run_with_client,
    seed_003_example_1,
    seed_003_example_3,
)

pytestmark = pytest.mark.slow


async def established(server: LiveServer, call: CallItemRequestBuilder) -> Call:
    async def probe() -> Call | None:
        current = await call.get()
        return current if current is not None and current.state == CallState.Established else None

    return await until(server, "the call to be established", probe)


def call_states(shared: Shared, call_id: str) -> list[str]:
    return shared.receiver.states(call_id)


def transfer_to(user_id: str) -> transfer_post_request_body.TransferPostRequestBody:
    return transfer_post_request_body.TransferPostRequestBody(
        transfer_target=invitation("target", user_id)
    )


def test_sdk_transfers_a_call_accepted_then_declined(shared: Shared) -> None:
    server = shared.server

    async def scenario(client: GraphServiceClient) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        # 1. Accepted: transferring, transferAccepted, then the call is gone (404).
        created = await client.communications.calls.post(seed_003_example_1())
        assert created is not None and created.id
        call = client.communications.calls.by_call_id(created.id)
        await established(server, call)
        seen["accepted"] = created.id
        seen["transfer"] = await call.transfer.post(transfer_to(USER1))

        async def gone() -> ODataError | None:
            try:
                await call.get()
            except ODataError as error:
                return error
            return None

        seen["gone"] = await until(server, "the transferred call to end", gone)

        # 2. Declined: transferring, then established again with Graph's failure result.
        created = await client.communications.calls.post(seed_003_example_1())
        assert created is not None and created.id
        call = client.communications.calls.by_call_id(created.id)
        await established(server, call)
        seen["declined"] = created.id
        await call.transfer.post(transfer_to(USER2))

        async def failed() -> Call | None:
            current = await call.get()
            ok = current is not None and current.state == CallState.Established
            return current if ok and current is not None and current.result_info else None

        seen["failed"] = await until(server, "the transfer to fail", failed)
        await call.delete()
        return seen

    decline = server.http.put(f"/_callboard/behaviours/{USER2}", json={"response": "decline"})
    assert decline.status_code == 200, decline.text
    try:
        seen = run_with_client(server, server.token(CALLING_BOT), scenario)
    finally:
        server.http.delete(f"/_callboard/behaviours/{USER2}")

    assert seen["transfer"] is None  # 202, no body
    assert seen["gone"].response_status_code == 404
    history = server.admin_call(seen["accepted"])
    assert history["resultInfo"] == {
        "@odata.type": "#microsoft.graph.resultInfo",
        "code": 0,
        "subcode": 7015,
        "message": "GracefulTransferCompleted",
    }
    accepted = wait_for(
        lambda: (
            call_states(shared, seen["accepted"])
            if "terminated" in call_states(shared, seen["accepted"])
            else None
        ),
        what="the transferred call's notifications",
    )
    assert accepted[-3:] == ["transferring", "transferAccepted", "terminated"]

    failed = seen["failed"]
    assert (failed.result_info.code, failed.result_info.subcode) == (500, 7000)
    declined = wait_for(
        lambda: (
            call_states(shared, seen["declined"])
            if call_states(shared, seen["declined"])[-1:] == ["terminated"]
            else None
        ),
        what="the declined transfer's notifications",
    )
    assert declined[-4:] == ["transferring", "established", "terminating", "terminated"]


def test_sdk_hold_music_gallery_view_and_audio_routing(shared: Shared) -> None:
    server = shared.server

    async def scenario(client: GraphServiceClient) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        created = await client.communications.calls.post(seed_003_example_3())
        assert created is not None and created.id
        seen["id"] = created.id
        call = client.communications.calls.by_call_id(created.id)
        current = await established(server, call)

        async def both_joined() -> list[Any] | None:
            roster = await call.participants.get()
            assert roster is not None and roster.value is not None
            users = {p.info.identity.user.id: p.id for p in roster.value if p.info.identity.user}
            return [users[USER1], users[USER2]] if set(users) == {USER1, USER2} else None

        user1, user2 = await until(server, "both targets to join", both_joined)
        held = call.participants.by_participant_id(user1)

        async def completed(operation_id: str) -> Any:
            operation = call.operations.by_comms_operation_id(operation_id)

            async def probe() -> Any:
                got = await operation.get()
                return got if got is not None and got.status != OperationStatus.Running else None

            return await until(server, "the operation to complete", probe)

        seen["start"] = await held.start_hold_music.post(
            start_hold_music_post_request_body.StartHoldMusicPostRequestBody(
                custom_prompt=MediaPrompt(media_info=MediaInfo(uri="https://bot/onHold.wav")),
                client_context="hold",
            )
        )
        seen["started"] = await completed(seen["start"].id)
        seen["stop"] = await held.stop_hold_music.post(
            stop_hold_music_post_request_body.StopHoldMusicPostRequestBody(client_context="unhold")
        )
        seen["stopped"] = await completed(seen["stop"].id)

        seen["gallery"] = await call.add_large_gallery_view.post(
            add_large_gallery_view_post_request_body.AddLargeGalleryViewPostRequestBody(
                client_context="gallery"
            )
        )
        seen["gallery_done"] = await completed(seen["gallery"].id)

        groups = call.audio_routing_groups
        seen["created"] = await groups.post(
            AudioRoutingGroup(
                id="private",
                routing_mode=RoutingMode.OneToOne,
                sources=[user1],
                receivers=[current.my_participant_id],
            )
        )
        listed = await groups.get()
        assert listed is not None
        seen["listed"] = listed.value
        group = groups.by_audio_routing_group_id("private")
        seen["patched"] = await group.patch(
            AudioRoutingGroup(
                routing_mode=RoutingMode.Multicast, receivers=[current.my_participant_id, user2]
            )
        )
        seen["fetched"] = await group.get()
        await group.delete()
        try:
            await group.get()
        except ODataError as error:
            seen["deleted"] = error
        await call.delete()
        seen["user1"] = user1
        return seen

    seen = run_with_client(server, server.token(TEST_BOT), scenario)

    assert isinstance(seen["start"], StartHoldMusicOperation)
    assert (seen["start"].status, seen["start"].client_context) == (OperationStatus.Running, "hold")
    assert seen["started"].status == OperationStatus.Completed
    assert isinstance(seen["stop"], StopHoldMusicOperation)
    assert seen["stopped"].status == OperationStatus.Completed
    assert isinstance(seen["gallery"], AddLargeGalleryViewOperation)
    assert seen["gallery"].status == OperationStatus.Running
    assert seen["gallery_done"].status == OperationStatus.Completed

    assert isinstance(seen["created"], AudioRoutingGroup)
    assert seen["created"].routing_mode == RoutingMode.OneToOne
    assert [g.id for g in seen["listed"]] == ["private"]
    assert seen["patched"].routing_mode == RoutingMode.Multicast
    assert seen["fetched"].receivers == seen["patched"].receivers
    assert seen["fetched"].sources == [seen["user1"]]
    assert seen["deleted"].response_status_code == 404

    # The bot heard, in order: the held participant's audio going receiveOnly then back, and
    # each operation's completion.
    prefix = f"/communications/calls/{seen['id']}"

    def finished() -> list[dict[str, Any]] | None:
        notes = [
            n
            for n in shared.receiver.notifications()
            if n["resourceUrl"].startswith(prefix) and "/operations/" in n["resourceUrl"]
        ]
        return notes if len(notes) == 3 else None

    operations = wait_for(finished, what="the three operations' notifications")
    assert [
        n["resourceData"]["@odata.type"].removeprefix("#microsoft.graph.") for n in operations
    ] == [
        "startHoldMusicOperation",
        "stopHoldMusicOperation",
        "addLargeGalleryViewOperation",
    ]
    assert {n["resourceData"]["status"] for n in operations} == {"Completed"}
    rosters = [
        n["resourceData"]
        for n in shared.receiver.notifications()
        if n["resourceUrl"] == f"{prefix}/participants"
    ]
    held_audio = [
        next(
            s["direction"]
            for p in roster
            if p["id"] == seen["user1"]
            for s in p["mediaStreams"]
            if s["mediaType"] == "audio"
        )
        for roster in rosters
        if any(p["id"] == seen["user1"] for p in roster)
    ]
    assert held_audio[-2:] == ["receiveOnly", "sendReceive"]
