"""Stored calls and operations: typed objects out of rows, including rows of older versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from callboard.domain import graph_json
from callboard.domain.calls import Call, CallKind, CallResource, CallState
from callboard.domain.invitations import InvitationStatus
from callboard.domain.operations import OperationStatus
from callboard.store import tables
from callboard.store.uow import UnitOfWork


def _legacy_row(**document: Any) -> dict[str, Any]:
    """A call row as versions that kept bookkeeping inside the Graph document wrote it."""
    return {
        "id": "old",
        "tenant_id": "t",
        "app_id": "a",
        "state": "establishing",
        "created_at": 0.0,
        "modified_at": 0.0,
        "version": 1,
        "meeting_id": "m",
        "document": {
            "apiVersion": "v1.0",
            "kind": "meeting",
            "direction": "outgoing",
            "resource": {
                "callbackUri": "https://bot/cb",
                "myParticipantId": "me",
                "waitingForHost": True,
                "mediaQueue": {"operations": ["o1"], "endsAt": 5.0},
                "toneSubscribed": True,
                "customProperty": "kept",
            },
            "participants": [],
            "invitations": {
                "user:u": {
                    "status": "failed",
                    "participantId": None,
                    "resultInfo": {"code": 486, "subcode": 0, "message": "busy"},
                }
            },
            "resultInfo": None,
            "rosterSequence": 0,
            **document,
        },
    }


def test_a_row_of_an_older_version_loads_typed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(tables.calls.insert().values(**_legacy_row()))
        conn.execute(
            tables.operations.insert().values(
                id="o1",
                call_id="old",
                status="running",
                created_at=0.0,
                document={
                    "@odata.type": "#microsoft.graph.playPromptOperation",
                    "id": "o1",
                    "status": "running",
                    "clientContext": None,
                    "resultInfo": None,
                },
            )
        )
    with UnitOfWork(engine, now=1.0) as uow:
        call = uow.calls.get("old")
        assert call is not None
        assert (call.kind, call.state) == (CallKind.MEETING, CallState.ESTABLISHING)
        assert call.waiting_for_host is True
        assert call.tone_subscribed is True
        assert (call.media_queue.operations, call.media_queue.ends_at) == (["o1"], 5.0)
        rendered = graph_json.call_properties(call.resource)
        assert "waitingForHost" not in rendered and "mediaQueue" not in rendered
        assert call.echo == {"customProperty": "kept"}
        invitation = call.invitations["user:u"]
        assert invitation.status is InvitationStatus.FAILED
        assert invitation.result_info is not None and invitation.result_info.code == 486
        operation = uow.operations.get("old", "o1")
        assert operation is not None and operation.status is OperationStatus.RUNNING


def test_a_saved_call_reads_back_equal(engine: Engine) -> None:
    call = Call.place_outgoing(
        id="c",
        tenant_id="t",
        app_id="a",
        api_version="v1.0",
        kind=CallKind.GROUP,
        resource=CallResource.parse(
            {
                "callbackUri": "https://bot/cb",
                "myParticipantId": "me",
                "targets": [{"identity": {"user": {"id": "u"}}}],
            }
        ),
        echo={"x": 1},
        now=0.0,
    )
    call.waiting_for_host = True
    call.redirect_targets = [{"identity": {"user": {"id": "v"}}}]
    with UnitOfWork(engine, now=1.0) as uow:
        uow.calls.add(call)
        uow.commit()
    with UnitOfWork(engine, now=1.0) as uow:
        loaded = uow.calls.get("c")
    assert loaded is not None
    call.events.clear()
    assert loaded == call


# A meeting call's Graph properties as the version before typed call properties stored them
# (``document["resource"]``): the parties and option objects as the client sent them.
_STORED_PROPERTIES: dict[str, Any] = {
    "subject": None,
    "callbackUri": "https://bot/cb",
    "requestedModalities": ["audio"],
    "mediaConfig": {"@odata.type": "#microsoft.graph.appHostedMediaConfig", "blob": "b"},
    "meetingInfo": {
        "@odata.type": "#microsoft.graph.organizerMeetingInfo",
        "organizer": {"user": {"id": "o"}},
        "allowConversationWithoutHost": False,
    },
    "callOptions": {
        "@odata.type": "#microsoft.graph.outgoingCallOptions",
        "isContentSharingNotificationEnabled": True,
    },
    "source": {
        "@odata.type": "#microsoft.graph.participantInfo",
        "identity": {"application": {"id": "a", "displayName": "Bot"}},
        "countryCode": None,
        "endpointType": None,
        "region": None,
        "languageId": None,
    },
    "targets": [
        {
            "identity": {"user": {"id": "u", "custom": 1}},
            "endpointType": None,
            "region": None,
            "replacesCallId": None,
            "languageId": None,
        }
    ],
    "tenantId": "t",
    "callChainId": "chain",
    "myParticipantId": "me",
    "callRoutes": [],
    "activeModalities": [],
    "routingPolicies": ["none"],
    "chatInfo": {"@odata.type": "#microsoft.graph.chatInfo", "threadId": "19:x"},
    "ringingTimeoutInSeconds": 30,
    "answeredBy": {
        "@odata.type": "#microsoft.graph.participantInfo",
        "identity": {"user": {"id": "u", "custom": 1}},
        "languageId": "en-US",
        "region": None,
        "countryCode": None,
        "endpointType": None,
        "participantId": "p-u",
    },
    "toneInfo": {"@odata.type": "#microsoft.graph.toneInfo", "sequenceId": 1, "tone": "tone1"},
    "terminationReason": "bye",
}


def test_graph_properties_stored_before_they_were_typed_read_typed(engine: Engine) -> None:
    row = _legacy_row(
        resource=_STORED_PROPERTIES,
        echo={"customProperty": "kept"},
        internal={"waitingForHost": False},
    )
    with engine.begin() as conn:
        conn.execute(tables.calls.insert().values(**row))
    with UnitOfWork(engine, now=1.0) as uow:
        call = uow.calls.get("old")
        assert call is not None
        resource = call.resource
        assert (resource.callback_uri, resource.my_participant_id) == ("https://bot/cb", "me")
        assert resource.source.identity.key() == "application:a"
        assert [t.key for t in resource.targets] == ["user:u"]
        assert resource.media_config is not None and resource.media_config.app_hosted
        assert resource.call_options is not None
        assert resource.call_options.content_sharing_notifications is True
        assert resource.meeting_info is not None
        assert resource.meeting_info.allow_conversation_without_host is False
        assert (resource.call_chain_id, resource.ringing_timeout_in_seconds) == ("chain", 30)
        assert resource.termination_reason == "bye"
        assert resource.answered_by is not None
        assert resource.answered_by.participant_id == "p-u"
        # Rendered back as stored (null subject aside: GET renders it null all the same).
        stored = {k: v for k, v in _STORED_PROPERTIES.items() if v is not None}
        assert graph_json.call_properties(resource) == stored
        body = graph_json.call(call)
        assert {k: body[k] for k in _STORED_PROPERTIES} == _STORED_PROPERTIES
        uow.calls.save(call, 2.0)
        uow.commit()
    with engine.connect() as conn:
        document = conn.execute(tables.calls.select()).mappings().one()["document"]
    assert document["resource"] == stored
