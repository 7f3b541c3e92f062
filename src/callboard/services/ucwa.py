"""UCWA (Skype for Business) applications and myOnlineMeetings over the Graph meeting store.

A UCWA ``myOnlineMeeting`` is a view of a Graph ``onlineMeeting`` (services/meetings.py): the
same row, the same id. What Graph has no place for lives in ``meeting.live["ucwa"]``. The
mapping is written down in docs/ucwa.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callboard.clock import iso
from callboard.domain.directory import Directory, User
from callboard.domain.meetings import OnlineMeeting
from callboard.errors import GraphError
from callboard.services import meeting_lifecycle, meetings
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

# Delegated scopes that reach the UCWA meeting resources: UCWA's own (Meetings.ReadWrite) or
# Graph's (OnlineMeetings.ReadWrite), so one token serves both faces of the store.
SCOPES = ("Meetings.ReadWrite", "OnlineMeetings.ReadWrite")

PUT_VALUE = "please pass me in a PUT request"
HOUR = 3600.0
YEAR = 365 * 24 * HOUR

ACCESS_LEVELS = ("None", "SameEnterprise", "Locked", "Invited", "Everyone")
LEADER_ASSIGNMENT = ("Disabled", "SameEnterprise", "Everyone")
ENTRY_EXIT = ("Unsupported", "Disabled", "Enabled")
ON_OFF = ("Disabled", "Enabled")
EXTENSION_TYPES = ("Undefined", "RoamedOrganizerData", "RoamedParticipantData")

# accessLevel -> Graph lobbyBypassSettings.scope, and back.
_SCOPE_OF = {
    "None": "organization",
    "SameEnterprise": "organization",
    "Locked": "organizer",
    "Invited": "invited",
    "Everyone": "everyone",
}
_ACCESS_OF = {
    "organizer": "Locked",
    "organization": "SameEnterprise",
    "organizationAndFederated": "SameEnterprise",
    "organizationExcludingGuests": "SameEnterprise",
    "invited": "Invited",
    "everyone": "Everyone",
}

# Properties a client writes (POST and PUT); the others are the server's.
WRITABLE = (
    "accessLevel",
    "attendees",
    "automaticLeaderAssignment",
    "description",
    "entryExitAnnouncement",
    "expirationTime",
    "leaders",
    "lobbyBypassForPhoneUsers",
    "phoneUserAdmission",
    "subject",
)


class UcwaError(Exception):
    """An error in UCWA's envelope: ``{code, subcode, message}`` (SPEC-NOTES 10.4)."""

    CODES = {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        405: "MethodNotAllowed",
        406: "NotAcceptable",
        408: "ClientTimeout",
        409: "Conflict",
        410: "Gone",
        412: "PreConditionFailed",
        413: "EntityTooLarge",
        415: "UnsupportedMediaType",
        428: "PreConditionRequired",
        429: "TooManyRequests",
        500: "ServiceFailure",
        503: "ServiceUnavailable",
        504: "Timeout",
    }

    def __init__(
        self,
        status: int,
        subcode: str | None,
        message: str,
        *,
        parameters: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = self.CODES.get(status, "ServiceFailure")
        self.subcode = subcode
        self.message = message
        self.parameters = parameters or []

    @classmethod
    def from_graph(cls, exc: GraphError) -> UcwaError:
        status = exc.status_code
        subcode = {
            400: "BadRequest",
            403: None,
            404: "ResourceNotFound",
            405: "MethodNotAllowed",
            409: None,
        }.get(status)
        return cls(status, subcode, exc.detail)


def invalid(message: str, *names: str) -> UcwaError:
    return UcwaError(400, "ParameterValidationFailure", message, parameters=list(names))


@dataclass(frozen=True)
class Date:
    """A date-time property: ``\\/Date(ms)\\/`` in JSON, ISO 8601 with offset in XML."""

    seconds: float


@dataclass
class Resource:
    """A UCWA resource: rel, href (the self link), properties, links and embedded resources."""

    rel: str
    href: str
    properties: dict[str, Any] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)
    embedded: dict[str, Resource | list[Resource]] = field(default_factory=dict)


