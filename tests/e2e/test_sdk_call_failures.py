"""The official msgraph-sdk on a live server, on the failure paths of call control: a recording
cancelled by the bot and one ended by a stop tone, a call that lapses without keepAlive, and
Graph's errors (401 without a valid token, 404 for an unknown call, 400 for bad parameters) as
the SDK surfaces them (``ODataError``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from msgraph import GraphServiceClient
from msgraph.generated.communications.calls.item.cancel_media_processing import (
    cancel_media_processing_post_request_body,
)
from msgraph.generated.communications.calls.item.record_response import (
    record_response_post_request_body,
)
from msgraph.generated.communications.calls.item.transfer import transfer_post_request_body
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.operation_status import OperationStatus
from msgraph.generated.models.record_operation import RecordOperation

from tests.conftest import CALLING_BOT
from tests.e2e.conftest import Launcher, Shared
from tests.e2e.live import LiveServer, callboard_env, wait_for
from tests.e2e.sdk_support import odata_error, until
from tests.e2e.test_msgraph_sdk import USER1, run_with_client, seed_003_example_1
from tests.e2e.test_sdk_call_control import established, transfer_to
from tests.support import Receiver

pytestmark = pytest.mark.slow

RecordBody = record_response_post_request_body.RecordResponsePostRequestBody
T = TypeVar("T")


def _party(server: LiveServer, call_id: str, **body: Any) -> None:
    response = server.http.post(f"/_callboard/calls/{call_id}/party-actions", json=body)
    assert response.status_code == 202, response.text


async def wait_async(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 10.0, what: str
) -> T:
    deadline = time.monotonic() + timeout
    while (value := await probe()) is None:
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
    return value


def _code(error: ODataError) -> str | None:
    return error.error.code if error.error is not None else None


def test_sdk_sees_a_cancelled_recording_and_one_ended_by_a_stop_tone(shared: Shared) -> None:
    server = shared.server

    async def finished(client: GraphServiceClient, call_id: str, operation_id: str) -> Any:
        operation = client.communications.calls.by_call_id(call_id).operations
        item = operation.by_comms_operation_id(operation_id)

        async def probe() -> RecordOperation | None:
            got = await item.get()
            ok = isinstance(got, RecordOperation) and got.status != OperationStatus.Running
            return got if ok else None

        return await until(server, "the recording to close", probe)

    async def scenario(client: GraphServiceClient) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        created = await client.communications.calls.post(seed_003_example_1())
        assert created is not None and created.id
        call = client.communications.calls.by_call_id(created.id)
        await established(server, call)
        seen["call_id"] = created.id

        # 1. The bot cancels the recording it asked for.
        first = await call.record_response.post(RecordBody(max_record_duration_in_seconds=30))
        assert first is not None and first.id
        await call.cancel_media_processing.post(
            cancel_media_processing_post_request_body.CancelMediaProcessingPostRequestBody()
        )
        seen["cancelled"] = await finished(client, created.id, first.id)

        # 2. The caller speaks, then presses one of the stop tones.
        second = await call.record_response.post(
            RecordBody(max_record_duration_in_seconds=30, stop_tones=["#"], play_beep=False)
        )
        assert second is not None and second.id
        seen["second"] = second.id
        server.advance(2)  # the recording's window opens (no queue, no beep)
        _party(server, created.id, action="speak", seconds=2)
        server.advance(2)
        _party(server, created.id, action="pressKeys", tones="#")
        seen["stopped"] = await finished(client, created.id, second.id)

        # 3. Bad parameters: Graph's 400, nothing started.
        seen["bad_record"] = await odata_error(
            call.record_response.post(RecordBody(max_record_duration_in_seconds=100_000))
        )
        seen["bad_transfer"] = await odata_error(
            call.transfer.post(transfer_post_request_body.TransferPostRequestBody())
        )
        await call.delete()
        return seen

    seen = run_with_client(server, server.token(CALLING_BOT), scenario)

    cancelled = seen["cancelled"]
    assert cancelled.status == OperationStatus.Failed
    assert cancelled.additional_data.get("completionReason") == "operationCanceled"
    assert (cancelled.result_info.code, cancelled.result_info.subcode) == (400, 8508)
    assert not cancelled.recording_location

    stopped = seen["stopped"]
    assert stopped.status == OperationStatus.Completed
    assert stopped.additional_data.get("completionReason") == "stopToneDetected"
    assert stopped.recording_location and stopped.recording_access_token

    for error in (seen["bad_record"], seen["bad_transfer"]):
        assert error.response_status_code == 400
        assert _code(error) == "invalidRequest"

    # The bot was told of both closings, in order, by operation notifications.
    def closings() -> list[str] | None:
        reasons = [
            r.notification["resourceData"].get("completionReason")
            for r in shared.receiver.received
            if "/operations/" in r.notification["resourceUrl"]
            and r.notification["resourceUrl"].startswith(f"/communications/calls/{seen['call_id']}")
            and r.notification["resourceData"].get("@odata.type", "").endswith("recordOperation")
            and r.notification["resourceData"].get("status") != "Running"
        ]
        return reasons if len(reasons) == 2 else None

    assert wait_for(closings, what="both recordings' notifications") == [
        "operationCanceled",
        "stopToneDetected",
    ]


def test_sdk_gets_graph_errors_for_a_bad_token_and_an_unknown_call(shared: Shared) -> None:
    server = shared.server

    async def unknown(client: GraphServiceClient) -> list[ODataError]:
        calls = client.communications.calls
        return [
            await odata_error(calls.by_call_id("no-such-call").transfer.post(transfer_to(USER1))),
            await odata_error(calls.by_call_id("no-such-call").record_response.post(RecordBody())),
            await odata_error(calls.by_call_id("no-such-call").keep_alive.post()),
        ]

    async def anonymous(client: GraphServiceClient) -> list[ODataError]:
        calls = client.communications.calls
        return [
            await odata_error(calls.by_call_id("no-such-call").transfer.post(transfer_to(USER1))),
            await odata_error(calls.by_call_id("no-such-call").record_response.post(RecordBody())),
        ]

    for error in run_with_client(server, server.token(CALLING_BOT), unknown):
        assert error.response_status_code == 404
        assert _code(error) == "itemNotFound"
    for error in run_with_client(server, "not-a-token", anonymous):
        assert error.response_status_code == 401
        assert _code(error) == "InvalidAuthenticationToken"


def test_sdk_call_without_keep_alive_lapses_after_45_minutes(
    tmp_path: Any, receiver: Receiver, launcher: Launcher
) -> None:
    # Its own server: the shared one's clock must not jump 45 minutes (its tokens would lapse).
    server = launcher.serve(f"sqlite:///{tmp_path / 'lapse.db'}", callboard_env(receiver.url))

    async def scenario(client: GraphServiceClient) -> dict[str, Any]:
        created = await client.communications.calls.post(seed_003_example_1())
        assert created is not None and created.id
        call = client.communications.calls.by_call_id(created.id)
        await established(server, call)
        await call.keep_alive.post()  # 200: the call lives 45 more minutes from now
        server.advance(44 * 60)
        assert (await call.get()) is not None  # (the token lives an hour of this clock)
        server.advance(60 + 1)

        async def ended() -> ODataError | None:
            # The lapse is a timer job that the server's runner picks up just after the advance.
            try:
                await call.get()
            except ODataError as error:
                return error
            await asyncio.sleep(0.05)
            return None

        gone = await wait_async(ended, what="the call to lapse")
        return {"id": created.id, "gone": gone, "late": await odata_error(call.keep_alive.post())}

    seen = run_with_client(server, server.token(CALLING_BOT), scenario)
    assert seen["gone"].response_status_code == 404
    assert seen["late"].response_status_code == 404

    def lapsed() -> dict[str, Any] | None:
        notes = [
            r.notification
            for r in receiver.received
            if r.notification["resourceUrl"] == f"/communications/calls/{seen['id']}"
            and r.notification["changeType"] == "deleted"
        ]
        return notes[-1] if notes else None

    note = wait_for(lapsed, what="the lapsed call's deleted notification")
    assert note["resourceData"]["state"] == "terminated"
    assert note["resourceData"]["resultInfo"]["code"] == 408
