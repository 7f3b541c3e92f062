"""The call aggregate: its state (``domain/call_core.py``) with its behaviour.

Placing and receiving calls, the application's own leg, hanging up, the incoming-call
actions and the roster actions are here; invitations and meeting calls have their own
modules, which ``Call`` combines.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from callboard.domain import meeting_calls, results
from callboard.domain.audio_routing import AudioRoutingRules
from callboard.domain.call_core import (
    CALL_TYPE,
    GRAPH_PROPERTIES,
    TRANSITIONS,
    CallKind,
    CallOptions,
    CallResource,
    CallState,
    MediaConfig,
    MeetingInfo,
)
from callboard.domain.call_invitations import InvitationRules
from callboard.domain.events import CallStateChanged, OperationFinished
from callboard.domain.hold_music import HoldMusicRules
from callboard.domain.invitations import (
    Invitation,
    InvitationStatus,
    InvitationTarget,
    SourceInfo,
)
from callboard.domain.meeting_calls import MeetingCallRules
from callboard.domain.meetings import OnlineMeeting
from callboard.domain.operations import CommsOperation, MediaQueue, OperationKind
from callboard.domain.participants import MediaStream, Participant, RecordingInfo
from callboard.domain.party_rules import PartyRules
from callboard.domain.transfers import TransferRules
from callboard.errors import BadRequest, InvalidStateTransition, ItemNotFound
from callboard.json_types import JsonObject

__all__ = [
    "CALL_TYPE",
    "GRAPH_PROPERTIES",
    "KEEP_ALIVE_SECONDS",
    "TRANSITIONS",
    "Call",
    "CallKind",
    "CallOptions",
    "CallResource",
    "CallState",
    "IncomingOffer",
    "MediaConfig",
    "MediaQueue",
    "MeetingInfo",
]

# Graph's call: keepAlive: a call that receives no keepAlive request within 45 minutes of the
# previous one, or of its start, is inactive and ends.
KEEP_ALIVE_SECONDS = 45 * 60.0
# Graph documents no resultInfo for this end; Callboard's choice is in docs/decisions.md.
KEEP_ALIVE_EXPIRED = results.result_info(
    408, 0, "The call ended: no keepAlive request was received within 45 minutes."
)


@dataclass(frozen=True)
class IncomingOffer:
    """Who calls an application, and how: what an incoming call's Graph properties are made
    of. Identity sets are kept as Graph has them (the caller's is rendered back as sent)."""

    callback_uri: str
    # The caller's identitySet, and the application's (or its instance's) it rings.
    caller: JsonObject
    callee: JsonObject
    modalities: list[str]
    call_chain_id: str
    my_participant_id: str
    subject: str | None = None
    # A transfer offered to an application: the transferee's roster id (the source's
    # participantId) and the transferor's identitySet (incomingContext).
    transferee_id: str | None = None
    transferor: JsonObject | None = None

    def resource(self, tenant_id: str) -> CallResource:
        source: JsonObject = {
            "@odata.type": "#microsoft.graph.participantInfo",
            "identity": self.caller,
            "endpointType": "default",
            "region": None,
            "languageId": None,
            "countryCode": None,
        }
        echo: JsonObject = {"callRoutes": [], "routingPolicies": []}
        if self.transferee_id is not None:
            source["participantId"] = self.transferee_id
            echo["incomingContext"] = {
                "@odata.type": "#microsoft.graph.incomingContext",
                "sourceParticipantId": self.transferee_id,
                "transferor": self.transferor,
            }
        target: JsonObject = {
            "@odata.type": "#microsoft.graph.invitationParticipantInfo",
            "identity": self.callee,
        }
        return CallResource(
            callback_uri=self.callback_uri,
            my_participant_id=self.my_participant_id,
            source=SourceInfo.parse(source),
            targets=[InvitationTarget.parse(target)],
            requested_modalities=self.modalities,
            active_modalities=[],
            tenant_id=tenant_id,
            call_chain_id=self.call_chain_id,
            subject=self.subject,
            echo=echo,
        )


class Call(
    InvitationRules, MeetingCallRules, TransferRules, HoldMusicRules, AudioRoutingRules, PartyRules
):
    # -- construction -----------------------------------------------------------------

    @classmethod
    def place_outgoing(
        cls,
        *,
        id: str,
        tenant_id: str,
        app_id: str,
        api_version: str,
        kind: CallKind,
        resource: CallResource,
        now: float,
        echo: JsonObject | None = None,
    ) -> Call:
        call = cls(
            id=id,
            tenant_id=tenant_id,
            app_id=app_id,
            api_version=api_version,
            kind=kind,
            direction="outgoing",
            state=CallState.ESTABLISHING,
            resource=resource,
            echo=dict(echo or {}),
            created_at=now,
            modified_at=now,
            keep_alive_expires_at=now + KEEP_ALIVE_SECONDS,
        )
        call.invitations = {t.key: Invitation(InvitationStatus.RINGING) for t in resource.targets}
        call._state_event("updated")
        return call

    @classmethod
    def receive_incoming(
        cls,
        *,
        id: str,
        tenant_id: str,
        app_id: str,
        api_version: str,
        resource: CallResource,
        now: float,
    ) -> Call:
        call = cls(
            id=id,
            tenant_id=tenant_id,
            app_id=app_id,
            api_version=api_version,
            kind=CallKind.PEER_TO_PEER,
            direction="incoming",
            state=CallState.INCOMING,
            resource=resource,
            created_at=now,
            modified_at=now,
            keep_alive_expires_at=now + KEEP_ALIVE_SECONDS,
        )
        call.events.append(CallStateChanged("created", call.state.value, None))
        return call

    @classmethod
    def offer_incoming(
        cls,
        offer: IncomingOffer,
        *,
        id: str,
        tenant_id: str,
        app_id: str,
        api_version: str,
        now: float,
    ) -> Call:
        """An incoming call to an application, made of who calls it and how."""
        return cls.receive_incoming(
            id=id,
            tenant_id=tenant_id,
            app_id=app_id,
            api_version=api_version,
            resource=offer.resource(tenant_id),
            now=now,
        )

    def ring(self) -> None:
        """A peer-to-peer callee's endpoints start ringing."""
        if self.state is CallState.ESTABLISHING:
            self._transition(CallState.RINGING)
            self._state_event("updated")

    def connect(self, bot: Participant) -> None:
        """The bot's own leg is up (group call, or an answered incoming call)."""
        if self.state is not CallState.ESTABLISHING:
            return
        self._transition(CallState.ESTABLISHED)
        self._state_event("updated")
        self.participants.append(bot)
        self._roster_event()

    def connect_peer(self, bot: Participant, peer: Participant) -> None:
        """An answered incoming call is up: state notification only, as for any P2P call."""
        if self.state is not CallState.ESTABLISHING:
            return
        self._transition(CallState.ESTABLISHED)
        self._state_event("updated")
        self.participants.extend([bot, peer])
        self.roster_sequence += 1

    def hang_up(self) -> None:
        """DELETE by the application: terminating now, terminated shortly after."""
        if self.state is CallState.INCOMING:
            raise InvalidStateTransition("Cannot hang up an incoming call: reject it instead.")
        if self.is_over:
            raise InvalidStateTransition(f"Cannot hang up: the call is {self.state.value}.")
        self._transition(CallState.TERMINATING)
        self._state_event("updated")
        # Graph's terminating notification has no resultInfo; the terminated one has it.
        self.result_info = results.ENDED_BY_APP

    def finish_termination(self) -> None:
        if self.state is CallState.TERMINATING:
            self._transition(CallState.TERMINATED)
            if self.result_info is not None:
                self.resource.termination_reason = self.result_info.message
            self._state_event("deleted")

    def answer(
        self,
        *,
        callback_uri: str,
        media_config: MediaConfig,
        accepted_modalities: list[str],
        call_options: CallOptions | None,
    ) -> None:
        self._require(CallState.INCOMING, action="answer")
        self._transition(CallState.ESTABLISHING)
        resource = self.resource
        resource.callback_uri = callback_uri
        resource.media_config = media_config
        if accepted_modalities:
            resource.active_modalities = accepted_modalities
        if call_options is not None:
            resource.call_options = call_options
        self._state_event("updated")

    def reject(self, *, reason: str, callback_uri: str | None) -> None:
        self._require(CallState.INCOMING, action="reject")
        if callback_uri:
            self.resource.callback_uri = callback_uri
        end = {"busy": results.REJECTED_BUSY, "forbidden": results.REJECTED_FORBIDDEN}.get(
            reason, results.REJECTED
        )
        self._terminate(end)

    def redirect(self, *, targets: list[InvitationTarget], callback_uri: str | None) -> None:
        """The application sends the caller elsewhere: the call ends (302); where it went is
        kept as the targets were sent."""
        self._require(CallState.INCOMING, action="redirect")
        if callback_uri:
            self.resource.callback_uri = callback_uri
        self.redirect_targets = [target.echo for target in targets]
        self._terminate(results.REDIRECTED)

    def incoming_timed_out(self) -> None:
        if self.state is CallState.INCOMING:
            self._terminate(results.INCOMING_NOT_ANSWERED)

    def caller_hung_up(self) -> None:
        """The simulated caller of an answered incoming call leaves."""
        if self.state in (CallState.ESTABLISHING, CallState.ESTABLISHED):
            self._terminate(results.REMOTE_HUNG_UP)

    def keep_alive(self, now: float) -> float | None:
        """A keepAlive request: the call lives another 45 minutes from now. Returns the new
        expiry, or None when the call is already ending (nothing left to keep alive)."""
        if self.is_over:
            return None
        self.keep_alive_expires_at = now + KEEP_ALIVE_SECONDS
        return self.keep_alive_expires_at

    def keep_alive_lapsed(self, expires_at: float) -> None:
        """The expiry armed for ``expires_at`` fell due: the call ends, unless a later
        keepAlive moved its expiry on (that keepAlive armed its own step)."""
        if self.is_over or self.keep_alive_expires_at is None:
            return
        if self.keep_alive_expires_at > expires_at:
            return
        self._terminate(KEEP_ALIVE_EXPIRED)

    def delete_participant(self, participant_id: str, meeting: OnlineMeeting | None) -> bool:
        """DELETE .../participants/{id}: the participant leaves or its invitation is cancelled
        (``remove_participant``). ``meeting`` is a meeting call's meeting: a bot in it cannot
        be removed, and whoever is removed leaves the meeting too. Returns whether the meeting
        changed (to be saved, and its other calls told)."""
        if meeting is not None:
            meeting_calls.check_removable(meeting, participant_id)
        self.remove_participant(participant_id)
        if meeting is None:
            return False
        try:
            meeting.leave(participant_id)
        except ItemNotFound:
            return False  # an invitee who had not joined the meeting yet
        return True

    def set_muted(self, participant_id: str, muted: bool) -> None:
        participant = self.participant(participant_id)
        if participant is None:
            return
        participant.set_muted(muted)
        self._roster_event()

    def update_recording_status(self, status: str) -> None:
        """The application records: the initiator is its own identity (for an incoming call
        that is the callee, not the call's source)."""
        bot = self.participant(self.my_participant_id)
        if bot is not None:
            bot.recording_info = RecordingInfo(status, bot.identity)

    def subscribe_to_tone(self) -> None:
        self.tone_subscribed = True

    def change_screen_sharing_role(self, role: str) -> None:
        """The application shares its screen (sharer: its screen-sharing stream is sendOnly)
        or stops (viewer: receiveOnly); every participant gets a roster update."""
        if self.kind is CallKind.PEER_TO_PEER:
            raise BadRequest("changeScreenSharingRole is supported in group calls only.")
        if self.resource.media_config is None or not self.resource.media_config.app_hosted:
            raise BadRequest("changeScreenSharingRole needs a call with appHostedMediaConfig.")
        self.screen_sharing_role = role
        bot = self.participant(self.my_participant_id)
        if bot is None:
            return
        direction = "sendOnly" if role == "sharer" else "receiveOnly"
        stream = next(
            (s for s in bot.media_streams if s.media_type == "videoBasedScreenSharing"), None
        )
        if stream is None:
            source_id = max((int(s.source_id) for s in bot.media_streams), default=0) + 1
            stream = MediaStream(
                "videoBasedScreenSharing", "applicationsharing-video", str(source_id), direction
            )
            bot.media_streams.append(stream)
        stream.direction = direction
        self._roster_event()

    def finish_operation(self, operation: CommsOperation) -> None:
        """A running operation completed or failed: the bot hears of it."""
        self.events.append(OperationFinished(copy.deepcopy(operation)))

    def operation_ran(self, operation: CommsOperation) -> None:
        """A running operation's time is up: it completes, or fails if the call ended first;
        the media queue moves on."""
        self.media_queue.done(operation.id)
        if self.is_over:
            operation.fail(results.CALL_ENDED_FIRST)
        else:
            operation.complete()
        self.finish_operation(operation)

    def cancel_media_processing(self, queued: list[CommsOperation]) -> None:
        """The running and queued media operations (``queued``, loaded from the ids the media
        queue held) fail with 400/8508, each notified."""
        self.media_queue.clear()
        for operation in queued:
            if operation.is_running:
                if operation.kind is OperationKind.RECORD_RESPONSE:
                    self.media.recording = None
                    operation.completion_reason = "operationCanceled"
                operation.fail(results.MEDIA_CANCELLED)
                self.finish_operation(operation)