# -- who is asking ----------------------------------------------------------------------


def _user(rt: Runtime, uow: UnitOfWork, principal: Principal) -> User:
    if principal.is_app_only or principal.user_id is None:
        raise UcwaError(403, None, "UCWA needs a delegated (user) token.")
    if not principal.permissions.intersection(SCOPES):
        raise UcwaError(403, None, f"The token needs one of these scopes: {', '.join(SCOPES)}.")
    user = rt.directory(uow).user(principal.tenant_id, principal.user_id)
    if user is None:
        raise UcwaError(403, None, "The token's user is not in the directory.")
    return user


def _application(rt: Runtime, uow: UnitOfWork, principal: Principal, app_id: str) -> User:
    user = _user(rt, uow, principal)
    app = uow.ucwa_applications.get(app_id)
    if app is None or app["tenantId"] != user.tenant_id or app["userId"] != user.id:
        raise UcwaError(404, "ApplicationNotFound", f"The application {app_id} does not exist.")
    return user


# -- applications -----------------------------------------------------------------------


def create_application(
    rt: Runtime, principal: Principal, body: dict[str, Any]
) -> tuple[dict[str, Any], User]:
    missing = [n for n in ("culture", "endpointId", "userAgent") if not body.get(n)]
    if missing:
        raise invalid(f"Missing required parameters: {', '.join(missing)}.", *missing)
    for name in ("culture", "endpointId", "userAgent", "instanceId"):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 100):
            raise invalid(f"{name} must be a string of at most 100 characters.", name)
    with rt.uow() as uow:
        user = _user(rt, uow, principal)
        existing = uow.ucwa_applications.find(user.tenant_id, user.id, body["endpointId"])
        if existing is not None:
            return existing, user
        document = {
            "culture": body["culture"],
            "endpointId": body["endpointId"],
            "instanceId": body.get("instanceId"),
            "userAgent": body["userAgent"],
        }
        app_id = str(uuid.UUID(rt.ids.new()).int % 10**9)
        uow.ucwa_applications.add(app_id, user.tenant_id, user.id, document, uow.now)
        uow.commit()
    return {**document, "id": app_id, "tenantId": user.tenant_id, "userId": user.id}, user


def get_application(rt: Runtime, principal: Principal, app_id: str) -> tuple[dict[str, Any], User]:
    with rt.uow() as uow:
        user = _application(rt, uow, principal, app_id)
        app = uow.ucwa_applications.get(app_id)
    assert app is not None
    return app, user


# -- the mapping ------------------------------------------------------------------------


def _ucwa(meeting: OnlineMeeting) -> dict[str, Any]:
    result: dict[str, Any] = meeting.live.setdefault("ucwa", {})
    return result


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def online_meeting_id(meeting: OnlineMeeting) -> str:
    stored = _ucwa(meeting).get("onlineMeetingId")
    if stored:
        return str(stored)
    return base64.b32encode(_digest(meeting.id)).decode()[:8]


def put_property(meeting: OnlineMeeting) -> str:
    """The randomly-named property every PUT must carry (stable per meeting)."""
    stored = _ucwa(meeting).get("putProperty")
    if stored:
        return str(stored)
    return "x" + _digest("put:" + meeting.id).hex()[:10]


def _sip(upn: str) -> str:
    return f"sip:{upn}"


def _people(meeting: OnlineMeeting, leaders: bool) -> list[str]:
    result = []
    for attendee in meeting.resource.get("participants", {}).get("attendees") or []:
        upn = attendee.get("upn")
        if not upn:
            continue
        if (attendee.get("role") in ("presenter", "coorganizer", "producer")) == leaders:
            result.append(_sip(upn))
    return result


