"""The call aggregate and its state machine.

A call records events instead of performing side effects; the unit of work turns
them into ``commsNotifications`` jobs in the same transaction as the state change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from callboard.domain.events import (
    CallStateChanged,
    ContentSharingChanged,
    Event,
    OperationFinished,
    RosterChanged,
)
from callboard.domain.participants import new_participant
from callboard.errors import BadRequest, InvalidStateTransition, ItemNotFound

CALL_TYPE = "#microsoft.graph.call"


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


S = CallState
TRANSITIONS: dict[CallState, frozenset[CallState]] = {
    S.INCOMING: frozenset({S.ESTABLISHING, S.TERMINATED}),
    S.ESTABLISHING: frozenset({S.RINGING, S.ESTABLISHED, S.TERMINATING, S.TERMINATED}),
    S.RINGING: frozenset({S.ESTABLISHED, S.TERMINATING, S.TERMINATED}),
    S.ESTABLISHED: frozenset({S.HOLD, S.TRANSFERRING, S.TERMINATING, S.TERMINATED}),
    S.HOLD: frozenset({S.ESTABLISHED, S.TERMINATING, S.TERMINATED}),
    S.TRANSFERRING: frozenset({S.TRANSFER_ACCEPTED, S.ESTABLISHED, S.TERMINATING, S.TERMINATED}),
    S.TRANSFER_ACCEPTED: frozenset({S.ESTABLISHED, S.TERMINATING, S.TERMINATED}),
    S.REDIRECTING: frozenset({S.TERMINATED}),
    S.TERMINATING: frozenset({S.TERMINATED}),
    S.TERMINATED: frozenset(),
}


class CallKind(StrEnum):
    PEER_TO_PEER = "peerToPeer"
    GROUP = "group"
    MEETING = "meeting"


class InvitationStatus(StrEnum):
    RINGING = "ringing"
    JOINED = "joined"
    FAILED = "failed"
    LEFT = "left"


def result_info(code: int, subcode: int, message: str) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.resultInfo",
        "code": code,
        "subcode": subcode,
        "message": message,
    }


# End reasons (codes from Graph's call-delete documentation where one fits).
ENDED_BY_APP = result_info(200, 5001, "The call was ended by the application.")
REMOTE_HUNG_UP = result_info(200, 4521, "The other peer-to-peer participant ended the call.")
NO_ONE_JOINED = result_info(200, 5013, "No one else joined the group call.")
ALL_OTHERS_LEFT = result_info(200, 5002, "All other participants left the call.")
DECLINED = result_info(603, 0, "The callee declined the call.")
BUSY = result_info(486, 0, "The callee is busy.")
NOT_ANSWERED = result_info(408, 10057, "The callee did not answer before the ringing timeout.")
UNREACHABLE = result_info(480, 10037, "The callee has no endpoints to ring.")
REJECTED = result_info(603, 0, "The application rejected the incoming call.")
REJECTED_BUSY = result_info(486, 0, "The application rejected the incoming call as busy.")
REJECTED_FORBIDDEN = result_info(403, 0, "The application rejected the incoming call.")
REDIRECTED = result_info(302, 0, "The application redirected the incoming call.")
INCOMING_NOT_ANSWERED = result_info(
    408, 1106, "The application did not answer the incoming call in time."
)
# Invitations (participant invite): how many a group call holds, and how they end.
GROUP_CALL_CAPACITY = 20
OPERATION_COMPLETED = result_info(200, 0, "Action completed successfully.")
INVITE_CANCELLED = result_info(487, 0, "The invitation was cancelled by the application.")
CALL_ENDED_FIRST = result_info(400, 8508, "The call ended first.")
MOVE_FAILED = result_info(
    480, 10076, "The participant is no longer in the call named by replacesCallId."
)
REPLACED = result_info(200, 7015, "The other party was moved into another call.")


@dataclass
class Call:
    id: str
    tenant_id: str
    app_id: str
    api_version: str
    kind: CallKind
    direction: str
    state: CallState
    # The Graph-shaped properties the client sent or Callboard derived (source, targets, ...).
    resource: dict[str, Any]
    participants: list[dict[str, Any]] = field(default_factory=list)
    # Per target key: InvitationStatus plus the participant id that answered.
    invitations: dict[str, dict[str, Any]] = field(default_factory=dict)
    result_info: dict[str, Any] | None = None
    roster_sequence: int = 0
    # The online meeting this call joined (meeting calls only).
    meeting_id: str | None = None
    created_at: float = 0.0
    modified_at: float = 0.0
    version: int = 0
    events: list[Event] = field(default_factory=list)

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
        resource: dict[str, Any],
        now: float,
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
            created_at=now,
            modified_at=now,
        )
        call.invitations = {
            target_key(t): {"status": InvitationStatus.RINGING, "participantId": None}
            for t in resource.get("targets") or []
        }
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
        resource: dict[str, Any],
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
        )
        call.events.append(CallStateChanged("created", call.snapshot()))
        return call

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

    def snapshot(self) -> dict[str, Any]:
        """The call resource without null padding (what a ``created`` notification carries)."""
        data = {"@odata.type": CALL_TYPE, **self.resource}
        data.update({"id": self.id, "state": self.state.value, "direction": self.direction})
        if self.result_info is not None:
            data["resultInfo"] = self.result_info
        return data

    def bot_participant(self) -> dict[str, Any]:
        """The application's own leg: the source of an outgoing call, but the callee (the
        application or its instance) of an incoming one, whose source is the caller."""
        side = (
            self.resource["targets"][0] if self.direction == "incoming" else self.resource["source"]
        )
        return new_participant(
            self.my_participant_id,
            side["identity"],
            modalities=self.resource.get("activeModalities")
            or self.resource.get("requestedModalities")
            or ["audio"],
            source_id=10,
            language_id=None,
        )

    def participant(self, participant_id: str) -> dict[str, Any] | None:
        return next((p for p in self.participants if p["id"] == participant_id), None)

    # -- transitions ------------------------------------------------------------------

    def _transition(self, to: CallState) -> None:
        if to not in TRANSITIONS[self.state]:
            raise InvalidStateTransition(
                f"The call is {self.state.value} and cannot become {to.value}."
            )
        self.state = to

    def _state_event(self, change_type: str) -> None:
        data: dict[str, Any] = {
            "@odata.type": CALL_TYPE,
            "state": self.state.value,
            "direction": self.direction,
        }
        for key in ("chatInfo", "meetingInfo", "callChainId"):
            if self.resource.get(key) is not None:
                data[key] = self.resource[key]
        if self.result_info is not None:
            data["resultInfo"] = self.result_info
        data["id"] = self.id
        self.events.append(CallStateChanged(change_type, data))

    def _roster_event(self) -> None:
        self.roster_sequence += 1
        for p in self.participants:
            p["rosterSequenceNumber"] = self.roster_sequence
        self.events.append(RosterChanged(tuple(dict(p) for p in self.participants)))

    def _require(self, *states: CallState, action: str) -> None:
        if self.state not in states:
            raise InvalidStateTransition(f"Cannot {action}: the call is {self.state.value}.")

    def ring(self) -> None:
        """A peer-to-peer callee's endpoints start ringing."""
        if self.state is CallState.ESTABLISHING:
            self._transition(CallState.RINGING)
            self._state_event("updated")

    def connect(self, bot: dict[str, Any]) -> None:
        """The bot's own leg is up (group call, or an answered incoming call)."""
        if self.state is not CallState.ESTABLISHING:
            return
        self._transition(CallState.ESTABLISHED)
        self._state_event("updated")
        self.participants.append(bot)
        self._roster_event()

    def connect_peer(self, bot: dict[str, Any], peer: dict[str, Any]) -> None:
        """An answered incoming call is up: state notification only, as for any P2P call."""
        if self.state is not CallState.ESTABLISHING:
            return
        self._transition(CallState.ESTABLISHED)
        self._state_event("updated")
        self.participants.extend([bot, peer])
        self.roster_sequence += 1

    def target_answered(self, key: str, participant: dict[str, Any], bot: dict[str, Any]) -> None:
        invitation = self.invitations.get(key)
        if self.is_over or invitation is None or invitation["status"] != InvitationStatus.RINGING:
            return
        invitation.update(status=InvitationStatus.JOINED, participantId=participant["id"])
        if self.kind is CallKind.PEER_TO_PEER:
            self._transition(CallState.ESTABLISHED)
            self.resource["answeredBy"] = participant["info"]
            self._state_event("updated")
            # Peer-to-peer calls notify state only (seed 003); the roster is still readable.
            self.participants.extend([bot, participant])
            self.roster_sequence += 1
            return
        self.participants.append(participant)
        self._settle_invitation(key)
        self._roster_event()

    def target_failed(self, key: str, reason: dict[str, Any]) -> None:
        invitation = self.invitations.get(key)
        if self.is_over or invitation is None or invitation["status"] != InvitationStatus.RINGING:
            return
        invitation.update(status=InvitationStatus.FAILED, resultInfo=reason)
        self._settle_invitation(key)
        if self.kind is CallKind.PEER_TO_PEER:
            self._terminate(reason)
        elif self.state is CallState.ESTABLISHED and self._nobody_else_can_join():
            someone_left = any(
                inv["status"] == InvitationStatus.LEFT for inv in self.invitations.values()
            )
            self._terminate(ALL_OTHERS_LEFT if someone_left else NO_ONE_JOINED)

    def remote_hung_up(self, key: str) -> None:
        invitation = self.invitations.get(key)
        if self.is_over or invitation is None or invitation["status"] != InvitationStatus.JOINED:
            return
        invitation["status"] = InvitationStatus.LEFT
        if self.kind is CallKind.PEER_TO_PEER:
            self._terminate(REMOTE_HUNG_UP)
            return
        self.participants = [p for p in self.participants if p["id"] != invitation["participantId"]]
        self._roster_event()
        if self._nobody_else_can_join():
            self._terminate(ALL_OTHERS_LEFT)

    def _nobody_else_can_join(self) -> bool:
        """True when no invitee is ringing or present: the bot would be alone. A meeting goes
        on whoever the bot invited (the people in it are the meeting's, not the bot's)."""
        if self.kind is CallKind.MEETING:
            return False
        return all(
            inv["status"] in (InvitationStatus.FAILED, InvitationStatus.LEFT)
            for inv in self.invitations.values()
        )

    def hang_up(self) -> None:
        """DELETE by the application: terminating now, terminated shortly after."""
        if self.state is CallState.INCOMING:
            raise InvalidStateTransition("Cannot hang up an incoming call: reject it instead.")
        if self.is_over:
            raise InvalidStateTransition(f"Cannot hang up: the call is {self.state.value}.")
        self._transition(CallState.TERMINATING)
        self._state_event("updated")
        # Graph's terminating notification has no resultInfo; the terminated one has it.
        self.result_info = ENDED_BY_APP

    def finish_termination(self) -> None:
        if self.state is CallState.TERMINATING:
            self._transition(CallState.TERMINATED)
            if self.result_info is not None:
                self.resource["terminationReason"] = self.result_info["message"]
            self._state_event("deleted")

    def _terminate(self, reason: dict[str, Any]) -> None:
        self._transition(CallState.TERMINATED)
        self.result_info = reason
        self.resource["terminationReason"] = reason["message"]
        self._state_event("deleted")

    # -- incoming ---------------------------------------------------------------------

    def answer(
        self,
        *,
        callback_uri: str,
        media_config: dict[str, Any],
        accepted_modalities: list[str],
        call_options: dict[str, Any] | None,
    ) -> None:
        self._require(CallState.INCOMING, action="answer")
        self._transition(CallState.ESTABLISHING)
        self.resource["callbackUri"] = callback_uri
        self.resource["mediaConfig"] = media_config
        if accepted_modalities:
            self.resource["activeModalities"] = accepted_modalities
        if call_options is not None:
            self.resource["callOptions"] = call_options
        self._state_event("updated")

    def reject(self, *, reason: str, callback_uri: str | None) -> None:
        self._require(CallState.INCOMING, action="reject")
        if callback_uri:
            self.resource["callbackUri"] = callback_uri
        end = {"busy": REJECTED_BUSY, "forbidden": REJECTED_FORBIDDEN}.get(reason, REJECTED)
        self._terminate(end)

    def redirect(self, *, targets: list[dict[str, Any]], callback_uri: str | None) -> None:
        self._require(CallState.INCOMING, action="redirect")
        if callback_uri:
            self.resource["callbackUri"] = callback_uri
        self.resource["redirectTargets"] = targets
        self._terminate(REDIRECTED)

    def incoming_timed_out(self) -> None:
        if self.state is CallState.INCOMING:
            self._terminate(INCOMING_NOT_ANSWERED)

    def caller_hung_up(self) -> None:
        """The simulated caller of an answered incoming call leaves."""
        if self.state in (CallState.ESTABLISHING, CallState.ESTABLISHED):
            self._terminate(REMOTE_HUNG_UP)

    # -- roster actions ---------------------------------------------------------------

    def set_muted(self, participant_id: str, muted: bool) -> None:
        participant = self.participant(participant_id)
        if participant is None:
            return
        participant["isMuted"] = muted
        for stream in participant.get("mediaStreams") or []:
            if stream.get("mediaType") == "audio":
                stream["serverMuted"] = muted
        self._roster_event()

    # -- meetings ---------------------------------------------------------------------

    def join_meeting(self, roster: list[dict[str, Any]]) -> None:
        """The bot is in the meeting (possibly in its lobby): established, with its roster."""
        if self.state is not CallState.ESTABLISHING:
            return
        self._transition(CallState.ESTABLISHED)
        self._state_event("updated")
        self.participants = roster
        self._roster_event()

    def sync_roster(self, roster: list[dict[str, Any]]) -> None:
        """The meeting's roster changed: an established meeting call hears about it."""
        if self.state is not CallState.ESTABLISHED or roster == self.participants:
            return
        self.participants = roster
        self._roster_event()

    def meeting_ended(self, reason: dict[str, Any]) -> None:
        if not self.is_over:
            self._terminate(reason)

    def content_sharing_changed(self, change_type: str, sessions: list[dict[str, Any]]) -> None:
        options = self.resource.get("callOptions") or {}
        if self.state is CallState.ESTABLISHED and options.get(
            "isContentSharingNotificationEnabled"
        ):
            self.events.append(ContentSharingChanged(change_type, tuple(sessions)))

    def finish_operation(self, operation: dict[str, Any]) -> None:
        self.events.append(OperationFinished(operation))

    # -- invitations (POST .../participants/invite) ---------------------------------------

    def invite(self, operation_id: str, invitees: list[Invitee]) -> None:
        """Ring ``invitees`` for one inviteParticipantsOperation; all or nothing."""
        if self.state is not CallState.ESTABLISHED:
            raise InvalidStateTransition(
                f"Cannot invite participants: the call is {self.state.value}, not established."
            )
        if self.kind is CallKind.PEER_TO_PEER:
            raise BadRequest("Cannot invite participants into a peer-to-peer call.")
        ringing = [
            key
            for key, invitation in self.invitations.items()
            if invitation["status"] == InvitationStatus.RINGING
        ]
        present = {target_key({"identity": p["info"]["identity"]}) for p in self.participants}
        present.update(ringing)
        seen: set[str] = set()
        for invitee in invitees:
            if invitee.key in present:
                raise BadRequest(f"{invitee.key} is already in the call or being invited.")
            if invitee.key in seen:
                raise BadRequest(f"{invitee.key} is invited twice in this request.")
            seen.add(invitee.key)
        count = len(self.participants) + len(ringing)
        if count + len(invitees) > GROUP_CALL_CAPACITY:
            raise BadRequest(
                f"A group call holds at most {GROUP_CALL_CAPACITY} participants (counting the "
                f"application and pending invitations); it has {count}."
            )
        for invitee in invitees:
            # A re-invited identity (it left or failed before) gets a fresh entry.
            self.invitations[invitee.key] = {
                "status": InvitationStatus.RINGING,
                "participantId": invitee.participant_id,
                "operationId": operation_id,
                "target": invitee.target,
                "replacesCallId": invitee.replaces_call_id,
            }

    def _settle_invitation(self, key: str) -> None:
        """An invitation was answered or failed: once every invitation of its operation has,
        the operation finishes, ``failed`` with the first failure's reason if any failed.

        The event carries only id, status and resultInfo; the service layer completes it
        from the stored operation (``simulation.finish_invitations``)."""
        invitation = self.invitations[key]
        operation_id = invitation.get("operationId")
        if operation_id is None:
            return
        siblings = [i for i in self.invitations.values() if i.get("operationId") == operation_id]
        if invitation["status"] == InvitationStatus.FAILED:
            # Kept on every sibling: a failed identity may be re-invited before the rest settle.
            for sibling in siblings:
                sibling.setdefault("operationResult", invitation["resultInfo"])
        if any(s["status"] == InvitationStatus.RINGING for s in siblings):
            return
        failure = invitation.get("operationResult")
        self.events.append(
            OperationFinished(
                {
                    "id": operation_id,
                    "status": "Failed" if failure else "Completed",
                    "resultInfo": failure or OPERATION_COMPLETED,
                }
            )
        )

    def abandon_invitations(self) -> None:
        """The call has ended: its pending invitations fail, and their operations with them."""
        if self.state is not CallState.TERMINATED:
            return
        for key, invitation in self.invitations.items():
            if invitation["status"] == InvitationStatus.RINGING and invitation.get("operationId"):
                invitation.update(status=InvitationStatus.FAILED, resultInfo=CALL_ENDED_FIRST)
                self._settle_invitation(key)

    def remove_participant(self, participant_id: str) -> None:
        """DELETE .../participants/{id}: a joined participant leaves (roster notified); an
        invited one's pending invitation is cancelled (its operation fails)."""
        if participant_id == self.my_participant_id:
            raise BadRequest(
                "The application's own participant cannot be removed: hang up with "
                "DELETE /communications/calls/{id} instead."
            )
        for key, invitation in self.invitations.items():
            if invitation.get("participantId") != participant_id:
                continue
            if invitation["status"] == InvitationStatus.RINGING:
                self.target_failed(key, INVITE_CANCELLED)
                return
            if invitation["status"] == InvitationStatus.JOINED:
                self.remote_hung_up(key)
                return
        if self.participant(participant_id) is None:
            raise ItemNotFound(f"The participant {participant_id} is not in call {self.id}.")
        self.participants = [p for p in self.participants if p["id"] != participant_id]
        self._roster_event()

    def peer_key(self) -> str | None:
        """The other party of an established peer-to-peer call (what replacesCallId moves)."""
        if self.kind is not CallKind.PEER_TO_PEER or self.state is not CallState.ESTABLISHED:
            return None
        if self.direction == "incoming":
            return target_key(self.resource["source"])
        return next(
            (k for k, i in self.invitations.items() if i["status"] == InvitationStatus.JOINED),
            None,
        )

    def replaced(self) -> None:
        """Its other party was moved into another call (invite with replacesCallId)."""
        if self.state is CallState.ESTABLISHED:
            self._terminate(REPLACED)


@dataclass(frozen=True)
class Invitee:
    """One participant of an invite: its ring key, the invitationParticipantInfo as sent, the
    participant id it will have in the roster, and the peer-to-peer call it replaces."""

    key: str
    target: dict[str, Any]
    participant_id: str
    replaces_call_id: str | None = None


def target_key(target: dict[str, Any]) -> str:
    """The identity an invitation rings: the first identity in the target's identitySet."""
    identity_set = target.get("identity") or {}
    for kind in IDENTITY_KINDS:
        ident = identity_set.get(kind)
        if isinstance(ident, dict) and ident.get("id"):
            return f"{kind}:{ident['id']}"
    return "unknown:"


IDENTITY_KINDS = (
    "user",
    "phone",
    "guest",
    "applicationInstance",
    "application",
    "device",
    "encrypted",
    "onPremises",
    "acsUser",
    "spoolUser",
    "azureCommunicationServicesUser",
)
