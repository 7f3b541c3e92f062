"""Who is in a meeting, and telling every bot in it.

A meeting's live roster holds simulated people (added through the admin API or the
directory's fixtures) and the bots whose calls joined. Every change is copied to each
established call in the meeting (a roster notification each); content sharing likewise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from callboard.domain import meeting_calls
from callboard.domain.calls import Call, CallState
from callboard.domain.identities import guest_identity_set, phone_identity_set, user_identity_set
from callboard.domain.meeting_parts import ContentSharingSession, JoinerKind, PersonSpec
from callboard.domain.meeting_roster import RosterEntry
from callboard.domain.meetings import OnlineMeeting
from callboard.domain.participants import Participant
from callboard.domain.results import MEETING_DELETED
from callboard.errors import BadRequest, ItemNotFound
from callboard.json_types import JsonObject
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork

Result = TypeVar("Result")


def _fan_out(uow: UnitOfWork, meeting: OnlineMeeting, *, except_call: str | None = None) -> None:
    """Every other call in the meeting follows the change (``meeting_calls.follow``)."""
    for call in uow.calls.in_meeting(meeting.id):
        if call.id != except_call:
            meeting_calls.follow(meeting, call)
            uow.save_call(call)


def join_call(rt: Runtime, uow: UnitOfWork, call: Call) -> None:
    """The bot's leg reached the meeting (``meeting_calls.arrive``); the others hear of it."""
    if call.state is not CallState.ESTABLISHING or call.meeting_id is None:
        return
    meeting = uow.meetings.get(call.meeting_id)
    if meeting is None:
        call.meeting_ended(MEETING_DELETED)
        return
    if meeting_calls.arrive(meeting, call):
        uow.meetings.save(meeting, uow.now)
        _fan_out(uow, meeting, except_call=call.id)


def leave_call(rt: Runtime, uow: UnitOfWork, call: Call) -> None:
    """A meeting call ended: its bot leaves the roster the other bots see."""
    if call.meeting_id is None:
        return
    meeting = uow.meetings.get(call.meeting_id)
    if meeting is not None and meeting_calls.leave(meeting, call):
        uow.meetings.save(meeting, uow.now)
        _fan_out(uow, meeting, except_call=call.id)


def meeting_deleted(rt: Runtime, uow: UnitOfWork, meeting: OnlineMeeting) -> None:
    for call in uow.calls.in_meeting(meeting.id):
        call.meeting_ended(MEETING_DELETED)
        uow.save_call(call)


# -- simulated people (admin API, fixtures) -------------------------------------------


def add_person(
    rt: Runtime, uow: UnitOfWork, meeting: OnlineMeeting, spec: PersonSpec
) -> RosterEntry:
    """A simulated person joins (``OnlineMeeting.add_person``): who they are is resolved
    here, from the directory or made up for a phone or a guest."""
    identity: JsonObject
    kind: JoinerKind
    if spec.user_id is not None:
        directory = rt.directory(uow)
        user = directory.user(meeting.tenant_id, spec.user_id) or directory.find_user_anywhere(
            spec.user_id
        )
        if user is None:
            raise BadRequest(f"Unknown user {spec.user_id!r}.")
        kind, identity = meeting.joiner_kind(user), user_identity_set(user)
    elif spec.phone is not None:
        kind, identity = JoinerKind.PHONE, phone_identity_set(spec.phone)
    else:
        kind, identity = (
            JoinerKind.ANONYMOUS,
            guest_identity_set(rt.ids.new(), spec.display_name or "Guest"),
        )
    return meeting.add_person(rt.ids.new(), identity, kind, spec)


def add_people(
    rt: Runtime, uow: UnitOfWork, meeting: OnlineMeeting, specs: list[PersonSpec]
) -> list[RosterEntry]:
    """People join (fixtures at creation: no calls to tell yet)."""
    return [add_person(rt, uow, meeting, spec) for spec in specs]


def describe(rt: Runtime, meeting_id: str) -> JsonObject:
    """The meeting resource with who is in it (the admin view)."""
    with rt.uow() as uow:
        meeting = _load(uow, meeting_id)
    return {
        **meeting.resource,
        "tenantId": meeting.tenant_id,
        "roster": [entry.to_graph() for entry in meeting.roster],
        "contentSharingSessions": [s.to_graph() for s in meeting.sharing_sessions],
    }


def _load(uow: UnitOfWork, meeting_id: str) -> OnlineMeeting:
    meeting = uow.meetings.get(meeting_id)
    if meeting is None:
        raise ItemNotFound(f"The onlineMeeting {meeting_id} does not exist.")
    return meeting


def _change(
    rt: Runtime, meeting_id: str, change: Callable[[UnitOfWork, OnlineMeeting], Result]
) -> Result:
    """Load, apply ``change(uow, meeting)``, save, tell every bot, commit; return its result."""
    with rt.uow() as uow:
        meeting = _load(uow, meeting_id)
        result = change(uow, meeting)
        uow.meetings.save(meeting, uow.now)
        _fan_out(uow, meeting)
        uow.commit()
    return result


def join_person(rt: Runtime, meeting_id: str, spec: JsonObject) -> JsonObject:
    def change(uow: UnitOfWork, meeting: OnlineMeeting) -> JsonObject:
        return add_person(rt, uow, meeting, PersonSpec.parse(spec)).to_graph()

    return _change(rt, meeting_id, change)


