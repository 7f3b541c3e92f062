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
from callboard.domain.invitations import Invitation, InvitationTarget, SourceInfo
from callboard.domain.operations import MediaQueue
from callboard.domain.participants import Participant
from callboard.domain.results import ResultInfo
from callboard.errors import InvalidStateTransition
from callboard.json_types import JsonObject

CALL_TYPE = "#microsoft.graph.call"

# The properties of Graph's call resource (v1.0 and beta) a call renders from
# ``Call.resource`` (id, state, direction and resultInfo are attributes of their own).
# Whatever else a client sends is its open-type echo (``Call.echo``); Callboard's
# bookkeeping is never in either.
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


# The properties ``CallResource`` keeps as JSON, deciding nothing on them: the client's
# (callRoutes, routingPolicies...) and those rendered once, when they happen (toneInfo,
# incomingContext).
ECHOED_PROPERTIES = (
    "callRoutes",
    "routingPolicies",
    "toneInfo",
    "incomingContext",
    "mediaState",
    "meetingCapability",
    "transcription",
)


def _flag(data: JsonObject | None, name: str) -> bool | None:
    value = (data or {}).get(name)
    return value if isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class MediaConfig:
    """A ``mediaConfig`` read once: its type (who hosts the media), and the JSON as sent
    (echoed)."""

    echo: JsonObject
    # "#microsoft.graph.appHostedMediaConfig" or "...serviceHostedMediaConfig".
    odata_type: str

    @property
    def app_hosted(self) -> bool:
        return self.odata_type.endswith("appHostedMediaConfig")

    @classmethod
    def parse(cls, data: JsonObject) -> MediaConfig:
        return cls(data, str(data.get("@odata.type", "")))


@dataclass(frozen=True, slots=True)
class CallOptions:
    """A ``callOptions`` read once: whether content-sharing notifications were asked for,
    and the JSON as sent (echoed)."""

    echo: JsonObject
    content_sharing_notifications: bool

    @classmethod
    def parse(cls, data: JsonObject) -> CallOptions:
        return cls(data, bool(data.get("isContentSharingNotificationEnabled")))


@dataclass(frozen=True, slots=True)
class MeetingInfo:
    """A meeting call's ``meetingInfo`` read once: whether the bot may talk without the
    organizer (None when the client left it unsaid), and the JSON as sent (echoed)."""

    echo: JsonObject
    allow_conversation_without_host: bool | None

    @classmethod
    def parse(cls, data: JsonObject) -> MeetingInfo:
        return cls(data, _flag(data, "allowConversationWithoutHost"))


@dataclass(frozen=True, slots=True)
class AnsweredBy:
    """Who answered a peer-to-peer call (``answeredBy``, a participantInfo): the participant
    as it joined the roster."""

    participant_id: str
    # The identitySet, as Graph has it.
    identity: JsonObject
    language_id: str | None = None
    region: str | None = None
    country_code: str | None = None
    endpoint_type: str | None = None

    @classmethod
    def of(cls, participant: Participant) -> AnsweredBy:
        return cls(
            participant.id,
            participant.identity,
            participant.language_id,
            participant.region,
            participant.country_code,
            participant.endpoint_type,
        )

    @classmethod
    def parse(cls, data: JsonObject) -> AnsweredBy:
        return cls(
            str(data.get("participantId") or ""),
            data.get("identity") or {},
            data.get("languageId"),
            data.get("region"),
            data.get("countryCode"),
            data.get("endpointType"),
        )


@dataclass(slots=True)
class CallResource:
    """The call's Graph properties, typed where Callboard decides on them; the parties and
    option objects keep their JSON as sent (each value's ``echo``). None is a property the
    call does not have (rendered as null by GET, left out of a ``created`` notification).
    ``domain/graph_json.py::call_properties`` renders it; ``parse`` reads it back."""

    callback_uri: str
    my_participant_id: str
    source: SourceInfo
    targets: list[InvitationTarget]
    requested_modalities: list[str] | None = None
    active_modalities: list[str] | None = None
    tenant_id: str | None = None
    call_chain_id: str | None = None
    subject: str | None = None
    media_config: MediaConfig | None = None
    call_options: CallOptions | None = None
    meeting_info: MeetingInfo | None = None
    chat_info: JsonObject | None = None
    ringing_timeout_in_seconds: int | None = None
    termination_reason: str | None = None
    answered_by: AnsweredBy | None = None
    # ECHOED_PROPERTIES the call has, as sent or set.
    echo: JsonObject = field(default_factory=dict)

    @classmethod
    def parse(cls, data: JsonObject) -> CallResource:
        """The Graph properties as ``call_properties`` writes them (stored calls of every
        version: the stored shape is the rendered one)."""

        get = data.get
        media_config = get("mediaConfig")
        call_options = get("callOptions")
        meeting_info = get("meetingInfo")
        timeout = get("ringingTimeoutInSeconds")
        answered_by = get("answeredBy")
        return cls(
            callback_uri=str(data["callbackUri"]),
            my_participant_id=str(data["myParticipantId"]),
            source=SourceInfo.parse(get("source") or {}),
            targets=[InvitationTarget.parse(t) for t in get("targets") or ()],
            requested_modalities=get("requestedModalities"),
            active_modalities=get("activeModalities"),
            tenant_id=get("tenantId"),
            call_chain_id=get("callChainId"),
            subject=get("subject"),
            media_config=None if media_config is None else MediaConfig.parse(media_config),
            call_options=None if call_options is None else CallOptions.parse(call_options),
            meeting_info=None if meeting_info is None else MeetingInfo.parse(meeting_info),
            chat_info=get("chatInfo"),
            ringing_timeout_in_seconds=None if timeout is None else int(timeout),
            termination_reason=get("terminationReason"),
            answered_by=None if answered_by is None else AnsweredBy.parse(answered_by),
            echo={k: data[k] for k in ECHOED_PROPERTIES if k in data},
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
    # The Graph properties the client sent or Callboard derived (source, targets, ...).
    resource: CallResource
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
        return self.resource.callback_uri

    @property
    def my_participant_id(self) -> str:
        return self.resource.my_participant_id

    @property
    def is_over(self) -> bool:
        return self.state in (CallState.TERMINATING, CallState.TERMINATED)

    @property
    def modalities(self) -> list[str]:
        return self.resource.requested_modalities or ["audio"]

    @property
    def media_config_type(self) -> str:
        config = self.resource.media_config
        return "" if config is None else config.odata_type

    def bot_participant(self) -> Participant:
        """The application's own leg: the source of an outgoing call, but the callee (the
        application or its instance) of an incoming one, whose source is the caller."""
        resource = self.resource
        identity = (
            resource.targets[0].identity
            if self.direction == "incoming"
            else resource.source.identity
        )
        return Participant.new(
            self.my_participant_id,
            identity.echo,
            modalities=resource.active_modalities or resource.requested_modalities or ["audio"],
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
        self.resource.termination_reason = reason.message
        self._state_event("deleted")
