"""Requests read once: the meeting a new call joins (``MeetingJoin``), and an incoming call
placed through the admin API (``IncomingCallRequest``)."""

from __future__ import annotations

from callboard.domain.identities import IdentityKind
from callboard.domain.new_call import MeetingJoin
from callboard.services.incoming import IncomingCallRequest


def test_a_join_meeting_id_join_is_read_and_kept_as_sent() -> None:
    info = {
        "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo",
        "joinMeetingId": "1234567890",
        "passcode": "abc",
    }
    join = MeetingJoin.parse(info, None)
    assert (join.kind, join.join_meeting_id, join.passcode) == (
        "joinMeetingIdMeetingInfo",
        "1234567890",
        "abc",
    )
    assert join.meeting_info is info and join.chat_info is None and join.thread_id is None


def test_an_organizer_join_names_the_organizer_and_the_thread() -> None:
    info = {
        "@odata.type": "#microsoft.graph.organizerMeetingInfo",
        "organizer": {"user": {"id": "u1", "tenantId": "t1"}},
    }
    chat = {"threadId": "19:meeting@thread.v2", "messageId": "0"}
    join = MeetingJoin.parse(info, chat)
    assert join.kind == "organizerMeetingInfo"
    assert join.thread_id == "19:meeting@thread.v2"
    organizer = join.organizer.member(IdentityKind.USER)
    assert organizer is not None and (organizer.id, organizer.tenant_id) == ("u1", "t1")
    assert join.chat_info is chat and join.passcode is None


def test_chat_info_alone_is_a_join_without_a_kind() -> None:
    join = MeetingJoin.parse(None, {"threadId": ""})
    assert (join.kind, join.thread_id, join.meeting_info) == ("", None, None)
    assert join.organizer.named() is None


def test_an_incoming_call_request_is_read_once() -> None:
    sent = {
        "tenantId": "t1",
        "fromUserId": "",
        "fromPhone": "+14255550111",
        "toAppId": None,
        "toApplicationInstanceId": "i1",
        "requestedModalities": ["audio", "video"],
        "subject": "Hello",
        "hangUpAfterSeconds": 30,
        "apiVersion": "beta",
    }
    assert IncomingCallRequest.parse(sent) == IncomingCallRequest(
        tenant_id="t1",
        from_user_id=None,
        from_phone="+14255550111",
        to_app_id=None,
        to_instance_id="i1",
        modalities=("audio", "video"),
        subject="Hello",
        hang_up_after_seconds=30.0,
        api_version="beta",
    )
    assert IncomingCallRequest.parse({"tenantId": "t1", "requestedModalities": []}) == (
        IncomingCallRequest(tenant_id="t1")
    )
