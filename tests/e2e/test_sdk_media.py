"""The official msgraph-sdk on a live server: subscribeToTone, the simulated callee presses a
key (through the admin party-actions endpoint), recordResponse records what it then says,
and the recording is fetched from its recordingLocation with its recordingAccessToken."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from msgraph import GraphServiceClient
from msgraph.generated.communications.calls.item.record_response import (
    record_response_post_request_body,
)
from msgraph.generated.communications.calls.item.subscribe_to_tone import (
    subscribe_to_tone_post_request_body,
)
from msgraph.generated.models.call import Call
from msgraph.generated.models.call_state import CallState
from msgraph.generated.models.media_info import MediaInfo
from msgraph.generated.models.media_prompt import MediaPrompt
from msgraph.generated.models.operation_status import OperationStatus
from msgraph.generated.models.record_operation import RecordOperation

from tests.conftest import CALLING_BOT
from tests.e2e import sdk_support
from tests.e2e.conftest import Shared
from tests.e2e.live import wait_for
from tests.e2e.test_msgraph_sdk import run_with_client, seed_003_example_1
from tests.support import Received

pytestmark = pytest.mark.slow

CONTEXT = "d45324c1-fcb5-430a-902c-f20af696537c"


def test_sdk_hears_a_key_and_records_the_answer(shared: Shared) -> None:
    server = shared.server

    async def until(what: str, probe: Any) -> Any:
        return await sdk_support.until(server, what, probe, step=0.5)

    def tone_notes(call_id: str) -> list[Received]:
        return [
            r
            for r in shared.receiver.received
            if r.notification["resourceUrl"] == f"/communications/calls/{call_id}"
            and "toneInfo" in r.notification["resourceData"]
        ]

    def party(call_id: str, **body: Any) -> dict[str, Any]:
        response = server.http.post(f"/_callboard/calls/{call_id}/party-actions", json=body)
        assert response.status_code == 202, response.text
        result: dict[str, Any] = response.json()
        return result

    async def scenario(client: GraphServiceClient) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        created = await client.communications.calls.post(seed_003_example_1())
        assert isinstance(created, Call) and created.id
        call_id = created.id
        seen["call_id"] = call_id
        call = client.communications.calls.by_call_id(call_id)

        async def established() -> bool:
            current = await call.get()
            return current is not None and current.state == CallState.Established

        await until("the call to be established", established)
        await call.subscribe_to_tone.post(
            subscribe_to_tone_post_request_body.SubscribeToTonePostRequestBody(
                client_context=CONTEXT
            )
        )
        seen["pressed"] = party(call_id, action="pressKeys", tones="2")
        seen["tones"] = wait_for(lambda: tone_notes(call_id), what="the tone notification")

        seen["record"] = await call.record_response.post(
            record_response_post_request_body.RecordResponsePostRequestBody(
                prompts=[
                    MediaPrompt(
                        odata_type="#microsoft.graph.mediaPrompt",
                        media_info=MediaInfo(
                            uri="https://cdn.contoso.com/beep.wav", resource_id="beep"
                        ),
                    )
                ],
                max_record_duration_in_seconds=10,
                initial_silence_timeout_in_seconds=5,
                max_silence_timeout_in_seconds=2,
                play_beep=True,
                stop_tones=["#"],
                client_context=CONTEXT,
            )
        )
        party(call_id, action="speak", seconds=2)
        operation = call.operations.by_comms_operation_id(seen["record"].id)

        async def finished() -> Any:
            got = await operation.get()
            return got if got is not None and got.status != OperationStatus.Running else None

        seen["finished"] = await until("the recording to finish", finished)
        return seen

    seen = run_with_client(server, server.token(CALLING_BOT), scenario)

    assert seen["pressed"]["action"] == "pressKeys"
    [tone] = seen["tones"]
    assert tone.notification["changeType"] == "updated"
    assert tone.notification["resourceData"]["toneInfo"]["tone"] == "tone2"
    assert tone.notification["resourceData"]["toneInfo"]["sequenceId"] == 1

    record = seen["record"]
    assert isinstance(record, RecordOperation)
    assert record.status == OperationStatus.Running
    assert record.client_context == CONTEXT

    finished = seen["finished"]
    assert isinstance(finished, RecordOperation)
    assert finished.status == OperationStatus.Completed
    assert finished.additional_data.get("completionReason") == "maxSilenceTimeout"
    assert finished.recording_location and finished.recording_access_token
    assert finished.recording_location.startswith(server.url)

    # The bot fetches the recording with its token; without it the server says 401.
    headers = {"Authorization": f"Bearer {finished.recording_access_token}"}
    got = httpx.get(finished.recording_location, headers=headers, timeout=10)
    assert got.status_code == 200
    assert got.content.startswith(b"RIFF")
    assert httpx.get(finished.recording_location, timeout=10).status_code == 401

    # The completion notification carried the same location and token.
    url = f"/operations/{record.id}"

    def record_notes() -> list[Received]:
        return [r for r in shared.receiver.received if r.notification["resourceUrl"].endswith(url)]

    [note] = wait_for(record_notes, what="the recordOperation notification")
    data = note.notification["resourceData"]
    assert data["recordingLocation"] == finished.recording_location
    assert data["recordingAccessToken"] == finished.recording_access_token
    detail = server.http.get(f"/_callboard/calls/{seen['call_id']}").json()
    assert [d["keys"] for d in detail["dtmf"]] == ["2"]
    assert [r["operationId"] for r in detail["recordings"]] == [record.id]
    server.http.post(
        f"/_callboard/calls/{seen['call_id']}/party-actions", json={"action": "hangUp"}
    )
