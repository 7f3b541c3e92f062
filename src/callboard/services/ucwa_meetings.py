"""UCWA myOnlineMeetings, myAssignedOnlineMeeting and onlineMeetingExtensions: the use cases.

They load and save the Graph meeting store (services/meetings.py makes new meetings) and
map with domain/ucwa_meetings.py. Request syntax was checked by api/ucwa/schemas.py; the
rules here need the store, the directory or the clock.
"""

from __future__ import annotations

import uuid

from callboard.domain import ucwa_meetings as mapping
from callboard.domain.directory import Directory, User
from callboard.domain.meeting_parts import MeetingRequest
from callboard.domain.meetings import OnlineMeeting
from callboard.domain.ucwa_meetings import MeetingProperties
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
    rt: Runtime, uow: UnitOfWork, organizer: User, meeting: OnlineMeeting, props: MeetingProperties
) -> None:
    """Write every UCWA property into the meeting (a whole-resource replace)."""
    directory = rt.directory(uow)
    expiration = _expiration(props, uow.now)
    attendees = _people(directory, organizer.tenant_id, props.attendees, "attendees")
    leaders = _people(directory, organizer.tenant_id, props.leaders, "leaders")
    entries = mapping.roster_entries(organizer, leaders, attendees)
    resolved = meetings.resolve_attendees(directory, organizer.tenant_id, entries)
    mapping.replace(meeting, props, expiration, resolved)


# -- myOnlineMeetings -------------------------------------------------------------------


def _mine(uow: UnitOfWork, user: User) -> list[OnlineMeeting]:
    return [m for m in uow.meetings.find(user.tenant_id) if m.organizer_id == user.id]


def _load(uow: UnitOfWork, user: User, meeting_id: str) -> OnlineMeeting:
    meeting = uow.meetings.get(meeting_id)
    if meeting is None or meeting.tenant_id != user.tenant_id or meeting.organizer_id != user.id:
        raise UcwaError(404, "ResourceNotFound", f"The online meeting {meeting_id} does not exist.")
    return meeting


def _new(rt: Runtime, uow: UnitOfWork, user: User, props: MeetingProperties) -> OnlineMeeting:
    meeting = meetings.new_meeting(rt, uow, user, MeetingRequest())
    mapping.start_ucwa_meeting(meeting, rt.ids.new())
    _apply(rt, uow, user, meeting, props)
    return meeting


def list_meetings(
    rt: Runtime, principal: Principal, app_id: str
) -> tuple[User, OnlineMeeting, list[OnlineMeeting]]:
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        assigned = assigned_meeting(rt, uow, user)
        uow.commit()
        others = [m for m in _mine(uow, user) if not mapping.is_assigned(m)]
    return user, assigned, others


def create_meeting(
    rt: Runtime, principal: Principal, app_id: str, props: MeetingProperties
) -> tuple[User, OnlineMeeting]:
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        count = sum(1 for m in _mine(uow, user) if not mapping.is_assigned(m))
        if count >= rt.settings.ucwa_meeting_quota_per_user:
            raise UcwaError(
                409,
                "TooManyOnlineMeetings",
                f"The user already has {count} online meetings, the most allowed.",
            )
        meeting = _new(rt, uow, user, props)
        meeting.created_by_app_id = principal.app_id
        uow.meetings.add(meeting)
        uow.commit()
    return user, meeting


def get_meeting(
    rt: Runtime, principal: Principal, app_id: str, meeting_id: str
) -> tuple[User, OnlineMeeting]:
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        return user, _load(uow, user, meeting_id)


def _match(if_match: list[str], current: str) -> None:
    """``if_match``: the entity tags of the If-Match header (none: the header is missing)."""
    if not if_match:
        raise UcwaError(428, "PreconditionRequired", "A PUT needs an If-Match header.")
    if "*" not in if_match and current not in if_match:
        raise UcwaError(412, "PreconditionFailed", "The resource has changed (stale ETag).")


def put_meeting(
    rt: Runtime,
    principal: Principal,
    app_id: str,
    meeting_id: str | None,
    props: MeetingProperties,
    put_values: JsonObject,
    if_match: list[str],
) -> tuple[User, OnlineMeeting]:
    """Whole-resource replace; ``meeting_id`` None: the user's myAssignedOnlineMeeting.
    ``put_values``: the body's properties beyond the writable ones (the PUT property)."""
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        meeting = (
            assigned_meeting(rt, uow, user) if meeting_id is None else _load(uow, user, meeting_id)
        )
        _match(if_match, mapping.etag(meeting, user))
        name = mapping.put_property(meeting)
        if put_values.get(name) != mapping.PUT_VALUE:
            raise invalid_parameter(f"A PUT must carry the property {name} with its value.", name)
        _apply(rt, uow, user, meeting, props)
        try:
            uow.meetings.save(meeting, uow.now)
        except GraphError:  # a concurrent writer got there first
            raise UcwaError(412, "PreconditionFailed", "The resource has changed.") from None
        meeting_lifecycle.meeting_rescheduled(rt, uow, meeting)
        uow.commit()
    return user, meeting


def delete_meeting(rt: Runtime, principal: Principal, app_id: str, meeting_id: str) -> None:
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        meeting = _load(uow, user, meeting_id)
        meeting_lifecycle.delete_meeting(rt, uow, meeting)
        uow.commit()


# -- myAssignedOnlineMeeting ------------------------------------------------------------


def assigned_meeting(rt: Runtime, uow: UnitOfWork, user: User) -> OnlineMeeting:
    """One per user, always present: created (in this unit of work) when missing."""
    for meeting in _mine(uow, user):
        if mapping.is_assigned(meeting):
            return meeting
    meeting = _new(rt, uow, user, MeetingProperties(expiration=uow.now + 10 * mapping.YEAR - 1))
    mapping.mark_assigned(meeting)
    uow.meetings.add(meeting)
    return meeting


def get_assigned(rt: Runtime, principal: Principal, app_id: str) -> tuple[User, OnlineMeeting]:
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        meeting = assigned_meeting(rt, uow, user)
        uow.commit()
    return user, meeting


# -- onlineMeetingExtensions ------------------------------------------------------------


def add_extension(
    rt: Runtime,
    principal: Principal,
    app_id: str,
    meeting_id: str,
    ext_id: str | None,
    kind: str | None,
) -> tuple[User, OnlineMeeting, JsonObject]:
    """``ext_id`` None: a new id; ``kind`` None: Undefined. 409 for an id already there."""
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        meeting = _load(uow, user, meeting_id)
        ext_id = ext_id or str(uuid.UUID(rt.ids.new()).int % 10**6)
        if any(e["id"] == ext_id for e in mapping.extensions(meeting)):
            raise UcwaError(409, "AlreadyExists", f"The extension {ext_id} already exists.")
        extension = {"id": ext_id, "type": kind or "Undefined"}
        mapping.extensions(meeting).append(extension)
        uow.meetings.save(meeting, uow.now)
        uow.commit()
    return user, meeting, extension
