"""Operations, participants and the Graph JSON of calls, without I/O."""

from __future__ import annotations

import pytest

from callboard.domain import graph_json, results
from callboard.domain.calls import Call, CallKind, CallResource
from callboard.domain.events import OperationFinished
from callboard.domain.operations import CommsOperation, MediaQueue, OperationKind, OperationStatus
from callboard.domain.participants import Participant
from callboard.errors import InvalidStateTransition


def test_status_values_are_the_schema_members() -> None:
    assert [s.value for s in OperationStatus] == ["NotStarted", "Running", "Completed", "Failed"]
    assert OperationStatus.parse("running") is OperationStatus.RUNNING
    assert OperationStatus.parse("Completed") is OperationStatus.COMPLETED
    with pytest.raises(ValueError):
        OperationStatus.parse("done")


def test_a_running_operation_completes_once() -> None:
    op = CommsOperation.started("o", OperationKind.SEND_DTMF_TONES, "ctx")
    assert op.is_running and op.result_info is None and op.completion_reason is None
    op.complete()
    assert op.status is OperationStatus.COMPLETED
    assert op.result_info == results.OPERATION_COMPLETED
    assert op.completion_reason == "completedSuccessfully"
    with pytest.raises(InvalidStateTransition):
        op.fail(results.CALL_ENDED_FIRST)
    assert op.status is OperationStatus.COMPLETED


def test_a_running_operation_fails_with_its_reason() -> None:
    op = CommsOperation.started("o", OperationKind.PLAY_PROMPT, None)
    op.fail(results.MEDIA_CANCELLED)
    assert (op.status, op.result_info) == (OperationStatus.FAILED, results.MEDIA_CANCELLED)
    with pytest.raises(InvalidStateTransition):
        op.complete()


def test_operation_json_round_trips_and_has_only_its_type_properties() -> None:
    op = CommsOperation.started("o", OperationKind.INVITE_PARTICIPANTS, "c", participants=[{}])
    data = graph_json.operation(op)
    assert data == {
        "@odata.type": "#microsoft.graph.inviteParticipantsOperation",
        "id": "o",
        "status": "Running",
        "clientContext": "c",
        "resultInfo": None,
        "participants": [{}],
    }
    assert graph_json.parse_operation(data) == op
    done = CommsOperation.done("m", OperationKind.MUTE, None)
    assert set(graph_json.operation(done)) == {
        "@odata.type",
        "id",
        "status",
        "clientContext",
        "resultInfo",
    }
    # Operations stored before the schema's casing read back.
    assert graph_json.parse_operation({**data, "status": "completed"}).status is (
        OperationStatus.COMPLETED
    )


def test_media_queue_runs_operations_one_after_another() -> None:
    queue = MediaQueue()
    assert queue.enqueue("a", now=10.0, seconds=2.0) == 2.0
    assert queue.enqueue("b", now=11.0, seconds=1.0) == 2.0  # starts when "a" ends, at 12
    queue.done("a")
    assert queue.operations == ["b"]
    assert queue.clear() == ["b"]
    assert (queue.operations, queue.ends_at) == ([], 0.0)


def test_participant_mute_and_json_round_trip() -> None:
    p = Participant.new("p", {"user": {"id": "u"}}, modalities=["audio", "video"], source_id=1)
    p.set_muted(True)
    assert [(s.media_type, s.server_muted) for s in p.media_streams] == [
        ("audio", True),
        ("video", False),
    ]
    data = graph_json.participant(p)
    assert data["isMuted"] is True and data["info"]["participantId"] == "p"
    assert graph_json.parse_participant(data) == p


def test_call_json_is_graph_properties_and_the_echo_only() -> None:
    call = Call.place_outgoing(
        id="c",
        tenant_id="t",
        app_id="a",
        api_version="v1.0",
        kind=CallKind.GROUP,
        resource=CallResource.parse(
            {"callbackUri": "https://bot/cb", "myParticipantId": "me", "targets": []}
        ),
        echo={"customProperty": 1},
        now=0.0,
    )
    call.waiting_for_host = True
    call.tone_subscribed = True
    call.caller_hang_up_after_seconds = 3.0
    call.screen_sharing_role = "sharer"
    call.media_queue.enqueue("o", 0.0, 1.0)
    data = graph_json.call(call)
    assert data["customProperty"] == 1
    assert data["callbackUri"] == "https://bot/cb"
    assert data["subject"] is None
    for internal in ("waitingForHost", "toneSubscribed", "mediaQueue", "screenSharingRole"):
        assert internal not in data
    assert not any("HangUp" in key for key in data)


def _group_call() -> Call:
    return Call.place_outgoing(
        id="c",
        tenant_id="t",
        app_id="a",
        api_version="v1.0",
        kind=CallKind.GROUP,
        resource=CallResource.parse(
            {"callbackUri": "https://bot/cb", "myParticipantId": "me", "targets": []}
        ),
        now=0.0,
    )


def test_media_operations_finish_on_the_call() -> None:
    call = _group_call()
    first = CommsOperation.started("a", OperationKind.PLAY_PROMPT, None)
    second = CommsOperation.started("b", OperationKind.PLAY_PROMPT, None)
    call.media_queue.enqueue("a", 0.0, 1.0)
    call.media_queue.enqueue("b", 0.0, 1.0)
    call.operation_ran(first)
    assert first.status is OperationStatus.COMPLETED
    assert call.media_queue.operations == ["b"]
    call.cancel_media_processing([second])
    assert (second.status, second.result_info) == (OperationStatus.FAILED, results.MEDIA_CANCELLED)
    assert call.media_queue.operations == []
    finished = [e.operation.id for e in call.events if isinstance(e, OperationFinished)]
    assert finished == ["a", "b"]


def test_an_operation_running_when_the_call_ended_fails() -> None:
    call = _group_call()
    call.hang_up()
    operation = CommsOperation.started("a", OperationKind.SEND_DTMF_TONES, None)
    call.operation_ran(operation)
    assert (operation.status, operation.result_info) == (
        OperationStatus.FAILED,
        results.CALL_ENDED_FIRST,
    )
    assert operation.completion_reason is None
