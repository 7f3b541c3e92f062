"""The official msgraph-sdk invites a participant into a group call on a live server, reads
the operation (running, then completed), and removes the participant again.

Reuses the SDK client set-up and the seed 003 group call of ``test_msgraph_sdk``."""

from __future__ import annotations

from typing import Any

import pytest
from msgraph import GraphServiceClient
from msgraph.generated.communications.calls.item.participants.invite import (
    invite_post_request_body,
)
from msgraph.generated.models.call import Call
from msgraph.generated.models.call_state import CallState
from msgraph.generated.models.invite_participants_operation import InviteParticipantsOperation
from msgraph.generated.models.operation_status import OperationStatus
from msgraph.generated.models.participant import Participant

from tests.conftest import TEST_BOT
from tests.e2e import sdk_support
from tests.e2e.conftest import Shared
from tests.e2e.live import wait_for
from tests.e2e.test_msgraph_sdk import invitation, run_with_client, seed_003_example_3
from tests.support import Received

pytestmark = pytest.mark.slow

PARTICIPANT = "7e1b4346-85a6-4bdd-abe3-d11c5d420efe"
CLIENT_CONTEXT = "f2fa86af-3c51-4bc2-8fc0-475452d9764f"
ANSWER_LATE = {"response": "answer", "answerAfterSeconds": 30}


def test_sdk_invites_a_participant_and_reads_the_operation(shared: Shared) -> None:
    server = shared.server

    async def until(what: str, probe: Any) -> Any:
        return await sdk_support.until(server, what, probe, step=1.0)

    async def scenario(client: GraphServiceClient) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        created = await client.communications.calls.post(seed_003_example_3())
        assert isinstance(created, Call) and created.id
        call = client.communications.calls.by_call_id(created.id)

        async def established() -> bool:
            current = await call.get()
            return current is not None and current.state == CallState.Established

        await until("the group call to be established", established)

        seen["invite"] = await call.participants.invite.post(
            invite_post_request_body.InvitePostRequestBody(
                participants=[invitation("Participant", PARTICIPANT)],
                client_context=CLIENT_CONTEXT,
            )
        )
        operation = call.operations.by_comms_operation_id(seen["invite"].id)
        seen["running"] = await operation.get()

        async def completed() -> Any:
            got = await operation.get()
            return got if got is not None and got.status != OperationStatus.Running else None

        seen["completed"] = await until("the invite operation to finish", completed)
        participants = await call.participants.get()
        assert participants is not None
        seen["participants"] = participants.value

        invitee = seen["invite"].participants[0].participant_id
        await call.participants.by_participant_id(invitee).delete()
        after = await call.participants.get()
        assert after is not None
        seen["after_delete"] = after.value
        await call.delete()
        return seen

    # The invitee answers 30 (virtual) seconds after it rings: the operation is still
    # running when it is first read, however slow the machine.
    behaviour = server.http.put(f"/_callboard/behaviours/{PARTICIPANT}", json=ANSWER_LATE)
    assert behaviour.status_code == 200, behaviour.text
    try:
        seen = run_with_client(server, server.token(TEST_BOT), scenario)
    finally:
        server.http.delete(f"/_callboard/behaviours/{PARTICIPANT}")

    invite = seen["invite"]
    assert isinstance(invite, InviteParticipantsOperation)
    assert invite.status == OperationStatus.Running
    assert invite.client_context == CLIENT_CONTEXT
    assert [p.identity.user.id for p in invite.participants] == [PARTICIPANT]
    assert invite.participants[0].participant_id

    running = seen["running"]
    assert isinstance(running, InviteParticipantsOperation)  # by its @odata.type
    assert running.id == invite.id
    assert running.status == OperationStatus.Running

    completed = seen["completed"]
    assert isinstance(completed, InviteParticipantsOperation)
    assert completed.status == OperationStatus.Completed
    assert completed.result_info is not None and completed.result_info.code == 200
    assert completed.client_context == CLIENT_CONTEXT

    joined: list[Participant] = seen["participants"]
    invitee = invite.participants[0].participant_id
    assert invitee in {p.id for p in joined}
    assert next(p for p in joined if p.id == invitee).info.identity.user.id == PARTICIPANT
    assert invitee not in {p.id for p in seen["after_delete"]}

    # The bot heard of the completed operation at the call's callbackUri.
    url = f"/operations/{invite.id}"

    def operation_notes() -> list[Received]:
        return [r for r in shared.receiver.received if r.notification["resourceUrl"].endswith(url)]

    notes = wait_for(operation_notes, what="the operation's notification")
    assert [(r.path, r.notification["changeType"]) for r in notes] == [("/callback", "deleted")]
    assert notes[0].notification["resourceData"]["status"] == "Completed"