def _expiration(meeting: OnlineMeeting) -> float:
    expiry = meeting.resource.get("expiryDateTime")
    if isinstance(expiry, str):
        try:
            return datetime.fromisoformat(expiry.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return meeting.created_at + 8 * HOUR


def _access_level(meeting: OnlineMeeting) -> str:
    scope = (meeting.resource.get("lobbyBypassSettings") or {}).get("scope") or "organization"
    stored = _ucwa(meeting).get("accessLevel")
    if stored in ACCESS_LEVELS and _SCOPE_OF[stored] == scope:
        return str(stored)
    return _ACCESS_OF.get(scope, "SameEnterprise")


def properties(meeting: OnlineMeeting, organizer: User) -> dict[str, Any]:
    """The myOnlineMeeting properties of a stored meeting, in the seed's order."""
    ucwa = _ucwa(meeting)
    resource = meeting.resource
    bypass = resource.get("lobbyBypassSettings") or {}
    om_id = online_meeting_id(meeting)
    organizer_uri = _sip(organizer.user_principal_name)
    meeting_uri = f"{organizer_uri};gruu;opaque=app:conf:focus:id:{om_id}"
    conversation = str(uuid.UUID(bytes=_digest("conversation:" + meeting.id)[:16]))
    announced = resource.get("isEntryExitAnnounced")
    return {
        "accessLevel": _access_level(meeting),
        "attendees": _people(meeting, leaders=False),
        "automaticLeaderAssignment": ucwa.get("automaticLeaderAssignment") or "Disabled",
        "conferenceId": meeting.join_meeting_id,
        "description": ucwa.get("description") or "",
        "entryExitAnnouncement": "Enabled" if announced else "Disabled",
        "expirationTime": Date(_expiration(meeting)),
        "joinUrl": resource.get("joinWebUrl"),
        "leaders": _people(meeting, leaders=True),
        "legacyOnlineMeetingUri": f"conf:{meeting_uri}?conversation-id={conversation}",
        "lobbyBypassForPhoneUsers": "Enabled"
        if bypass.get("isDialInBypassEnabled")
        else "Disabled",
        "onlineMeetingId": om_id,
        "onlineMeetingRel": "myOnlineMeetings",
        "onlineMeetingUri": meeting_uri,
        "organizerUri": organizer_uri,
        "phoneUserAdmission": ucwa.get("phoneUserAdmission") or "Disabled",
        "subject": resource.get("subject") or "",
        put_property(meeting): PUT_VALUE,
    }


def etag(meeting: OnlineMeeting, organizer: User) -> str:
    """Content-based: any change of the properties (through UCWA or Graph) changes it;
    embedded resources (extensions) do not (SPEC-NOTES 10.2)."""
    props = properties(meeting, organizer)
    props["expirationTime"] = props["expirationTime"].seconds
    text = json.dumps(props, sort_keys=True)
    return str(uuid.UUID(bytes=_digest(text)[:16]))


def _enum(body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = body.get(name)
    if value is None:
        return default
    if value not in allowed:
        raise invalid(f"{name} must be one of {', '.join(allowed)}: {value!r}.", name)
    return str(value)


def _text(body: dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise invalid(f"{name} must be a string of at most {limit} characters.", name)
    return value


_SIP = re.compile(r"^sip:(?P<upn>[^@\s;]+@[^@\s;]+)$", re.IGNORECASE)


def _uris(directory: Directory, tenant_id: str, body: dict[str, Any], name: str) -> list[User]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(f"{name} must be a list of SIP URIs.", name)
    users = []
    for item in value:
        match = _SIP.match(re.sub(r"\s+", "", item)) if isinstance(item, str) else None
        if match is None:
            raise invalid(f"{name}: {item!r} is not a SIP URI (sip:user@domain).", name)
        user = directory.user(tenant_id, match["upn"])
        if user is None:
            raise invalid(f"{name}: {item} is not a member of the organization.", name)
        users.append(user)
    return users


def _expiration_input(body: dict[str, Any], now: float) -> float:
    value = body.get("expirationTime")
    if value is None:
        return now + 8 * HOUR
    if isinstance(value, Date):
        seconds = value.seconds
    elif isinstance(value, str):
        match = re.fullmatch(r"\\?/Date\((-?\d+)\)\\?/", value.strip())
        if match is not None:
            seconds = int(match[1]) / 1000
        else:
            try:
                parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise invalid(
                    f"expirationTime is not a date-time: {value!r}.", "expirationTime"
                ) from None
            if parsed.tzinfo is None:
                raise invalid("expirationTime needs a time zone offset.", "expirationTime")
            seconds = parsed.timestamp()
    else:
        raise invalid("expirationTime must be a date-time.", "expirationTime")
    if not now - YEAR <= seconds <= now + 10 * YEAR:
        raise invalid(
            "expirationTime must lie between one year before and ten years after now.",
            "expirationTime",
        )
    return seconds


def _apply(
    rt: Runtime, uow: UnitOfWork, organizer: User, meeting: OnlineMeeting, body: dict[str, Any]
) -> None:
    """Write every UCWA property into the meeting (a whole-resource replace)."""
    directory = rt.directory(uow)
    access = _enum(body, "accessLevel", ACCESS_LEVELS, "SameEnterprise")
    leader_assignment = _enum(body, "automaticLeaderAssignment", LEADER_ASSIGNMENT, "Disabled")
    entry_exit = _enum(body, "entryExitAnnouncement", ENTRY_EXIT, "Disabled")
    phone_bypass = _enum(body, "lobbyBypassForPhoneUsers", ON_OFF, "Disabled")
    phone_admission = _enum(body, "phoneUserAdmission", ON_OFF, "Disabled")
    subject = _text(body, "subject", 256)
    description = _text(body, "description", 4096)
    expiration = _expiration_input(body, uow.now)
    attendees = _uris(directory, organizer.tenant_id, body, "attendees")
    leaders = _uris(directory, organizer.tenant_id, body, "leaders")
    entries: list[dict[str, Any]] = []
    seen: set[str] = {organizer.id}  # the organizer is a leader without being listed
    for role, people in (("presenter", leaders), ("attendee", attendees)):
        for person in people:
            if person.id not in seen:
                seen.add(person.id)
                entries.append({"upn": person.user_principal_name, "role": role})
    resource = meeting.resource
    resource["subject"] = subject
    resource["expiryDateTime"] = iso(expiration)
    resource["isEntryExitAnnounced"] = entry_exit == "Enabled"
    resource["lobbyBypassSettings"] = {
        **(resource.get("lobbyBypassSettings") or {}),
        "scope": _SCOPE_OF[access],
        "isDialInBypassEnabled": phone_bypass == "Enabled",
    }
    resource["participants"] = {
        **resource["participants"],
        "attendees": meetings.resolve_attendees(directory, organizer.tenant_id, entries),
    }
    ucwa = _ucwa(meeting)
    ucwa.update(
        {
            "accessLevel": access,
            "automaticLeaderAssignment": leader_assignment,
            "phoneUserAdmission": phone_admission,
            "description": description,
        }
    )


# -- myOnlineMeetings -------------------------------------------------------------------


def _mine(uow: UnitOfWork, user: User) -> list[OnlineMeeting]:
    return [m for m in uow.meetings.find(user.tenant_id) if m.organizer_id == user.id]


def is_assigned(meeting: OnlineMeeting) -> bool:
    return bool(_ucwa(meeting).get("assigned"))


def _load(uow: UnitOfWork, user: User, meeting_id: str) -> OnlineMeeting:
    meeting = uow.meetings.get(meeting_id)
    if meeting is None or meeting.tenant_id != user.tenant_id or meeting.organizer_id != user.id:
        raise UcwaError(404, "ResourceNotFound", f"The online meeting {meeting_id} does not exist.")
    return meeting


def _new(rt: Runtime, uow: UnitOfWork, user: User, body: dict[str, Any]) -> OnlineMeeting:
    meeting = meetings.new_meeting(rt, uow, user, {})
    ucwa = _ucwa(meeting)
    seed = _digest(rt.ids.new())
    ucwa["onlineMeetingId"] = base64.b32encode(seed).decode()[:8]
    ucwa["putProperty"] = "x" + seed.hex()[16:26]
    ucwa["extensions"] = []
    _apply(rt, uow, user, meeting, body)
    return meeting


def list_meetings(
    rt: Runtime, principal: Principal, app_id: str
) -> tuple[User, OnlineMeeting, list[OnlineMeeting]]:
    with rt.uow() as uow:
        user = _application(rt, uow, principal, app_id)
        assigned = _assigned(rt, uow, user)
        uow.commit()
        others = [m for m in _mine(uow, user) if not is_assigned(m)]
    return user, assigned, others


def create_meeting(
    rt: Runtime, principal: Principal, app_id: str, body: dict[str, Any]
) -> tuple[User, OnlineMeeting]:
    with rt.uow() as uow:
        user = _application(rt, uow, principal, app_id)
        count = sum(1 for m in _mine(uow, user) if not is_assigned(m))
        if count >= rt.settings.ucwa_meeting_quota_per_user:
            raise UcwaError(
                409,
                "TooManyOnlineMeetings",
                f"The user already has {count} online meetings, the most allowed.",
            )
        meeting = _new(rt, uow, user, body)
        meeting.live["createdByAppId"] = principal.app_id
        uow.meetings.add(meeting)
        uow.commit()
    return user, meeting


def get_meeting(
    rt: Runtime, principal: Principal, app_id: str, meeting_id: str
) -> tuple[User, OnlineMeeting]:
    with rt.uow() as uow:
        user = _application(rt, uow, principal, app_id)
        return user, _load(uow, user, meeting_id)


def _match(if_match: str | None, current: str) -> None:
    if if_match is None or not if_match.strip():
        raise UcwaError(428, "PreconditionRequired", "A PUT needs an If-Match header.")
    tags = [t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")]
    if "*" not in tags and current not in tags:
        raise UcwaError(412, "PreconditionFailed", "The resource has changed (stale ETag).")


def put_meeting(
    rt: Runtime,
    principal: Principal,
    app_id: str,
    meeting_id: str | None,
    body: dict[str, Any],
    if_match: str | None,
) -> tuple[User, OnlineMeeting]:
    """Whole-resource replace; ``meeting_id`` None: the user's myAssignedOnlineMeeting."""
    with rt.uow() as uow:
        user = _application(rt, uow, principal, app_id)
        meeting = _assigned(rt, uow, user) if meeting_id is None else _load(uow, user, meeting_id)
        _match(if_match, etag(meeting, user))
        name = put_property(meeting)
        if body.get(name) != PUT_VALUE:
            raise invalid(f"A PUT must carry the property {name} with its value.", name)
        _apply(rt, uow, user, meeting, body)
        try:
            uow.meetings.save(meeting, uow.now)
        except GraphError:  # a concurrent writer got there first
            raise UcwaError(412, "PreconditionFailed", "The resource has changed.") from None
        meeting_lifecycle.meeting_rescheduled(rt, uow, meeting)
        uow.commit()
    return user, meeting


def delete_meeting(rt: Runtime, principal: Principal, app_id: str, meeting_id: str) -> None:
    with rt.uow() as uow:
        user = _application(rt, uow, principal, app_id)
        meeting = _load(uow, user, meeting_id)
        meeting_lifecycle.delete_meeting(rt, uow, meeting)
        uow.commit()


# -- myAssignedOnlineMeeting ------------------------------------------------------------


def _assigned(rt: Runtime, uow: UnitOfWork, user: User) -> OnlineMeeting:
    """One per user, always present: created (in this unit of work) when missing."""
    for meeting in _mine(uow, user):
        if is_assigned(meeting):
            return meeting
    meeting = _new(rt, uow, user, {"expirationTime": Date(uow.now + 10 * YEAR - 1)})
    _ucwa(meeting)["assigned"] = True
    uow.meetings.add(meeting)
    return meeting


def get_assigned(rt: Runtime, principal: Principal, app_id: str) -> tuple[User, OnlineMeeting]:
    with rt.uow() as uow:
        user = _application(rt, uow, principal, app_id)
        meeting = _assigned(rt, uow, user)
        uow.commit()
    return user, meeting


# -- onlineMeetingExtensions ------------------------------------------------------------


def extensions(meeting: OnlineMeeting) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = _ucwa(meeting).setdefault("extensions", [])
    return result


def add_extension(
    rt: Runtime, principal: Principal, app_id: str, meeting_id: str, body: dict[str, Any]
) -> tuple[User, OnlineMeeting, dict[str, Any]]:
    kind = _enum(body, "type", EXTENSION_TYPES, "Undefined")
    ext_id = body.get("id")
    if ext_id is not None and (not isinstance(ext_id, str) or not ext_id or len(ext_id) > 64):
        raise invalid("id must be a string of at most 64 characters.", "id")
    with rt.uow() as uow:
        user = _application(rt, uow, principal, app_id)
        meeting = _load(uow, user, meeting_id)
        ext_id = ext_id or str(uuid.UUID(rt.ids.new()).int % 10**6)
        if any(e["id"] == ext_id for e in extensions(meeting)):
            raise UcwaError(409, "AlreadyExists", f"The extension {ext_id} already exists.")
        extension = {"id": ext_id, "type": kind}
        extensions(meeting).append(extension)
        uow.meetings.save(meeting, uow.now)
        uow.commit()
    return user, meeting, extension


POLICIES: dict[str, Any] = {
    "entryExitAnnouncement": "Enabled",
    "externalUserMeetingRecording": "Disabled",
    "meetingRecording": "Enabled",
    "meetingSize": 250,
    "phoneUserAdmission": "Enabled",
    "voipAudio": "Enabled",
}


def policies(rt: Runtime, principal: Principal, app_id: str) -> dict[str, Any]:
    with rt.uow() as uow:
        _application(rt, uow, principal, app_id)
    return dict(POLICIES)


def meeting_settings(rt: Runtime, principal: Principal, app_id: str, rel: str) -> dict[str, Any]:
    """The read-only resources linked from ``onlineMeetings`` (Callboard's fixed values)."""
    with rt.uow() as uow:
        user = _application(rt, uow, principal, app_id)
        assigned = _assigned(rt, uow, user)
        uow.commit()
    if rel == "onlineMeetingDefaultValues":
        return {
            "defaultAccessLevel": "SameEnterprise",
            "defaultAutomaticLeaderAssignment": "Disabled",
            "defaultEntryExitAnnouncement": "Disabled",
            "defaultLobbyBypassForPhoneUsers": "Disabled",
            "defaultOnlineMeetingRel": "myOnlineMeetings",
            "defaultPhoneUserAdmission": "Disabled",
            "participantsWarningThreshold": POLICIES["meetingSize"],
        }
    if rel == "onlineMeetingEligibleValues":
        return {
            "accessLevels": list(ACCESS_LEVELS),
            "automaticLeaderAssignments": list(LEADER_ASSIGNMENT),
            "entryExitAnnouncements": list(ENTRY_EXIT),
            "lobbyBypassForPhoneUsersSettings": list(ON_OFF),
            "phoneUserAdmissions": list(ON_OFF),
        }
    if rel == "phoneDialInInformation":
        audio = assigned.resource.get("audioConferencing") or {}
        return {
            "conferenceId": assigned.join_meeting_id,
            "defaultRegion": "United States",
            "isAudioConferenceProviderEnabled": False,
            "participantPassCode": None,
            "tollFreeNumbers": list(audio.get("tollFreeNumbers") or []),
            "tollNumber": audio.get("tollNumber"),
        }
    return {  # onlineMeetingInvitationCustomization
        "enterpriseHelpUrl": None,
        "invitationFooterText": None,
        "legalUrl": None,
        "logoImageUri": None,
        "logoText": None,
    }


def resource_etag(document: dict[str, Any]) -> str:
    """An ETag for a resource that does not change once created (applications, extensions)."""
    return str(uuid.UUID(bytes=_digest(json.dumps(document, sort_keys=True))[:16]))
