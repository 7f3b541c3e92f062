"""Meeting calls: a bot's call that joined an online meeting follows the meeting's roster
and content sharing, and ends with the meeting.

The rules between a call and its meeting are the functions below: a bot enters the meeting
(into its lobby if the meeting says so) or waits for the organizer; every change of the
meeting's live roster reaches each call in it; bots leave by hanging up, never as people.
"""

from __future__ import annotations

import copy

from callboard.domain.call_core import CallCore, CallState
from callboard.domain.events import ContentSharingChanged
from callboard.domain.invitations import target_key
from callboard.domain.meeting_parts import JoinerKind
from callboard.domain.meeting_roster import RosterEntry
from callboard.domain.meetings import OnlineMeeting
from callboard.domain.participants import Participant
from callboard.domain.results import ResultInfo
from callboard.errors import BadRequest
from callboard.json_types import JsonObject


class MeetingCallRules(CallCore):
    def join_meeting(self, roster: list[Participant]) -> None:
        """The bot is in the meeting (possibly in its lobby): established, with its roster."""
        if self.state is not CallState.ESTABLISHING:
            return
        self._transition(CallState.ESTABLISHED)
        self._state_event("updated")
        self.participants = roster
        self._roster_event()

    def sync_roster(self, roster: list[Participant]) -> None:
        """The meeting's roster changed: an established meeting call hears about it."""
        if self.state is not CallState.ESTABLISHED or roster == self.participants:
            return
        self.participants = roster
        self._roster_event()

    def meeting_ended(self, reason: ResultInfo) -> None:
        if not self.is_over:
            self._terminate(reason)

    def content_sharing_changed(self, change_type: str, sessions: list[JsonObject]) -> None:
        options = self.resource.call_options
        if (
            self.state is CallState.ESTABLISHED
            and options is not None
            and options.content_sharing_notifications
        ):
            self.events.append(ContentSharingChanged(change_type, tuple(sessions)))


# -- the rules between a call and its meeting ------------------------------------------


def live_roster(meeting: OnlineMeeting) -> list[Participant]:
    """The meeting's live roster as a call's participants."""
    return meeting.roster.call_roster()


def arrive(meeting: OnlineMeeting, call: MeetingCallRules) -> bool:
    """The bot's leg reached the meeting: it enters (maybe into the lobby), or waits for the
    organizer when the call asked not to talk without the host. True if it entered."""
    info = call.resource.meeting_info
    allowed = None if info is None else info.allow_conversation_without_host
    if allowed is False and not meeting.organizer_present:
        call.waiting_for_host = True
        return False
    _enter(meeting, call)
    return True


def follow(meeting: OnlineMeeting, call: MeetingCallRules) -> None:
    """The meeting changed: a bot waiting for the host enters once the organizer is there;
    an established call hears the new roster."""
    if call.waiting_for_host and meeting.organizer_present:
        _enter(meeting, call)
    else:
        call.sync_roster(live_roster(meeting))


def _enter(meeting: OnlineMeeting, call: MeetingCallRules) -> None:
    call.waiting_for_host = False
    bot = call.bot_participant()
    same_tenant = call.tenant_id == meeting.tenant_id
    kind = JoinerKind.ORGANIZATION if same_tenant else JoinerKind.FEDERATED
    bot.is_in_lobby = meeting.must_wait_in_lobby(kind)
    meeting.join(RosterEntry(bot, call_id=call.id))
    call.join_meeting(live_roster(meeting))


def leave(meeting: OnlineMeeting, call: CallCore) -> bool:
    """A meeting call ended: its bot leaves the meeting. True if it was there."""
    return meeting.roster.remove_bot(call.id)


def invitee_joined(meeting: OnlineMeeting, participant: Participant) -> None:
    """A participant a bot invited answered: they are in the meeting for everyone."""
    meeting.join(RosterEntry(copy.deepcopy(participant), role=JoinerKind.INVITED))


def check_removable(meeting: OnlineMeeting, participant_id: str) -> None:
    found = meeting.roster.find(participant_id)
    if found is not None and found.is_bot:
        raise BadRequest("A bot cannot be removed from a meeting; it leaves by hanging up.")


def check_move(
    app_id: str,
    from_meeting: OnlineMeeting,
    to_meeting: OnlineMeeting,
    source_call_id: str,
    participant: JsonObject,
    key: str,
) -> None:
    """Moving someone between meetings: both created by the app, and the participant is in
    the source meeting under ``participantId`` with the invited identity."""
    creators = {from_meeting.created_by_app_id, to_meeting.created_by_app_id}
    if creators != {app_id}:
        raise BadRequest(
            "Participants can be moved only between meetings created by the same application."
        )
    participant_id = participant.get("participantId")
    if not participant_id:
        raise BadRequest("Moving a participant between meetings needs participantId.")
    found = from_meeting.roster.find(participant_id)
    if found is None or found.is_bot:
        raise BadRequest(
            f"No participant {participant_id} in the meeting of call {source_call_id}."
        )
    if target_key({"identity": found.identity}) != key:
        raise BadRequest(f"The participant {participant_id} is not {key}.")