def leave(rt: Runtime, meeting_id: str, participant_id: str) -> None:
    def change(uow: UnitOfWork, meeting: OnlineMeeting) -> None:
        for session in meeting.remove_person(participant_id):
            _tell_sharing(uow, meeting, "deleted", session)

    _change(rt, meeting_id, change)


def set_muted(rt: Runtime, meeting_id: str, participant_id: str, muted: bool) -> None:
    _change(rt, meeting_id, lambda uow, meeting: meeting.set_muted(participant_id, muted))


def admit(rt: Runtime, meeting_id: str, participant_id: str) -> None:
    """The organizer admits someone waiting in the lobby (a bot or a person)."""
    _change(rt, meeting_id, lambda uow, meeting: meeting.admit(participant_id))


# -- content sharing ------------------------------------------------------------------


def _tell_sharing(
    uow: UnitOfWork, meeting: OnlineMeeting, change_type: str, session: ContentSharingSession
) -> None:
    for call in uow.calls.in_meeting(meeting.id):
        call.content_sharing_changed(change_type, [session.to_graph()])
        uow.save_call(call)


def start_sharing(rt: Runtime, meeting_id: str, participant_id: str) -> JsonObject:
    def change(uow: UnitOfWork, meeting: OnlineMeeting) -> JsonObject:
        session_id = rt.ids.new().replace("-", "").upper() * 2
        session = meeting.start_sharing(session_id, participant_id)
        _tell_sharing(uow, meeting, "created", session)
        return session.to_graph()

    return _change(rt, meeting_id, change)


def update_sharing(rt: Runtime, meeting_id: str, session_id: str) -> None:
    def change(uow: UnitOfWork, meeting: OnlineMeeting) -> None:
        _tell_sharing(uow, meeting, "updated", meeting.sharing_session(session_id))

    _change(rt, meeting_id, change)


def _stop_sharing(uow: UnitOfWork, meeting: OnlineMeeting, session_id: str) -> None:
    _tell_sharing(uow, meeting, "deleted", meeting.stop_sharing(session_id))


def stop_sharing(rt: Runtime, meeting_id: str, session_id: str) -> None:
    _change(rt, meeting_id, lambda uow, meeting: _stop_sharing(uow, meeting, session_id))


def sharing_sessions(uow: UnitOfWork, call: Call) -> list[JsonObject]:
    """The content-sharing sessions a meeting call can see (none outside meetings)."""
    if call.meeting_id is None or call.state is not CallState.ESTABLISHED:
        return []
    meeting = uow.meetings.get(call.meeting_id)
    return [] if meeting is None else [s.to_graph() for s in meeting.sharing_sessions]


# -- participant operations of a bot in a meeting call --------------------------------


def _meeting_of(uow: UnitOfWork, call: Call) -> OnlineMeeting:
    meeting = uow.meetings.get(call.meeting_id or "")
    if meeting is None:
        raise ItemNotFound(f"The meeting of call {call.id} no longer exists.")
    return meeting


def _commit_change(uow: UnitOfWork, meeting: OnlineMeeting, call: Call) -> None:
    """The acting call already updated its own roster; the meeting and the others follow."""
    uow.meetings.save(meeting, uow.now)
    _fan_out(uow, meeting, except_call=call.id)


def invitee_joined(uow: UnitOfWork, call: Call, participant: Participant) -> None:
    """A participant the bot invited answered: they are in the meeting for everyone."""
    meeting = _meeting_of(uow, call)
    meeting_calls.invitee_joined(meeting, participant)
    _commit_change(uow, meeting, call)


def meeting_of(uow: UnitOfWork, call: Call) -> OnlineMeeting:
    """A meeting call's meeting, for a domain method that changes both (404 once it is gone)."""
    return _meeting_of(uow, call)


def meeting_changed(uow: UnitOfWork, meeting: OnlineMeeting, call: Call) -> None:
    """``call`` changed ``meeting`` (and its own roster): saved, and its other calls told."""
    _commit_change(uow, meeting, call)


def participant_removed(uow: UnitOfWork, call: Call, participant_id: str) -> None:
    meeting = _meeting_of(uow, call)
    if meeting.discard(participant_id):
        _commit_change(uow, meeting, call)


def participant_muted(uow: UnitOfWork, call: Call, participant_id: str) -> None:
    meeting = _meeting_of(uow, call)
    meeting.set_muted(participant_id, True)
    _commit_change(uow, meeting, call)


def check_move(
    uow: UnitOfWork, app_id: str, source: Call, target: Call, participant: JsonObject, key: str
) -> None:
    meeting_calls.check_move(
        app_id, _meeting_of(uow, source), _meeting_of(uow, target), source.id, participant, key
    )


def take_from_meeting(uow: UnitOfWork, source: Call, participant_id: str) -> bool:
    """The moved participant leaves the source meeting (every bot there is told)."""
    meeting = uow.meetings.get(source.meeting_id or "")
    if meeting is None or not meeting.discard(participant_id):
        return False
    uow.meetings.save(meeting, uow.now)
    _fan_out(uow, meeting)
    return True
