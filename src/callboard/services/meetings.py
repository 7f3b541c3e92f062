"""onlineMeeting use cases: ``/me/onlineMeetings`` and ``/users/{id}/onlineMeetings``.

Who may reach a meeting is services/meeting_access.py; what a new meeting holds is
domain/meeting_factory.py; a change's side effects (calls, reminder SMS) go through
services/meeting_lifecycle.py.
"""

from __future__ import annotations

from callboard.domain import meeting_factory
from callboard.domain.directory import User
from callboard.domain.meeting_factory import resolve_attendees, teams_escapes
from callboard.domain.meeting_filter import FilterProperty, parse_filter
from callboard.domain.meeting_parts import MeetingPatch, MeetingRequest, PersonSpec
from callboard.domain.meetings import OnlineMeeting
from callboard.errors import AccessDenied, BadRequest
from callboard.json_types import JsonObject
from callboard.services import meeting_access, meeting_lifecycle, meeting_rosters
from callboard.services.meeting_access import MEETINGS_READ, MEETINGS_WRITE
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

# ME and resolve_attendees are named through this module by the routes, UCWA and the bench.
ME = meeting_access.ME
__all__ = [
    "ME",
    "create_online_meeting",
    "create_or_get_online_meeting",
    "delete_online_meeting",
    "find_by_video_teleconference_id",
    "get_online_meeting",
    "list_online_meetings",
    "load_fixtures",
    "new_meeting",
    "resolve_attendees",
    "update_online_meeting",
]


def new_meeting(
    rt: Runtime,
    uow: UnitOfWork,
    organizer: User,
    request: MeetingRequest,
    *,
    meeting_id: str | None = None,
    join_meeting_id: str | None = None,
    passcode: str | None = None,
    thread_id: str | None = None,
) -> OnlineMeeting:
    """A meeting with every property a client reads; generated ids unless given."""
    return meeting_factory.new_meeting(
        rt.directory(uow),
        organizer,
        request,
        now=uow.now,
        seed_id=rt.ids.new(),
        meeting_id=meeting_id,
        join_meeting_id=join_meeting_id,
        passcode_value=passcode,
        thread_id=thread_id,
    )


def create_online_meeting(
    rt: Runtime, principal: Principal, user_ref: str, request: MeetingRequest
) -> OnlineMeeting:
    """``POST .../onlineMeetings`` → 201."""
    with rt.uow() as uow:
        user = meeting_access.resolve_owner(rt, uow, principal, user_ref, MEETINGS_WRITE)
        meeting = new_meeting(rt, uow, user, request)
        meeting.created_by_app_id = principal.app_id
        uow.meetings.add(meeting)
        uow.commit()
    return meeting


def create_or_get_online_meeting(
    rt: Runtime, principal: Principal, user_ref: str, request: MeetingRequest
) -> tuple[OnlineMeeting, bool]:
    """``POST .../onlineMeetings/createOrGet`` keyed by (tenant, organizer, externalId):
    201 and True when created, 200 and False when it existed."""
    external_id = request.external_id
    if not isinstance(external_id, str) or not external_id:
        raise BadRequest("externalId is required.")
    if request.end is not None and request.start is None:
        raise BadRequest("endDateTime needs a startDateTime.")
    with rt.uow() as uow:
        user = meeting_access.resolve_owner(rt, uow, principal, user_ref, MEETINGS_WRITE)
        existing = uow.meetings.find_by_external_id(user.tenant_id, user.id, external_id)
        if existing is not None:
            return existing, False
        meeting = new_meeting(rt, uow, user, request)
        meeting.created_by_app_id = principal.app_id
        uow.meetings.add(meeting)
        uow.commit()
    return meeting, True


def get_online_meeting(
    rt: Runtime, principal: Principal, user_ref: str, meeting_id: str
) -> OnlineMeeting:
    with rt.uow(read_only=True) as uow:
        user = meeting_access.resolve_owner(rt, uow, principal, user_ref, MEETINGS_READ)
        return meeting_access.load_meeting(uow, user, meeting_id)


