"""A create-call request as validated (``POST /communications/calls``), read once into typed
values: ``NewCall`` and the meeting it joins, ``MeetingJoin``. Built by the route's body model
(``api/graph/schemas.py``), taken by ``services/calls.create_call``."""

from __future__ import annotations

from dataclasses import dataclass, field

from callboard.domain.calls import CallOptions, MediaConfig
from callboard.domain.identities import PartyIdentity
from callboard.domain.invitations import InvitationTarget, SourceInfo
from callboard.json_types import JsonObject


@dataclass(frozen=True, slots=True)
class MeetingJoin:
    """A meeting join's ``meetingInfo`` and ``chatInfo``, read once: what names the meeting
    (typed), and both as the client sent them (``meeting_info``, ``chat_info``: echoed)."""

    # organizerMeetingInfo, joinMeetingIdMeetingInfo or tokenMeetingInfo ("" when none).
    kind: str
    join_meeting_id: str | None
    passcode: str | None
    organizer: PartyIdentity
    thread_id: str | None
    meeting_info: JsonObject | None
    chat_info: JsonObject | None

    @classmethod
    def parse(cls, meeting_info: JsonObject | None, chat_info: JsonObject | None) -> MeetingJoin:
        info = meeting_info or {}
        join_meeting_id = info.get("joinMeetingId")
        passcode = info.get("passcode")
        thread_id = (chat_info or {}).get("threadId")
        return cls(
            kind=str(info.get("@odata.type", "")).removeprefix("#microsoft.graph."),
            join_meeting_id=None if join_meeting_id is None else str(join_meeting_id),
            passcode=None if passcode is None else str(passcode),
            organizer=PartyIdentity.parse(info.get("organizer")),
            thread_id=str(thread_id) if thread_id else None,
            meeting_info=meeting_info,
            chat_info=chat_info,
        )


@dataclass(frozen=True)
class NewCall:
    """``POST /communications/calls`` as validated. The parties and the meeting to join are
    read once into typed values (each keeps its JSON as sent, for the call's resource);
    mediaConfig and callOptions stay as sent; ``echo`` holds the properties the client sent
    that Graph's call type does not declare (an open type: echoed as sent)."""

    callback_uri: str
    media_config: MediaConfig
    requested_modalities: list[str]
    source: SourceInfo | None = None
    targets: list[InvitationTarget] = field(default_factory=list)
    call_options: CallOptions | None = None
    meeting: MeetingJoin | None = None
    subject: str | None = None
    tenant_id: str | None = None
    ringing_timeout_in_seconds: int | None = None
    routing_policies: list[str] = field(default_factory=list)
    echo: JsonObject = field(default_factory=dict)

    @property
    def joins_meeting(self) -> bool:
        return self.meeting is not None
