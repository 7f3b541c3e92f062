"""The call's state machine and the state every part of its behaviour shares.

``Call`` (``domain/calls.py``) is this state with its behaviour; invitations are in
``domain/call_invitations.py`` and meeting calls in ``domain/meeting_calls.py``.
A call records events instead of performing side effects; the unit of work turns
them into ``commsNotifications`` jobs in the same transaction as the state change.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import StrEnum

from callboard.domain.call_control import AudioRoutingGroup, Transfer, TransferSource
from callboard.domain.call_media import CallMedia
from callboard.domain.events import CallStateChanged, Event, RosterChanged
from callboard.domain.invitations import Invitation
from callboard.domain.operations import MediaQueue
from callboard.domain.participants import Participant
from callboard.domain.results import ResultInfo
from callboard.errors import InvalidStateTransition
from callboard.json_types import JsonObject

CALL_TYPE = "#microsoft.graph.call"

# The properties of Graph's call resource (v1.0 and beta) Callboard keeps in ``Call.resource``
# (id, state, direction and resultInfo are attributes of their own). Whatever else a client
# sends is its open-type echo (``Call.echo``); Callboard's bookkeeping is never in either.
GRAPH_PROPERTIES = (
    "subject",
    "callbackUri",
    "callChainId",
    "callRoutes",
    "source",
    "targets",
    "requestedModalities",
    "activeModalities",
    "mediaConfig",
    "chatInfo",
    "meetingInfo",
    "callOptions",
    "routingPolicies",
    "tenantId",
    "myParticipantId",
    "terminationReason",
    "ringingTimeoutInSeconds",
    "mediaState",
    "answeredBy",
    "meetingCapability",
    "toneInfo",
    "transcription",
    "incomingContext",
)


class CallState(StrEnum):
    INCOMING = "incoming"
    ESTABLISHING = "establishing"
    RINGING = "ringing"
    ESTABLISHED = "established"
    HOLD = "hold"
    TRANSFERRING = "transferring"
    TRANSFER_ACCEPTED = "transferAccepted"
    REDIRECTING = "redirecting"
    TERMINATING = "terminating"
    TERMINATED = "terminated"


TRANSITIONS: dict[CallState, frozenset[CallState]] = {
    CallState.INCOMING: frozenset({CallState.ESTABLISHING, CallState.TERMINATED}),
    CallState.ESTABLISHING: frozenset(
        {CallState.RINGING, CallState.ESTABLISHED, CallState.TERMINATING, CallState.TERMINATED}
    ),
    CallState.RINGING: frozenset(
        {CallState.ESTABLISHED, CallState.TERMINATING, CallState.TERMINATED}
    ),
    CallState.ESTABLISHED: frozenset(
        {CallState.HOLD, CallState.TRANSFERRING, CallState.TERMINATING, CallState.TERMINATED}
    ),
    CallState.HOLD: frozenset({CallState.ESTABLISHED, CallState.TERMINATING, CallState.TERMINATED}),
    CallState.TRANSFERRING: frozenset(
        {
            CallState.TRANSFER_ACCEPTED,
            CallState.ESTABLISHED,
            CallState.TERMINATING,
            CallState.TERMINATED,
        }
    ),
    CallState.TRANSFER_ACCEPTED: frozenset(
        {CallState.ESTABLISHED, CallState.TERMINATING, CallState.TERMINATED}
    ),
    CallState.REDIRECTING: frozenset({CallState.TERMINATED}),
    CallState.TERMINATING: frozenset({CallState.TERMINATED}),
    CallState.TERMINATED: frozenset(),
}


class CallKind(StrEnum):
    PEER_TO_PEER = "peerToPeer"
    GROUP = "group"
    MEETING = "meeting"


@dataclass
class CallCore:
    id: str
    tenant_id: str
    app_id: str
    api_version: str
    kind: CallKind
    direction: str
    state: CallState
    # The Graph properties the client sent or Callboard derived (source, targets, ...): only
    # names of GRAPH_PROPERTIES.
    resource: JsonObject
    # Properties the client sent that Graph's call type does not declare: echoed back as sent.
    echo: JsonObject = field(default_factory=dict)
    participants: list[Participant] = field(default_factory=list)
    # Per target key (``target_key``): who the call rings or rang.
    invitations: dict[str, Invitation] = field(default_factory=dict)
    result_info: ResultInfo | None = None
    roster_sequence: int = 0
    # The online meeting this call joined (meeting calls only).
    meeting_id: str | None = None
    created_at: float = 0.0
    modified_at: float = 0.0
    version: int = 0
    # Callboard's bookkeeping, never rendered: the meeting call waits for its organizer
    # (allowConversationWithoutHost false), the simulated caller of an incoming call hangs
    # up after so long, where a redirected call went, tone subscription, screen-sharing role,
    # the media operation queue, and when the call ends unless a keepAlive comes first.
    waiting_for_host: bool = False
    caller_hang_up_after_seconds: float | None = None
    redirect_targets: list[JsonObject] = field(default_factory=list)
    tone_subscribed: bool = False
    screen_sharing_role: str | None = None
    media_queue: MediaQueue = field(default_factory=MediaQueue)
    keep_alive_expires_at: float | None = None
    # Call control (domain/call_control.py): the pending transfer, the transfer a call offered
    # to a transferred-to application completes, who is on hold, the audio routing groups.
    transfer: Transfer | None = None
    transfer_source: TransferSource | None = None
    held_participant_id: str | None = None
    audio_routing_groups: list[AudioRoutingGroup] = field(default_factory=list)
    # Keys, speech, recordings and state history (domain/call_media.py).
    media: CallMedia = field(default_factory=CallMedia)
    events: list[Event] = field(default_factory=list)

    # -- read helpers -----------------------------------------------------------------

    @property
    def callback_uri(self) -> str:
        return str(self.resource["callbackUri"])

    @property
    def my_participant_id(self) -> str:
        return str(self.resource["myParticipantId"])

    @property
    def is_over(self) -> bool:
        return self.state in (CallState.TERMINATING, CallState.TERMINATED)

    @property
    def modalities(self) -> list[str]:
        requested: list[str] = self.resource.get("requestedModalities") or ["audio"]
        return requested

    @property
    def media_config_type(self) -> str:
        return str((self.resource.get("mediaConfig") or {}).get("@odata.type", ""))

    def bot_participant(self) -> Participant:
        """The application's own leg: the source of an outgoing call, but the callee (the
        application or its instance) of an incoming one, whose source is the caller."""
        side = (
            self.resource["targets"][0] if self.direction == "incoming" else self.resource["source"]
        )
        return Participant.new(
            self.my_participant_id,
            side["identity"],
            modalities=self.resource.get("activeModalities")
            or self.resource.get("requestedModalities")
            or ["audio"],
            source_id=10,
            language_id=None,
        )

    def participant(self, participant_id: str) -> Participant | None:
        return next((p for p in self.participants if p.id == participant_id), None)

    # -- transitions and events ---------------------------------------------------------

    def _transition(self, to: CallState) -> None:
        if to not in TRANSITIONS[self.state]:
            raise InvalidStateTransition(
                f"The call is {self.state.value} and cannot become {to.value}."
            )
        self.state = to
        self.media.record_state(to.value)

    def stamp_history(self, now: float) -> None:
        """Saving the call: the state changes since the last save happened now."""
        self.media.record_state(self.state.value)
        self.media.stamp(now)

    def _state_event(self, change_type: str) -> None:
        self.events.append(CallStateChanged(change_type, self.state.value, self.result_info))

    def _roster_event(self) -> None:
        self.roster_sequence += 1
        for p in self.participants:
            p.roster_sequence_number = self.roster_sequence
        self.events.append(RosterChanged(tuple(copy.deepcopy(self.participants))))

    def _require(self, *states: CallState, action: str) -> None:
        if self.state not in states:
            raise InvalidStateTransition(f"Cannot {action}: the call is {self.state.value}.")

    def _terminate(self, reason: ResultInfo) -> None:
        self._transition(CallState.TERMINATED)
        self.result_info = reason
        self.resource["terminationReason"] = reason.message
        self._state_event("deleted")
