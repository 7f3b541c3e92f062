"""onlineMeeting use cases: ``/me/onlineMeetings`` and ``/users/{id}/onlineMeetings``."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from callboard.clock import iso, to_datetime
from callboard.domain.directory import Directory, User
from callboard.domain.meetings import MEETING_TYPE, OnlineMeeting
from callboard.errors import AccessDenied, BadRequest, ItemNotFound

# appointments imports this module too; module imports resolve the cycle at call time.
from callboard.services import appointments, meeting_rosters
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

READ_DELEGATED = ("OnlineMeetings.Read", "OnlineMeetings.ReadWrite")
READ_APPLICATION = ("OnlineMeetings.Read.All", "OnlineMeetings.ReadWrite.All")
WRITE_DELEGATED = ("OnlineMeetings.ReadWrite",)
WRITE_APPLICATION = ("OnlineMeetings.ReadWrite.All",)
ME = "me"

# Defaults of a new meeting (Graph's documented defaults where it documents them).
DEFAULTS: dict[str, Any] = {
    "allowAttendeeToEnableCamera": True,
    "allowAttendeeToEnableMic": True,
    "allowBreakoutRooms": True,
    "allowCopyingAndSharingMeetingContent": True,
    "allowedLobbyAdmitters": "organizerAndCoOrganizersAndPresenters",
    "allowedPresenters": "everyone",
    "allowLiveShare": "enabled",
    "allowMeetingChat": "enabled",
    "allowParticipantsToChangeName": False,
    "allowPowerPointSharing": True,
    "allowRecording": True,
    "allowTeamworkReactions": True,
    "allowTranscription": True,
    "allowWhiteboard": True,
    "isEndToEndEncryptionEnabled": False,
    "isEntryExitAnnounced": True,
    "recordAutomatically": False,
    "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": False},
    "meetingType": None,
    "externalId": None,
    "subject": None,
    "expiryDateTime": None,
    "chatRestrictions": None,
    "watermarkProtection": None,
    "meetingTemplateId": None,
    "meetingSpokenLanguageTag": None,
    "shareMeetingChatHistoryDefault": "none",
    "sensitivityLabelAssignment": None,
    "isBroadcast": False,
    "broadcastSettings": None,
    "cloudVideoInteropInfo": None,
    "meetingOptionsWebUrl": None,
}


# -- who is asking, about whom --------------------------------------------------------


def resolve_user(
    rt: Runtime, uow: UnitOfWork, principal: Principal, user_ref: str, *, write: bool
) -> User:
    """The meeting owner named by the path (``me`` or an id / UPN), after permission checks."""
    directory = rt.directory(uow)
    if user_ref == ME:
        if principal.is_app_only:
            raise BadRequest("/me request is only valid with delegated authentication flow.")
        user_ref = principal.user_id or ""
    user = directory.user(principal.tenant_id, user_ref)
    if user is None:
        raise ItemNotFound(f"The user {user_ref} does not exist in this tenant.")
    if principal.is_app_only:
        _require(principal, WRITE_APPLICATION if write else READ_APPLICATION)
        if not policy_allows(directory, principal, user):
            raise AccessDenied("No application access policy found for this app.")
    else:
        _require(principal, WRITE_DELEGATED if write else READ_DELEGATED)
        if user.id != principal.user_id:
            raise AccessDenied("A delegated token can only reach its own user's meetings.")
    return user


def _require(principal: Principal, permissions: tuple[str, ...]) -> None:
    if not principal.permissions.intersection(permissions):
        raise AccessDenied(f"The token needs one of these permissions: {', '.join(permissions)}.")


def policy_allows(directory: Directory, principal: Principal, user: User) -> bool:
    for policy in directory.access_policies.get(principal.tenant_id, []):
        if principal.app_id in policy.app_ids and (policy.all_users or user.id in policy.users):
            return True
    return False


def load_meeting(uow: UnitOfWork, user: User, meeting_id: str) -> OnlineMeeting:
    meeting = uow.meetings.get(meeting_id)
    if (
        meeting is None
        or meeting.tenant_id != user.tenant_id
        or not (meeting.organizer_id == user.id or meeting.is_invited(user.id))
    ):
        raise ItemNotFound(f"The onlineMeeting {meeting_id} does not exist.")
    return meeting


# -- building a meeting ---------------------------------------------------------------


def _parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a date-time string.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} is not a valid ISO 8601 date-time: {value!r}.") from None
    if parsed.tzinfo is None:
        raise BadRequest(f"{name} needs a time zone offset (e.g. Z): {value!r}.")
    return parsed


def check_times(body: dict[str, Any], now: float, *, fill: bool) -> None:
    """Start defaults to now and end to start + 1 h; end must come after start."""
    start_given = body.get("startDateTime") is not None
    end_given = body.get("endDateTime") is not None
    if end_given and not start_given and not fill:
        raise BadRequest("endDateTime needs a startDateTime.")
    start = _parse_time(body["startDateTime"], "startDateTime") if start_given else to_datetime(now)
    end = (
        _parse_time(body["endDateTime"], "endDateTime") if end_given else start + timedelta(hours=1)
    )
    if end <= start:
        raise BadRequest("endDateTime must be after startDateTime.")
    body["startDateTime"] = _iso(start)
    body["endDateTime"] = _iso(end)


def _iso(value: datetime) -> str:
    return iso(value.timestamp())


def _identity_user(directory: Directory, tenant_id: str, user: User) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.identitySet",
        "user": {
            "@odata.type": "#microsoft.graph.identity",
            "id": user.id,
            "displayName": user.display_name,
            "tenantId": tenant_id,
            "identityProvider": "AAD",
        },
    }


def resolve_attendees(
    directory: Directory, tenant_id: str, attendees: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    result = []
    for index, attendee in enumerate(attendees):
        user = (attendee.get("identity") or {}).get("user") or {}
        upn = attendee.get("upn")
        known = directory.user(tenant_id, user.get("id") or upn or "")
        entry = dict(attendee)
        if known is not None:
            entry["identity"] = _identity_user(directory, tenant_id, known)
            entry["upn"] = known.user_principal_name
        elif not user.get("id") and not upn:
            raise BadRequest(f"participants.attendees[{index}] needs identity.user.id or upn.")
        entry.setdefault("@odata.type", "#microsoft.graph.meetingParticipantInfo")
        entry.setdefault("role", "attendee")
        entry.setdefault("upn", upn)
        result.append(entry)
    return result


def new_meeting(
    rt: Runtime,
    uow: UnitOfWork,
    organizer: User,
    body: dict[str, Any],
    *,
    meeting_id: str | None = None,
    join_meeting_id: str | None = None,
    passcode: str | None = None,
    thread_id: str | None = None,
) -> OnlineMeeting:
    """A meeting with every property a client reads; generated ids unless given."""
    directory = rt.directory(uow)
    now = uow.now
    check_times(body, now, fill=True)
    seed = uuid.UUID(rt.ids.new()).int
    if thread_id is None:
        token = base64.urlsafe_b64encode(uuid.UUID(int=seed).bytes).decode().rstrip("=")
        thread_id = f"19:meeting_{token}@thread.v2"
    meeting_id = meeting_id or base64.urlsafe_b64encode(
        f"1*{organizer.id}*0**{thread_id}".encode()
    ).decode().rstrip("=")
    join_meeting_id = join_meeting_id or str(seed % 10**12).zfill(12)
    passcode = passcode or _passcode(seed)
    tenant = organizer.tenant_id
    context = quote(json.dumps({"Tid": tenant, "Oid": organizer.id}, separators=(",", ":")))
    join_web_url = _teams_escapes(
        f"https://teams.microsoft.com/l/meetup-join/{quote(thread_id, safe='')}/0?context={context}"
    )
    participants = body.get("participants") or {}
    settings = body.get("joinMeetingIdSettings") or {}
    conference_id = str((seed >> 40) % 10**9).zfill(9)
    resource: dict[str, Any] = {
        **DEFAULTS,
        **{k: v for k, v in body.items() if k not in ("participants", "joinMeetingIdSettings")},
        "@odata.type": MEETING_TYPE,
        "id": meeting_id,
        "creationDateTime": iso(now),
        "joinWebUrl": join_web_url,
        "joinUrl": join_web_url,
        "videoTeleconferenceId": str((seed >> 20) % 10**10).zfill(10),
        "chatInfo": {
            "@odata.type": "#microsoft.graph.chatInfo",
            "threadId": thread_id,
            "messageId": "0",
            "replyChainMessageId": None,
        },
        "joinMeetingIdSettings": {
            "isPasscodeRequired": bool(settings.get("isPasscodeRequired", False)),
            "joinMeetingId": join_meeting_id,
            "passcode": passcode,
        },
        "audioConferencing": {
            "conferenceId": conference_id,
            "tollNumber": "+14255550199",
            "tollNumbers": ["+14255550199"],
            "tollFreeNumber": None,
            "tollFreeNumbers": [],
            "dialinUrl": f"https://dialin.teams.microsoft.com/{uuid.UUID(int=seed)}?id={conference_id}",
        },
        "joinInformation": {
            "content": "data:text/html,"
            + quote(
                f'<p>Join the meeting: <a href="{join_web_url}">Click here to join</a></p>'
                f"<p>Meeting ID: {join_meeting_id} Passcode: {passcode}</p>"
            ),
            "contentType": "html",
        },
        "participants": {
            "organizer": {
                "@odata.type": "#microsoft.graph.meetingParticipantInfo",
                "identity": _identity_user(directory, tenant, organizer),
                "upn": organizer.user_principal_name,
                "role": "presenter",
            },
            "attendees": resolve_attendees(directory, tenant, participants.get("attendees") or []),
        },
    }
    return OnlineMeeting(
        id=meeting_id,
        tenant_id=tenant,
        organizer_id=organizer.id,
        resource=resource,
        created_at=now,
        modified_at=now,
    )


def _teams_escapes(url: str) -> str:
    """Teams writes percent-escapes in lower case: ``19%3ameeting_…%40thread.v2``."""
    return re.sub(r"%[0-9A-Fa-f]{2}", lambda m: m.group(0).lower(), url)


def _passcode(seed: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    chars = []
    for _ in range(6):
        seed, index = divmod(seed, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


# -- operations -----------------------------------------------------------------------


def create_online_meeting(
    rt: Runtime, principal: Principal, user_ref: str, body: dict[str, Any]
) -> OnlineMeeting:
    """``POST .../onlineMeetings`` → 201."""
    with rt.uow() as uow:
        user = resolve_user(rt, uow, principal, user_ref, write=True)
        meeting = new_meeting(rt, uow, user, body)
        meeting.live["createdByAppId"] = principal.app_id
        uow.meetings.add(meeting)
        uow.commit()
    return meeting


def create_or_get_online_meeting(
    rt: Runtime, principal: Principal, user_ref: str, body: dict[str, Any]
) -> tuple[OnlineMeeting, bool]:
    """``POST .../onlineMeetings/createOrGet`` keyed by (tenant, organizer, externalId):
    201 and True when created, 200 and False when it existed."""
    external_id = body.get("externalId")
    if not isinstance(external_id, str) or not external_id:
        raise BadRequest("externalId is required.")
    if body.get("endDateTime") is not None and body.get("startDateTime") is None:
        raise BadRequest("endDateTime needs a startDateTime.")
    with rt.uow() as uow:
        user = resolve_user(rt, uow, principal, user_ref, write=True)
        existing = uow.meetings.find_by_external_id(user.tenant_id, user.id, external_id)
        if existing is not None:
            return existing, False
        meeting = new_meeting(rt, uow, user, body)
        meeting.live["createdByAppId"] = principal.app_id
        uow.meetings.add(meeting)
        uow.commit()
    return meeting, True


def get_online_meeting(
    rt: Runtime, principal: Principal, user_ref: str, meeting_id: str
) -> OnlineMeeting:
    with rt.uow() as uow:
        user = resolve_user(rt, uow, principal, user_ref, write=False)
        return load_meeting(uow, user, meeting_id)


_FILTER = re.compile(
    r"^\s*(?P<prop>joinWebUrl|joinMeetingIdSettings/joinMeetingId|videoTeleconferenceId)"
    r"\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*$",
    re.IGNORECASE,
)


def list_online_meetings(
    rt: Runtime, principal: Principal, user_ref: str, odata_filter: str | None
) -> list[OnlineMeeting]:
    """``GET .../onlineMeetings?$filter=…``: Graph lists meetings only through a filter."""
    if not odata_filter:
        raise BadRequest(
            "Listing onlineMeetings needs a $filter on JoinWebUrl or "
            "joinMeetingIdSettings/joinMeetingId."
        )
    match = _FILTER.match(odata_filter)
    if match is None:
        raise BadRequest(
            f"Unsupported $filter: {odata_filter!r}. Supported: JoinWebUrl eq '…', "
            "joinMeetingIdSettings/joinMeetingId eq '…'."
        )
    prop = match["prop"].lower()
    value = match["value"].replace("''", "'")
    with rt.uow() as uow:
        user = resolve_user(rt, uow, principal, user_ref, write=False)
        if prop == "joinweburl":
            # Clients may re-escape the URL: both escape cases name the same meeting.
            found = uow.meetings.find(user.tenant_id, join_web_url=value) or uow.meetings.find(
                user.tenant_id, join_web_url=_teams_escapes(value)
            )
        elif prop == "videoteleconferenceid":
            found = uow.meetings.find(user.tenant_id, video_teleconference_id=value)
        else:
            found = uow.meetings.find(user.tenant_id, join_meeting_id=value)
    return [m for m in found if m.organizer_id == user.id or m.is_invited(user.id)]


def find_by_video_teleconference_id(
    rt: Runtime, principal: Principal, odata_filter: str | None
) -> list[OnlineMeeting]:
    """``GET /communications/onlineMeetings?$filter=VideoTeleconferenceId eq '…'``: app
    tokens only, no access policy needed (SPEC-NOTES 7.2)."""
    if not principal.is_app_only:
        raise AccessDenied("This query supports application permissions only.")
    _require(principal, READ_APPLICATION)
    match = _FILTER.match(odata_filter or "")
    if match is None or match["prop"].lower() != "videoteleconferenceid":
        raise BadRequest("This query needs $filter=VideoTeleconferenceId eq '…'.")
    with rt.uow() as uow:
        return uow.meetings.find(
            principal.tenant_id, video_teleconference_id=match["value"].replace("''", "'")
        )


def update_online_meeting(
    rt: Runtime, principal: Principal, user_ref: str, meeting_id: str, patch: dict[str, Any]
) -> OnlineMeeting:
    """``PATCH``: the updatable properties; start and end together; organizer fixed."""
    with rt.uow() as uow:
        user = resolve_user(rt, uow, principal, user_ref, write=True)
        meeting = load_meeting(uow, user, meeting_id)
        if meeting.organizer_id != user.id:
            raise AccessDenied("Only the organizer can update a meeting.")
        if "startDateTime" in patch or "endDateTime" in patch:
            if ("startDateTime" in patch) != ("endDateTime" in patch):
                raise BadRequest("startDateTime and endDateTime must be updated together.")
            check_times(patch, uow.now, fill=False)
        participants = patch.get("participants")
        if isinstance(participants, dict) and "attendees" in participants:
            participants = {
                **participants,
                "attendees": resolve_attendees(
                    rt.directory(uow), user.tenant_id, participants["attendees"] or []
                ),
            }
            patch = {**patch, "participants": participants}
        meeting.apply_update(patch)
        uow.meetings.save(meeting, uow.now)
        if "startDateTime" in patch:
            appointments.meeting_rescheduled(rt, uow, meeting)
        uow.commit()
    return meeting


def delete_online_meeting(
    rt: Runtime, principal: Principal, user_ref: str, meeting_id: str
) -> None:
    with rt.uow() as uow:
        user = resolve_user(rt, uow, principal, user_ref, write=True)
        meeting = load_meeting(uow, user, meeting_id)
        if meeting.organizer_id != user.id:
            raise AccessDenied("Only the organizer can delete a meeting.")
        uow.meetings.delete(meeting.id)
        meeting_rosters.meeting_deleted(rt, uow, meeting)
        appointments.meeting_deleted(uow, meeting)
        uow.commit()


# -- fixtures -------------------------------------------------------------------------


def ensure_fixture_meetings(rt: Runtime, uow: UnitOfWork, fixtures: list[dict[str, Any]]) -> None:
    """Create the directory's ``onlineMeetings`` fixtures that do not exist yet."""
    directory = rt.directory(uow)
    for fixture in fixtures:
        if uow.meetings.get(fixture["id"]) is not None:
            continue
        organizer = directory.user(fixture["tenantId"], fixture["organizerId"])
        if organizer is None:
            raise BadRequest(f"Meeting fixture {fixture['id']}: unknown organizer.")
        body = {
            k: v
            for k, v in fixture.items()
            if k
            not in (
                "id",
                "tenantId",
                "organizerId",
                "joinMeetingId",
                "passcode",
                "threadId",
                "present",
            )
        }
        meeting = new_meeting(
            rt,
            uow,
            organizer,
            body,
            meeting_id=fixture["id"],
            join_meeting_id=fixture.get("joinMeetingId"),
            passcode=fixture.get("passcode"),
            thread_id=fixture.get("threadId"),
        )
        meeting_rosters.add_people(rt, uow, meeting, fixture.get("present", []))
        uow.meetings.add(meeting)


def load_fixtures(rt: Runtime) -> None:
    """Create the stored directory's meeting fixtures (after a directory load or reset)."""
    with rt.uow() as uow:
        ensure_fixture_meetings(rt, uow, rt.directory(uow).meeting_fixtures)
        uow.commit()