def list_online_meetings(
    rt: Runtime, principal: Principal, user_ref: str, odata_filter: str | None
) -> list[OnlineMeeting]:
    """``GET .../onlineMeetings?$filter=…``: Graph lists meetings only through a filter."""
    if not odata_filter:
        raise BadRequest(
            "Listing onlineMeetings needs a $filter on JoinWebUrl or "
            "joinMeetingIdSettings/joinMeetingId."
        )
    query = parse_filter(odata_filter)
    if query is None:
        raise BadRequest(
            f"Unsupported $filter: {odata_filter!r}. Supported: JoinWebUrl eq '…', "
            "joinMeetingIdSettings/joinMeetingId eq '…'."
        )
    with rt.uow(read_only=True) as uow:
        user = meeting_access.resolve_owner(rt, uow, principal, user_ref, MEETINGS_READ)
        if query.prop is FilterProperty.JOIN_WEB_URL:
            # Clients may re-escape the URL: both escape cases name the same meeting.
            found = uow.meetings.find(
                user.tenant_id, join_web_url=query.value
            ) or uow.meetings.find(user.tenant_id, join_web_url=teams_escapes(query.value))
        elif query.prop is FilterProperty.VIDEO_TELECONFERENCE_ID:
            found = uow.meetings.find(user.tenant_id, video_teleconference_id=query.value)
        else:
            found = uow.meetings.find(user.tenant_id, join_meeting_id=query.value)
    return [m for m in found if m.organizer_id == user.id or m.is_invited(user.id)]


def find_by_video_teleconference_id(
    rt: Runtime, principal: Principal, odata_filter: str | None
) -> list[OnlineMeeting]:
    """``GET /communications/onlineMeetings?$filter=VideoTeleconferenceId eq '…'``: app
    tokens only, no access policy needed (Graph's "Get onlineMeeting" page)."""
    if not principal.is_app_only:
        raise AccessDenied("This query supports application permissions only.")
    meeting_access.require(principal, MEETINGS_READ.application or ())
    query = parse_filter(odata_filter)
    if query is None or query.prop is not FilterProperty.VIDEO_TELECONFERENCE_ID:
        raise BadRequest("This query needs $filter=VideoTeleconferenceId eq '…'.")
    with rt.uow(read_only=True) as uow:
        return uow.meetings.find(principal.tenant_id, video_teleconference_id=query.value)


def update_online_meeting(
    rt: Runtime, principal: Principal, user_ref: str, meeting_id: str, patch: MeetingPatch
) -> OnlineMeeting:
    """``PATCH``: the updatable properties; start and end together; organizer fixed."""
    with rt.uow() as uow:
        user = meeting_access.resolve_owner(rt, uow, principal, user_ref, MEETINGS_WRITE)
        meeting = meeting_access.load_organized(uow, user, meeting_id, "update")
        meeting_factory.update(meeting, rt.directory(uow), patch, now=uow.now)
        uow.meetings.save(meeting, uow.now)
        if patch.moves_times:
            meeting_lifecycle.meeting_rescheduled(rt, uow, meeting)
        uow.commit()
    return meeting


def delete_online_meeting(
    rt: Runtime, principal: Principal, user_ref: str, meeting_id: str
) -> None:
    with rt.uow() as uow:
        user = meeting_access.resolve_owner(rt, uow, principal, user_ref, MEETINGS_WRITE)
        meeting = meeting_access.load_organized(uow, user, meeting_id, "delete")
        meeting_lifecycle.delete_meeting(rt, uow, meeting)
        uow.commit()


# -- fixtures -------------------------------------------------------------------------

_FIXTURE_KEYS = ("id", "tenantId", "organizerId", "joinMeetingId", "passcode", "threadId")


def ensure_fixture_meetings(rt: Runtime, uow: UnitOfWork, fixtures: list[JsonObject]) -> None:
    """Create the directory's ``onlineMeetings`` fixtures that do not exist yet."""
    directory = rt.directory(uow)
    for fixture in fixtures:
        if uow.meetings.get(fixture["id"]) is not None:
            continue
        organizer = directory.user(fixture["tenantId"], fixture["organizerId"])
        if organizer is None:
            raise BadRequest(f"Meeting fixture {fixture['id']}: unknown organizer.")
        body = {k: v for k, v in fixture.items() if k not in (*_FIXTURE_KEYS, "present")}
        meeting = new_meeting(
            rt,
            uow,
            organizer,
            MeetingRequest.parse(body),
            meeting_id=fixture["id"],
            join_meeting_id=fixture.get("joinMeetingId"),
            passcode=fixture.get("passcode"),
            thread_id=fixture.get("threadId"),
        )
        people = [PersonSpec.parse(p) for p in fixture.get("present", [])]
        meeting_rosters.add_people(rt, uow, meeting, people)
        uow.meetings.add(meeting)


def load_fixtures(rt: Runtime) -> None:
    """Create the stored directory's meeting fixtures (after a directory load or reset)."""
    with rt.uow() as uow:
        ensure_fixture_meetings(rt, uow, rt.directory(uow).meeting_fixtures)
        uow.commit()
