"""UCWA myOnlineMeetings, myAssignedOnlineMeeting and onlineMeetingExtensions: the use cases.

They load and save the Graph meeting store (services/meetings.py makes new meetings), see
each meeting through domain/ucwa_meetings.py's ``UcwaMeeting`` and answer with its typed
``MyOnlineMeeting``. Request syntax was checked by api/ucwa/schemas.py; the rules here need
the store, the directory or the clock.
"""

from __future__ import annotations

import uuid

from callboard.domain import ucwa_meetings as mapping
from callboard.domain.directory import Directory, User
from callboard.domain.meeting_parts import MeetingRequest
from callboard.domain.ucwa_meetings import MeetingProperties, MyOnlineMeeting, UcwaMeeting
from callboard.domain.ucwa_state import Extension
from callboard.errors import GraphError, UcwaError, invalid_parameter
from callboard.json_types import JsonObject
from callboard.services import meeting_lifecycle, meetings
from callboard.services.runtime import Runtime
from callboard.services.ucwa_applications import application_user
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

# -- UCWA -> Graph: the rules that need the directory or the clock ------------------------


def _people(directory: Directory, tenant_id: str, uris: list[str], name: str) -> list[User]:
    users = []
    for item in uris:
        upn = mapping.sip_upn(item)
        user = None if upn is None else directory.user(tenant_id, upn)
        if user is None:
            raise invalid_parameter(f"{name}: {item} is not a member of the organization.", name)
        users.append(user)
    return users


def _expiration(props: MeetingProperties, now: float) -> float:
    if props.expiration is None:
        return now + mapping.DEFAULT_LIFETIME
    if not mapping.expiration_allowed(props.expiration, now):
        raise invalid_parameter(
            "expirationTime must lie between one year before and ten years after now.",
            "expirationTime",
        )
    return props.expiration


def _apply(
    rt: Runtime, uow: UnitOfWork, organizer: User, meeting: UcwaMeeting, props: MeetingProperties
) -> None:
    """Write every UCWA property into the meeting (a whole-resource replace)."""
    directory = rt.directory(uow)
    expiration = _expiration(props, uow.now)
    attendees = _people(directory, organizer.tenant_id, props.attendees, "attendees")
    leaders = _people(directory, organizer.tenant_id, props.leaders, "leaders")
    entries = mapping.roster_entries(organizer, leaders, attendees)
    resolved = meetings.resolve_attendees(directory, organizer.tenant_id, entries)
    meeting.replace(props, expiration, resolved)


# -- myOnlineMeetings -------------------------------------------------------------------


def _mine(uow: UnitOfWork, user: User) -> list[UcwaMeeting]:
    return [
        UcwaMeeting.of(m) for m in uow.meetings.find(user.tenant_id) if m.organizer_id == user.id
    ]


def _load(uow: UnitOfWork, user: User, meeting_id: str) -> UcwaMeeting:
    meeting = uow.meetings.get(meeting_id)
    if meeting is None or meeting.tenant_id != user.tenant_id or meeting.organizer_id != user.id:
        raise UcwaError(404, "ResourceNotFound", f"The online meeting {meeting_id} does not exist.")
    return UcwaMeeting.of(meeting)


def _new(rt: Runtime, uow: UnitOfWork, user: User, props: MeetingProperties) -> UcwaMeeting:
    meeting = UcwaMeeting.of(meetings.new_meeting(rt, uow, user, MeetingRequest()))
    meeting.start(rt.ids.new())
    _apply(rt, uow, user, meeting, props)
    return meeting


def list_meetings(
    rt: Runtime, principal: Principal, app_id: str
) -> tuple[MyOnlineMeeting, list[MyOnlineMeeting]]:
    """The user's assigned meeting, and the others they organise."""
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        assigned = assigned_meeting(rt, uow, user)
        uow.commit()
        others = [m.view(user) for m in _mine(uow, user) if not m.assigned]
    return assigned.view(user), others


def create_meeting(
    rt: Runtime, principal: Principal, app_id: str, props: MeetingProperties
) -> MyOnlineMeeting:
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        count = sum(1 for m in _mine(uow, user) if not m.assigned)
        if count >= rt.settings.ucwa_meeting_quota_per_user:
            raise UcwaError(
                409,
                "TooManyOnlineMeetings",
                f"The user already has {count} online meetings, the most allowed.",
            )
        meeting = _new(rt, uow, user, props)
        meeting.meeting.created_by_app_id = principal.app_id
        uow.meetings.add(meeting.meeting)
        uow.commit()
    return meeting.view(user)


def get_meeting(rt: Runtime, principal: Principal, app_id: str, meeting_id: str) -> MyOnlineMeeting:
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        return _load(uow, user, meeting_id).view(user)


def put_meeting(
    rt: Runtime,
    principal: Principal,
    app_id: str,
    meeting_id: str | None,
    props: MeetingProperties,
    put_values: JsonObject,
    if_match: list[str],
) -> MyOnlineMeeting:
    """Whole-resource replace; ``meeting_id`` None: the user's myAssignedOnlineMeeting.
    ``put_values``: the body's properties beyond the writable ones (the PUT property)."""
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        meeting = (
            assigned_meeting(rt, uow, user) if meeting_id is None else _load(uow, user, meeting_id)
        )
        meeting.check_put(user, if_match, put_values)
        _apply(rt, uow, user, meeting, props)
        try:
            uow.meetings.save(meeting.meeting, uow.now)
        except GraphError:  # a concurrent writer got there first
            raise UcwaError(412, "PreconditionFailed", "The resource has changed.") from None
        meeting_lifecycle.meeting_rescheduled(rt, uow, meeting.meeting)
        uow.commit()
    return meeting.view(user)


def delete_meeting(rt: Runtime, principal: Principal, app_id: str, meeting_id: str) -> None:
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        meeting = _load(uow, user, meeting_id)
        meeting_lifecycle.delete_meeting(rt, uow, meeting.meeting)
        uow.commit()


# -- myAssignedOnlineMeeting ------------------------------------------------------------


def assigned_meeting(rt: Runtime, uow: UnitOfWork, user: User) -> UcwaMeeting:
    """One per user, always present: created (in this unit of work) when missing."""
    for meeting in _mine(uow, user):
        if meeting.assigned:
            return meeting
    meeting = _new(rt, uow, user, MeetingProperties(expiration=uow.now + 10 * mapping.YEAR - 1))
    meeting.mark_assigned()
    uow.meetings.add(meeting.meeting)
    return meeting


def get_assigned(rt: Runtime, principal: Principal, app_id: str) -> MyOnlineMeeting:
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        meeting = assigned_meeting(rt, uow, user)
        uow.commit()
    return meeting.view(user)


# -- onlineMeetingExtensions ------------------------------------------------------------


def add_extension(
    rt: Runtime,
    principal: Principal,
    app_id: str,
    meeting_id: str,
    ext_id: str | None,
    kind: str | None,
) -> tuple[MyOnlineMeeting, Extension]:
    """``ext_id`` None: a new id; ``kind`` None: Undefined. 409 for an id already there."""
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        meeting = _load(uow, user, meeting_id)
        extension = meeting.add_extension(ext_id or str(uuid.UUID(rt.ids.new()).int % 10**6), kind)
        uow.meetings.save(meeting.meeting, uow.now)
        uow.commit()
    return meeting.view(user), extension
