"""The call state machine, without I/O."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain import graph_json, meeting_factory, results
from callboard.domain.calls import (
    TRANSITIONS,
    Call,
    CallKind,
    CallOptions,
    CallResource,
    CallState,
    IncomingOffer,
    MediaConfig,
)
from callboard.domain.directory import Directory, User
from callboard.domain.events import CallStateChanged, RosterChanged
from callboard.domain.invitations import InvitationTarget, target_key
from callboard.domain.meeting_parts import JoinerKind, MeetingRequest
from callboard.domain.meeting_roster import RosterEntry
from callboard.domain.meetings import OnlineMeeting
from callboard.domain.participants import Participant
from callboard.errors import BadRequest, InvalidStateTransition, ItemNotFound

SEED = "12345678-1234-4234-8234-123456789abc"

# Every state a call may move to from each state, written out (not read from TRANSITIONS).
EXPECTED_TRANSITIONS: dict[str, set[str]] = {
    "incoming": {"establishing", "terminated"},
    "establishing": {"ringing", "established", "terminating", "terminated"},
    "ringing": {"established", "terminating", "terminated"},
    "established": {"hold", "transferring", "terminating", "terminated"},
    "hold": {"established", "terminating", "terminated"},
    "transferring": {"transferAccepted", "established", "terminating", "terminated"},
    "transferAccepted": {"established", "terminating", "terminated"},
    "redirecting": {"terminated"},
    "terminating": {"terminated"},
    "terminated": set(),
}


def _target(user_id: str) -> dict[str, Any]:
    return {"identity": {"user": {"id": user_id}}}


def _call(kind: CallKind = CallKind.PEER_TO_PEER, targets: int = 1) -> Call:
    return Call.place_outgoing(
        id="call",
        tenant_id="t",
        app_id="a",
        api_version="v1.0",
        kind=kind,
        resource=CallResource.parse(
            {
                "callbackUri": "https://bot/cb",
                "myParticipantId": "me",
                "targets": [_target(f"u{i}") for i in range(targets)],
            }
        ),
        now=0.0,
    )


def _participant(pid: str) -> Participant:
    return Participant(pid, identity={})


def test_the_table_is_the_expected_one() -> None:
    assert {s.value for s in CallState} == set(EXPECTED_TRANSITIONS)
    assert {
        start.value: {end.value for end in ends} for start, ends in TRANSITIONS.items()
    } == EXPECTED_TRANSITIONS


@pytest.mark.parametrize("start", sorted(EXPECTED_TRANSITIONS))
@pytest.mark.parametrize("end", sorted(EXPECTED_TRANSITIONS))
def test_transition_table_is_enforced(start: str, end: str) -> None:
    call = _call()
    call.state = CallState(start)
    if end in EXPECTED_TRANSITIONS[start]:
        call._transition(CallState(end))
        assert call.state is CallState(end)
    else:
        with pytest.raises(InvalidStateTransition):
            call._transition(CallState(end))
        assert call.state is CallState(start)


def test_terminated_is_final() -> None:
    assert TRANSITIONS[CallState.TERMINATED] == frozenset()


def test_peer_to_peer_answer() -> None:
    call = _call()
    call.ring()
    call.target_answered("user:u0", _participant("p"), _participant("me"))
    assert call.state is CallState.ESTABLISHED
    states = [e.state for e in call.events if isinstance(e, CallStateChanged)]
    assert states == ["establishing", "ringing", "established"]
    assert not any(isinstance(e, RosterChanged) for e in call.events)
    assert [p.id for p in call.participants] == ["me", "p"]


def test_peer_to_peer_failure_terminates_with_the_reason() -> None:
    call = _call()
    call.target_failed("user:u0", results.BUSY)
    assert call.state is CallState.TERMINATED
    assert call.result_info == results.BUSY
    last = call.events[-1]
    assert isinstance(last, CallStateChanged) and last.change_type == "deleted"
    assert graph_json.call_state(call, last)["resultInfo"]["code"] == 486


def test_steps_after_the_end_do_nothing() -> None:
    call = _call()
    call.target_failed("user:u0", results.DECLINED)
    events = len(call.events)
    call.target_answered("user:u0", _participant("p"), _participant("me"))
    call.remote_hung_up("user:u0")
    call.ring()
    assert len(call.events) == events
    assert call.state is CallState.TERMINATED


def test_group_call_ends_when_nobody_can_join() -> None:
    call = _call(CallKind.GROUP, targets=2)
    call.connect(_participant("me"))
    call.target_failed("user:u0", results.DECLINED)
    assert call.state is CallState.ESTABLISHED
    call.target_failed("user:u1", results.NOT_ANSWERED)
    assert call.state is CallState.TERMINATED
    assert call.result_info == results.NO_ONE_JOINED


def test_group_roster_grows_and_shrinks() -> None:
    call = _call(CallKind.GROUP, targets=2)
    call.connect(_participant("me"))
    call.target_answered("user:u0", _participant("p0"), _participant("me"))
    call.target_answered("user:u1", _participant("p1"), _participant("me"))
    call.remote_hung_up("user:u0")
    rosters = [[p.id for p in e.participants] for e in call.events if isinstance(e, RosterChanged)]
    assert rosters == [["me"], ["me", "p0"], ["me", "p0", "p1"], ["me", "p1"]]
    call.remote_hung_up("user:u1")
    assert call.result_info == results.ALL_OTHERS_LEFT


def test_hang_up_goes_through_terminating() -> None:
    call = _call()
    call.hang_up()
    assert call.state is CallState.TERMINATING
    call.finish_termination()
    assert call.state is CallState.TERMINATED
    assert call.result_info == results.ENDED_BY_APP
    with pytest.raises(InvalidStateTransition):
        call.hang_up()


def test_incoming_call_cannot_be_hung_up_only_rejected() -> None:
    call = Call.receive_incoming(
        id="i",
        tenant_id="t",
        app_id="a",
        api_version="v1.0",
        resource=CallResource.parse({"callbackUri": "https://bot/cb", "myParticipantId": "me"}),
        now=0.0,
    )
    assert isinstance(call.events[0], CallStateChanged)
    assert call.events[0].change_type == "created"
    with pytest.raises(InvalidStateTransition):
        call.hang_up()
    call.reject(reason="busy", callback_uri=None)
    assert call.result_info == results.REJECTED_BUSY
    with pytest.raises(InvalidStateTransition):
        call.answer(
            callback_uri="https://x", media_config={}, accepted_modalities=[], call_options=None
        )


def test_target_key_prefers_the_callee_identity() -> None:
    assert target_key(_target("u")) == "user:u"
    assert target_key({"identity": {"phone": {"id": "+1"}}}) == "phone:+1"
    assert target_key({"identity": {}}) == "unknown:"


def _meeting() -> OnlineMeeting:
    alice = User("a1", "t", "Alice", "alice@example.com")
    return meeting_factory.new_meeting(
        Directory(), alice, MeetingRequest.parse({}), now=0.0, seed_id=SEED
    )


def test_deleting_a_participant_of_a_meeting_call_removes_them_from_the_meeting() -> None:
    meeting = _meeting()
    call = _call(CallKind.MEETING, targets=0)
    call.connect(_participant("me"))
    call.participants.append(_participant("p1"))
    meeting.join(RosterEntry(_participant("bot"), call_id="other-call"))
    meeting.join(RosterEntry(_participant("p1"), role=JoinerKind.ORGANIZATION))
    assert call.delete_participant("p1", meeting) is True
    assert [p.id for p in call.participants] == ["me"]
    assert [e.id for e in meeting.roster] == ["bot"]
    assert isinstance(call.events[-1], RosterChanged)
    with pytest.raises(BadRequest, match="bot cannot be removed"):
        call.delete_participant("bot", meeting)
    assert [e.id for e in meeting.roster] == ["bot"]


def test_deleting_someone_the_meeting_does_not_hold_leaves_it_unchanged() -> None:
    meeting = _meeting()
    call = _call(CallKind.MEETING, targets=0)
    call.connect(_participant("me"))
    call.participants.append(_participant("p1"))
    assert call.delete_participant("p1", meeting) is False
    assert len(meeting.roster) == 0
    with pytest.raises(ItemNotFound):
        call.delete_participant("nobody", meeting)


def test_deleting_a_participant_of_a_group_call_changes_no_meeting() -> None:
    call = _call(CallKind.GROUP, targets=2)
    call.connect(_participant("me"))
    call.target_answered("user:u0", _participant("p0"), _participant("me"))
    assert call.delete_participant("p0", None) is False
    assert [p.id for p in call.participants] == ["me"]
    assert call.invitations["user:u0"].status.value == "left"


def _offer(**extra: Any) -> IncomingOffer:
    return IncomingOffer(
        callback_uri="https://bot/cb",
        caller={"phone": {"id": "+14255550199"}},
        callee={"application": {"id": "a"}},
        modalities=["audio"],
        call_chain_id="chain",
        my_participant_id="me",
        **extra,
    )


def test_an_incoming_offer_is_the_calls_graph_properties() -> None:
    call = Call.offer_incoming(
        _offer(subject="Hi"), id="i", tenant_id="t", app_id="a", api_version="v1.0", now=5.0
    )
    assert (call.state, call.direction, call.kind, call.created_at) == (
        CallState.INCOMING,
        "incoming",
        CallKind.PEER_TO_PEER,
        5.0,
    )
    assert graph_json.call_properties(call.resource) == {
        "callbackUri": "https://bot/cb",
        "source": {
            "@odata.type": "#microsoft.graph.participantInfo",
            "identity": {"phone": {"id": "+14255550199"}},
            "endpointType": "default",
            "region": None,
            "languageId": None,
            "countryCode": None,
        },
        "targets": [
            {
                "@odata.type": "#microsoft.graph.invitationParticipantInfo",
                "identity": {"application": {"id": "a"}},
            }
        ],
        "requestedModalities": ["audio"],
        "tenantId": "t",
        "callChainId": "chain",
        "myParticipantId": "me",
        "callRoutes": [],
        "activeModalities": [],
        "routingPolicies": [],
        "subject": "Hi",
    }
    assert call.bot_participant().identity == {"application": {"id": "a"}}


def test_a_transfer_offer_names_the_transferee_and_the_transferor() -> None:
    offered = _offer(transferee_id="p1", transferor={"application": {"id": "b"}}).resource("t")
    resource = graph_json.call_properties(offered)
    assert resource["source"]["participantId"] == "p1"
    assert resource["incomingContext"] == {
        "@odata.type": "#microsoft.graph.incomingContext",
        "sourceParticipantId": "p1",
        "transferor": {"application": {"id": "b"}},
    }
    assert list(resource)[:4] == ["callbackUri", "source", "targets", "incomingContext"]
    assert "subject" not in resource


def test_a_redirected_call_keeps_its_targets_as_sent() -> None:
    call = Call.offer_incoming(
        _offer(), id="i", tenant_id="t", app_id="a", api_version="v1.0", now=0.0
    )
    sent = {"identity": {"phone": {"id": "+14255550111"}}, "hidden": True}
    call.redirect(targets=[InvitationTarget.parse(sent)], callback_uri="https://bot/elsewhere")
    assert call.redirect_targets == [sent]
    assert call.state is CallState.TERMINATED and call.result_info == results.REDIRECTED
    assert call.callback_uri == "https://bot/elsewhere"


def test_answering_sets_the_typed_properties_and_renders_them_as_sent() -> None:
    call = Call.offer_incoming(
        _offer(), id="i", tenant_id="t", app_id="a", api_version="v1.0", now=0.0
    )
    config = {"@odata.type": "#microsoft.graph.appHostedMediaConfig", "blob": "b"}
    options = {
        "@odata.type": "#microsoft.graph.incomingCallOptions",
        "isContentSharingNotificationEnabled": True,
    }
    call.answer(
        callback_uri="https://bot/answered",
        media_config=MediaConfig.parse(config),
        accepted_modalities=["audio", "video"],
        call_options=CallOptions.parse(options),
    )
    resource = call.resource
    assert resource.media_config is not None and resource.media_config.app_hosted
    assert resource.call_options is not None
    assert resource.call_options.content_sharing_notifications is True
    assert call.callback_uri == "https://bot/answered"
    assert call.bot_participant().identity == {"application": {"id": "a"}}
    body = graph_json.call(call)
    assert (body["mediaConfig"], body["callOptions"]) == (config, options)
    assert body["activeModalities"] == ["audio", "video"]
    assert body["meetingInfo"] is None and body["answeredBy"] is None


def test_call_resource_reads_the_decisions_and_keeps_the_parts_as_sent() -> None:
    sent = {
        "callbackUri": "https://bot/cb",
        "myParticipantId": "me",
        "source": {"identity": {"applicationInstance": {"id": "i1"}}, "extra": 1},
        "targets": [_target("u1"), {"identity": {"phone": {"id": "+1555"}}}],
        "meetingInfo": {"allowConversationWithoutHost": False, "x": "kept"},
        "callOptions": {"isContentSharingNotificationEnabled": False},
        "callRoutes": [],
    }
    resource = CallResource.parse(sent)
    assert resource.source.identity.key() == "applicationInstance:i1"
    assert [t.key for t in resource.targets] == ["user:u1", "phone:+1555"]
    assert resource.meeting_info is not None
    assert resource.meeting_info.allow_conversation_without_host is False
    assert resource.call_options is not None
    assert resource.call_options.content_sharing_notifications is False
    assert resource.media_config is None
    assert graph_json.call_properties(resource) == sent
