"""The official msgraph-sdk on a live server: the bot sends DTMF tones (the simulated callee's
log shows them) and takes the sharer's role in an app-hosted group call (its screen-sharing
stream reaches the roster notification)."""

from __future__ import annotations

from typing import Any

import pytest
from msgraph import GraphServiceClient
from msgraph.generated.communications.calls.item.change_screen_sharing_role import (
    change_screen_sharing_role_post_request_body,
)
from msgraph.generated.communications.calls.item.send_dtmf_tones import (
    send_dtmf_tones_post_request_body,
)
from msgraph.generated.models.app_hosted_media_config import AppHostedMediaConfig
from msgraph.generated.models.operation_status import OperationStatus
from msgraph.generated.models.screen_sharing_role import ScreenSharingRole
from msgraph.generated.models.send_dtmf_tones_operation import SendDtmfTonesOperation
from msgraph.generated.models.tone import Tone

from tests.conftest import CALLING_BOT, TEST_BOT
from tests.e2e.conftest import Shared
from tests.e2e.live import wait_for
from tests.e2e.sdk_support import until
from tests.e2e.test_msgraph_sdk import run_with_client, seed_003_example_1, seed_003_example_3
from tests.e2e.test_sdk_call_control import established

pytestmark = pytest.mark.slow

SendBody = send_dtmf_tones_post_request_body.SendDtmfTonesPostRequestBody
RoleBody = change_screen_sharing_role_post_request_body.ChangeScreenSharingRolePostRequestBody


def test_sdk_sends_dtmf_tones_to_the_callee(shared: Shared) -> None:
    server = shared.server

    async def scenario(client: GraphServiceClient) -> dict[str, Any]:
        created = await client.communications.calls.post(seed_003_example_1())
        assert created is not None and created.id
        call = client.communications.calls.by_call_id(created.id)
        await established(server, call)
        sent = await call.send_dtmf_tones.post(
            SendBody(tones=[Tone.Tone1, Tone.Pound], delay_between_tones_ms=200)
        )
        assert sent is not None and sent.id
        operation = call.operations.by_comms_operation_id(sent.id)

        async def done() -> Any:
            got = await operation.get()
            return got if got is not None and got.status != OperationStatus.Running else None

        finished = await until(server, "the tones to be sent", done)
        await call.delete()
        return {"id": created.id, "sent": sent, "finished": finished}

    seen = run_with_client(server, server.token(CALLING_BOT), scenario)
    assert isinstance(seen["sent"], SendDtmfTonesOperation)
    assert seen["finished"].status == OperationStatus.Completed
    [entry] = server.admin_call(seen["id"])["dtmf"]
    assert (entry["direction"], entry["keys"]) == ("sent", "1#")


def test_sdk_takes_the_sharer_role_in_an_app_hosted_group_call(shared: Shared) -> None:
    server = shared.server
    body = seed_003_example_3()
    body.media_config = AppHostedMediaConfig(blob="<media configuration blob>")

    async def scenario(client: GraphServiceClient) -> str:
        created = await client.communications.calls.post(body)
        assert created is not None and created.id
        call = client.communications.calls.by_call_id(created.id)
        current = await established(server, call)
        await call.change_screen_sharing_role.post(RoleBody(role=ScreenSharingRole.Sharer))
        assert current.my_participant_id
        return f"{created.id}:{current.my_participant_id}"

    call_id, bot_id = run_with_client(server, server.token(TEST_BOT), scenario).split(":")

    def sharing() -> dict[str, Any] | None:
        for note in shared.receiver.notifications():
            if note["resourceUrl"] != f"/communications/calls/{call_id}/participants":
                continue
            for participant in note["resourceData"]:
                streams = participant.get("mediaStreams") or []
                for stream in streams:
                    if participant["id"] == bot_id and stream["mediaType"] == (
                        "videoBasedScreenSharing"
                    ):
                        found: dict[str, Any] = stream
                        return found
        return None

    stream = wait_for(sharing, what="the bot's screen-sharing stream in a roster notification")
    assert (stream["label"], stream["direction"]) == ("applicationsharing-video", "sendOnly")
    ended = server.graph("DELETE", f"/communications/calls/{call_id}", server.token(TEST_BOT))
    assert ended.status_code == 204
