"""Invitations without I/O: an invite's participants as invitees, their Graph echo, and the
rules of replacesCallId (a party moved from another call)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from callboard.domain.calls import Call, CallKind, CallResource, CallState
from callboard.domain.identities import IdentityKind
from callboard.domain.invitations import (
    InvitationTarget,
    Invitee,
    SourceInfo,
    invitees,
    target_key,
)
from callboard.errors import BadRequest


def _user(user_id: str) -> dict[str, Any]:
    return {"identity": {"user": {"id": user_id}}}


def _target(user_id: str) -> InvitationTarget:
    return InvitationTarget.parse(_user(user_id))


def _ids() -> Any:
    counter = itertools.count(1)
    return lambda: f"p{next(counter)}"


def _call(call_id: str, kind: CallKind) -> Call:
    return Call.place_outgoing(
        id=call_id,
        tenant_id="t",
        app_id="a",
        api_version="v1.0",
        kind=kind,
        resource=CallResource.parse(
            {"callbackUri": "https://bot/cb", "myParticipantId": "me", "targets": []}
        ),
        now=0.0,
    )


def test_target_keys_name_the_first_identity_with_an_id() -> None:
    assert target_key(_user("u1")) == "user:u1"
    assert target_key({"identity": {"user": {}, "phone": {"id": "+1"}}}) == "phone:+1"
    assert target_key({"identity": {}}) == "unknown:"


def test_participants_become_invitees_with_new_roster_ids() -> None:
    found = invitees([_target("u1"), _target("u2")], source_phone=None, new_participant_id=_ids())
    assert found == [
        Invitee("user:u1", _user("u1"), "p1"),
        Invitee("user:u2", _user("u2"), "p2"),
    ]
    assert found[0].to_graph() == {
        **_user("u1"),
        "id": None,
        "endpointType": None,
        "replacesCallId": None,
        "participantId": "p1",
    }


def test_a_participant_moved_between_meetings_keeps_its_id() -> None:
    moved = {**_user("u1"), "participantId": "kept", "replacesCallId": "c0"}
    (invitee,) = invitees(
        [InvitationTarget.parse(moved)],
        source_phone=None,
        new_participant_id=_ids(),
        moved_from="c0",
        keeps_participant_ids=True,
    )
    assert (invitee.participant_id, invitee.replaces_call_id) == ("kept", "c0")
    assert invitee.to_graph()["replacesCallId"] == "c0"


@pytest.mark.parametrize(
    ("participant", "source_phone", "fragment"),
    [
        ({"identity": {"user": {}}}, None, r"participants\[0\].identity needs an identity"),
        ({"identity": {"phone": {"id": "12"}}}, "+14255550100", "phone.id"),
        ({"identity": {"phone": {"id": "+14255550199"}}}, None, "assigned phone number"),
    ],
)
def test_bad_invitees_are_bad_requests(
    participant: dict[str, Any], source_phone: str | None, fragment: str
) -> None:
    with pytest.raises(BadRequest, match=fragment):
        invitees(
            [InvitationTarget.parse(participant)],
            source_phone=source_phone,
            new_participant_id=_ids(),
        )


def test_a_phone_is_invited_from_a_number() -> None:
    phone = {"identity": {"phone": {"id": "+14255550199"}}}
    (invitee,) = invitees(
        [InvitationTarget.parse(phone)], source_phone="+14255550100", new_participant_id=_ids()
    )
    assert invitee.key == "phone:+14255550199"


def test_replacement_rules() -> None:
    group = _call("group", CallKind.GROUP)
    peer = _call("peer", CallKind.PEER_TO_PEER)
    meeting, other_meeting = _call("m1", CallKind.MEETING), _call("m2", CallKind.MEETING)
    with pytest.raises(BadRequest, match="names the call the participant is invited into"):
        group.check_replacement(group, "user:u1")
    with pytest.raises(BadRequest, match="between two meeting calls"):
        meeting.check_replacement(peer, "user:u1")
    meeting.check_replacement(other_meeting, "user:u1")  # the meetings decide the rest
    with pytest.raises(BadRequest, match="must name a peer-to-peer call"):
        group.check_replacement(_call("g2", CallKind.GROUP), "user:u1")
    with pytest.raises(BadRequest, match="is establishing, not established"):
        group.check_replacement(peer, "user:u1")
    peer.state = CallState.ESTABLISHED
    with pytest.raises(BadRequest, match="not the other party of call peer"):
        group.check_replacement(peer, "user:u1")


def test_an_invitation_target_is_read_once_and_kept_as_sent() -> None:
    sent = {
        "@odata.type": "#microsoft.graph.invitationParticipantInfo",
        "identity": {"phone": {"id": "+14255550199"}},
        "participantId": "p9",
        "replacesCallId": "c1",
        "hidden": True,
    }
    target = InvitationTarget.parse(sent)
    assert target.echo is sent
    assert (target.key, target.phone) == ("phone:+14255550199", "+14255550199")
    assert (target.participant_id, target.replaces_call_id) == ("p9", "c1")
    user = InvitationTarget.parse({"identity": {"user": {"id": "u1"}}, "replacesCallId": ""})
    assert (user.phone, user.participant_id, user.replaces_call_id) == (None, None, "")
    assert InvitationTarget.parse({"identity": {"phone": {}}}).phone == ""


def test_a_source_gets_the_display_name_it_left_out() -> None:
    sent = {"identity": {"applicationInstance": {"id": "i1"}}, "languageId": "en-US"}
    source = SourceInfo.parse(sent)
    named = source.with_display_name(IdentityKind.APPLICATION_INSTANCE, "Front desk")
    assert named.echo == {
        "identity": {"applicationInstance": {"id": "i1", "displayName": "Front desk"}},
        "languageId": "en-US",
    }
    assert sent == {"identity": {"applicationInstance": {"id": "i1"}}, "languageId": "en-US"}
    assert source.with_display_name(IdentityKind.APPLICATION, "Bot") is source
