"""Transfer, hold music and audio routing rules of the call aggregate, without I/O."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain import results
from callboard.domain.audio_routing import AudioRoutingGroup, RoutingMode
from callboard.domain.call_control import Transfer
from callboard.domain.call_media import MediaPrompt
from callboard.domain.calls import Call, CallKind, CallResource, CallState, MediaConfig
from callboard.domain.events import CallStateChanged, RosterChanged
from callboard.domain.hold_music import StartHoldMusic
from callboard.domain.invitations import InvitationTarget
from callboard.domain.participants import Participant
from callboard.domain.transfers import TransferCall
from callboard.errors import BadRequest, InvalidStateTransition, ItemNotFound


def _identity(user_id: str) -> dict[str, Any]:
    return {"user": {"id": user_id}}


def _established(kind: CallKind = CallKind.PEER_TO_PEER, *others: str) -> Call:
    call = Call.place_outgoing(
        id="call",
        tenant_id="t",
        app_id="a",
        api_version="v1.0",
        kind=kind,
        resource=CallResource.parse(
            {
                "callbackUri": "https://bot/cb",
                "myParticipantId": "me",
                "source": {"identity": {"application": {"id": "a"}}},
                "targets": [{"identity": _identity(u)} for u in others or ("peer",)],
            }
        ),
        now=0.0,
    )
    call.state = CallState.ESTABLISHED
    call.participants = [
        Participant.new("me", {"application": {"id": "a"}}, modalities=["audio"], source_id=1)
    ]
    for index, user in enumerate(others or ("peer",)):
        call.participants.append(
            Participant.new(
                f"p-{user}", _identity(user), modalities=["audio"], source_id=10 + index
            )
        )
    call.events.clear()
    return call


def _transfer(target: str = "target", **extra: Any) -> Transfer:
    return Transfer(id="x1", target={"identity": _identity(target)}, key=f"user:{target}", **extra)


def _states(call: Call) -> list[tuple[str, str]]:
    return [(e.change_type, e.state) for e in call.events if isinstance(e, CallStateChanged)]


def _transferee(info: dict[str, Any]) -> InvitationTarget:
    return InvitationTarget.parse(info)


class TestTransfer:
    def test_accepted_then_completed(self) -> None:
        call = _established()
        call.start_transfer(_transfer())
        assert call.transfer_accepted("x1")
        assert call.transfer_completed("x1")
        assert _states(call) == [
            ("updated", "transferring"),
            ("updated", "transferAccepted"),
            ("deleted", "terminated"),
        ]
        assert call.result_info is not None
        assert (call.result_info.code, call.result_info.subcode) == (0, 7015)
        assert call.resource.termination_reason == "GracefulTransferCompleted"

    def test_consultative_ends_as_app_transferred(self) -> None:
        call = _established()
        call.start_transfer(_transfer(replaces_call_id="other"))
        call.transfer_accepted("x1")
        call.transfer_completed("x1")
        assert call.resource.termination_reason == "AppTransferred"

    @pytest.mark.parametrize(("consultative", "subcode"), [(False, 7000), (True, 7700)])
    def test_failure_is_established_again(self, consultative: bool, subcode: int) -> None:
        call = _established()
        call.start_transfer(_transfer(replaces_call_id="other" if consultative else None))
        call.transfer_failed("x1", results.DECLINED)
        assert call.state is CallState.ESTABLISHED
        assert call.transfer is None
        assert call.result_info is not None
        assert (call.result_info.code, call.result_info.subcode) == (500, subcode)
        assert results.DECLINED.message in call.result_info.message
        # A step of the failed transfer that comes late does nothing.
        assert not call.transfer_accepted("x1")
        assert _states(call) == [("updated", "transferring"), ("updated", "established")]

    def test_steps_of_another_transfer_do_nothing(self) -> None:
        call = _established()
        call.start_transfer(_transfer())
        assert not call.transfer_accepted("other")
        call.transfer_failed("other", results.BUSY)
        assert not call.transfer_completed("x1")  # not accepted yet
        assert call.state is CallState.TRANSFERRING

    def test_only_an_established_call(self) -> None:
        call = _established()
        call.state = CallState.ESTABLISHING
        with pytest.raises(InvalidStateTransition):
            call.start_transfer(_transfer())
        call.state = CallState.TRANSFERRING
        with pytest.raises(InvalidStateTransition):
            call.start_transfer(_transfer())

    def test_a_target_already_in_the_call_is_400(self) -> None:
        call = _established()
        with pytest.raises(BadRequest):
            call.start_transfer(_transfer("peer"))

    def test_the_peer_of_a_peer_to_peer_call(self) -> None:
        assert _established().transfer_peer(None).id == "p-peer"

    def test_group_calls_name_the_transferee(self) -> None:
        call = _established(CallKind.GROUP, "u1", "u2")
        with pytest.raises(BadRequest, match="transferee is required"):
            call.transfer_peer(None)
        assert call.transfer_peer(_transferee({"identity": _identity("u2")})).id == "p-u2"
        assert (
            call.transfer_peer(
                _transferee({"identity": _identity("x"), "participantId": "p-u1"})
            ).id
            == "p-u1"
        )
        with pytest.raises(BadRequest, match="not a participant"):
            call.transfer_peer(_transferee({"identity": _identity("stranger")}))
        with pytest.raises(BadRequest):
            call.transfer_peer(
                _transferee({"identity": {"application": {"id": "a"}}, "participantId": "me"})
            )

    def test_meeting_calls_are_400(self) -> None:
        with pytest.raises(BadRequest):
            _established(CallKind.MEETING).transfer_peer(None)


class TestTransferRequest:
    def _request(self, identity: dict[str, Any]) -> TransferCall:
        return TransferCall(InvitationTarget.parse({"identity": identity}))

    def test_a_target_with_an_id_or_an_e164_phone(self) -> None:
        self._request({"user": {"id": "u9"}}).check()
        self._request({"phone": {"id": "+14255550123"}}).check()

    @pytest.mark.parametrize(
        ("identity", "names"),
        [
            ({"user": {"displayName": "no id"}}, "an identity with an id"),
            ({"phone": {"id": "4255550123"}}, "transferTarget.identity.phone.id"),
            ({"phone": {}}, "an identity with an id"),
        ],
    )
    def test_other_targets_are_400(self, identity: dict[str, Any], names: str) -> None:
        with pytest.raises(BadRequest, match=names):
            self._request(identity).check()

    def test_the_target_is_kept_as_sent(self) -> None:
        sent = {"identity": {"user": {"id": "u9"}}, "replacesCallId": "c2", "x": 1}
        request = TransferCall(InvitationTarget.parse(sent))
        assert request.target.echo == sent
        assert (request.target.key, request.target.replaces_call_id) == ("user:u9", "c2")


class TestHoldMusic:
    def test_a_custom_prompt_names_a_media_file(self) -> None:
        StartHoldMusic().check()
        playable = MediaPrompt.parse({"mediaInfo": {"uri": "https://x/a.wav"}})
        StartHoldMusic(custom_prompt=playable).check()
        for prompt in ({"mediaInfo": {}}, {"mediaInfo": {"uri": ""}}, {}):
            with pytest.raises(BadRequest, match="customPrompt"):
                StartHoldMusic(custom_prompt=MediaPrompt.parse(prompt)).check()

    def test_start_and_stop(self) -> None:
        call = _established(CallKind.GROUP, "u1", "u2")
        call.start_hold_music("p-u1")
        audio = call.participant("p-u1").media_streams[0]  # type: ignore[union-attr]
        assert audio.direction == "receiveOnly"
        assert isinstance(call.events[-1], RosterChanged)
        with pytest.raises(BadRequest, match="one participant"):
            call.start_hold_music("p-u2")
        call.stop_hold_music("p-u1")
        assert audio.direction == "sendReceive"
        call.start_hold_music("p-u2")
        assert call.held_participant_id == "p-u2"

    def test_a_held_participant_that_left_frees_the_hold(self) -> None:
        call = _established(CallKind.GROUP, "u1", "u2")
        call.start_hold_music("p-u1")
        call.participants = [p for p in call.participants if p.id != "p-u1"]
        call.start_hold_music("p-u2")

    def test_errors(self) -> None:
        call = _established(CallKind.GROUP, "u1")
        with pytest.raises(ItemNotFound):
            call.start_hold_music("nobody")
        with pytest.raises(BadRequest):
            call.start_hold_music("me")
        with pytest.raises(BadRequest, match="not on hold"):
            call.stop_hold_music("p-u1")
        call.state = CallState.TERMINATING
        with pytest.raises(InvalidStateTransition):
            call.start_hold_music("p-u1")


class TestAudioRouting:
    def _group(
        self, mode: RoutingMode, sources: list[str], receivers: list[str]
    ) -> AudioRoutingGroup:
        return AudioRoutingGroup("g", mode, sources, receivers)

    def test_add_update_delete(self) -> None:
        call = _established(CallKind.GROUP, "u1", "u2")
        call.add_audio_routing_group(self._group(RoutingMode.ONE_TO_ONE, ["p-u1"], ["me"]))
        updated = call.update_audio_routing_group(
            "g", routing_mode=RoutingMode.MULTICAST, sources=None, receivers=["me", "p-u2"]
        )
        assert (updated.sources, updated.receivers) == (["p-u1"], ["me", "p-u2"])
        assert call.audio_routing_group("g") is updated
        call.delete_audio_routing_group("g")
        with pytest.raises(ItemNotFound):
            call.audio_routing_group("g")

    @pytest.mark.parametrize(
        ("mode", "sources", "receivers"),
        [
            (RoutingMode.ONE_TO_ONE, ["p-u1"], ["me", "p-u2"]),
            (RoutingMode.MULTICAST, [], ["me"]),
            (RoutingMode.MULTICAST, ["p-u1", "p-u2"], ["me"]),
            (RoutingMode.MULTICAST, ["p-u1"], []),
            (RoutingMode.MULTICAST, ["p-u1"], ["me", "me"]),
            (RoutingMode.MULTICAST, ["p-u1"], ["p-u1"]),
            (RoutingMode.MULTICAST, ["p-u1"], ["ghost"]),
        ],
    )
    def test_invalid_groups(
        self, mode: RoutingMode, sources: list[str], receivers: list[str]
    ) -> None:
        call = _established(CallKind.GROUP, "u1", "u2")
        with pytest.raises(BadRequest):
            call.add_audio_routing_group(self._group(mode, sources, receivers))
        assert call.audio_routing_groups == []

    def test_peer_to_peer_is_400(self) -> None:
        with pytest.raises(BadRequest):
            _established().add_audio_routing_group(
                self._group(RoutingMode.ONE_TO_ONE, ["p-peer"], ["me"])
            )


class TestScreenSharing:
    def test_sharer_and_viewer(self) -> None:
        call = _established(CallKind.GROUP, "u1")
        call.resource.media_config = MediaConfig.parse(
            {"@odata.type": "#microsoft.graph.appHostedMediaConfig"}
        )
        call.change_screen_sharing_role("sharer")
        bot = call.participant("me")
        assert bot is not None
        sharing = [s for s in bot.media_streams if s.media_type == "videoBasedScreenSharing"]
        assert [(s.label, s.direction) for s in sharing] == [
            ("applicationsharing-video", "sendOnly")
        ]
        call.change_screen_sharing_role("viewer")
        assert sharing[0].direction == "receiveOnly"
        assert sum(isinstance(e, RosterChanged) for e in call.events) == 2

    def test_peer_to_peer_or_service_media_is_400(self) -> None:
        with pytest.raises(BadRequest):
            _established().change_screen_sharing_role("sharer")
        with pytest.raises(BadRequest):
            _established(CallKind.GROUP, "u1").change_screen_sharing_role("sharer")
