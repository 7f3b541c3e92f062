"""A new online meeting: generated ids, join URLs, dial-in data, defaults and times.

Pure: the caller passes the time (``now``) and a fresh uuid (``seed_id``) from which every
generated value is derived, so the same inputs give the same meeting.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from callboard.domain.directory import Directory, User
from callboard.domain.identities import user_identity_set
from callboard.domain.meeting_parts import (
    PARTICIPANT_INFO,
    UNSET,
    ChatInfo,
    JoinMeetingIdSettings,
    MeetingParticipantInfo,
    MeetingPatch,
    MeetingRequest,
)
from callboard.domain.meetings import TYPED, OnlineMeeting, iso
from callboard.errors import BadRequest
from callboard.json_types import JsonObject

DIAL_IN_NUMBER = "+14255550199"
PASSCODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

# Defaults of a new meeting (Graph's documented defaults where it documents them).
DEFAULTS: JsonObject = {
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
    "meetingType": None,
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
# -- times ------------------------------------------------------------------------------


def parse_time(value: Any, name: str) -> datetime:
    """An ISO 8601 date-time with an offset (``Z`` included)."""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a date-time string.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} is not a valid ISO 8601 date-time: {value!r}.") from None
    if parsed.tzinfo is None:
        raise BadRequest(f"{name} needs a time zone offset (e.g. Z): {value!r}.")
    return parsed


def meeting_times(start: Any, end: Any, now: float, *, fill: bool) -> tuple[datetime, datetime]:
    """Start defaults to now and end to start + 1 h; end must come after start. Without
    ``fill`` an end needs a start. ``start`` and ``end`` as sent (None: not given)."""
    if end is not None and start is None and not fill:
        raise BadRequest("endDateTime needs a startDateTime.")
    begins = (
        parse_time(start, "startDateTime")
        if start is not None
        else datetime.fromtimestamp(now, tz=UTC)
    )
    ends = parse_time(end, "endDateTime") if end is not None else begins + timedelta(hours=1)
    if ends <= begins:
        raise BadRequest("endDateTime must be after startDateTime.")
    return begins, ends


# -- people -----------------------------------------------------------------------------


def resolve(
    directory: Directory, tenant_id: str, attendees: Sequence[MeetingParticipantInfo]
) -> list[MeetingParticipantInfo]:
    """Attendees as stored: directory users get their full identity and UPN; others must at
    least name an id or a UPN."""
    result = []
    for index, attendee in enumerate(attendees):
        known = directory.user(tenant_id, attendee.user_id or attendee.upn or "")
        if known is not None:
            attendee = replace(
                attendee,
                identity=user_identity_set(known),
                upn=known.user_principal_name,
                extra=dict(attendee.extra),
            )
        elif not attendee.user_id and not attendee.upn:
            raise BadRequest(f"participants.attendees[{index}] needs identity.user.id or upn.")
        result.append(attendee)
    return result


def resolve_attendees(
    directory: Directory, tenant_id: str, attendees: list[JsonObject]
) -> list[JsonObject]:
    """``resolve`` on meetingParticipantInfo JSON as a client sent it (a PATCH, UCWA)."""
    parsed = [MeetingParticipantInfo.parse_attendee(a) for a in attendees]
    return [a.to_graph() for a in resolve(directory, tenant_id, parsed)]


# -- generated values -------------------------------------------------------------------


def teams_escapes(url: str) -> str:
    """Teams writes percent-escapes in lower case: ``19%3ameeting_…%40thread.v2``."""
    return re.sub(r"%[0-9A-Fa-f]{2}", lambda m: m.group(0).lower(), url)


def passcode(seed: int) -> str:
    chars = []
    for _ in range(6):
        seed, index = divmod(seed, len(PASSCODE_ALPHABET))
        chars.append(PASSCODE_ALPHABET[index])
    return "".join(chars)


def new_meeting(
    directory: Directory,
    organizer: User,
    request: MeetingRequest,
    *,
    now: float,
    seed_id: str,
    meeting_id: str | None = None,
    join_meeting_id: str | None = None,
    passcode_value: str | None = None,
    thread_id: str | None = None,
) -> OnlineMeeting:
    """A meeting with every property a client reads; ids derived from ``seed_id`` unless
    given. The request's times are checked and filled in."""
    # As Graph renders them (UTC, milliseconds), so a stored meeting reads back the same.
    start, end = (
        datetime.fromisoformat(iso(t))
        for t in meeting_times(request.start, request.end, now, fill=True)
    )
    seed = uuid.UUID(seed_id).int
    if thread_id is None:
        token = base64.urlsafe_b64encode(uuid.UUID(int=seed).bytes).decode().rstrip("=")
        thread_id = f"19:meeting_{token}@thread.v2"
    meeting_id = meeting_id or base64.urlsafe_b64encode(
        f"1*{organizer.id}*0**{thread_id}".encode()
    ).decode().rstrip("=")
    join_meeting_id = join_meeting_id or str(seed % 10**12).zfill(12)
    passcode_value = passcode_value or passcode(seed)
    tenant = organizer.tenant_id
    context = quote(json.dumps({"Tid": tenant, "Oid": organizer.id}, separators=(",", ":")))
    join_web_url = teams_escapes(
        f"https://teams.microsoft.com/l/meetup-join/{quote(thread_id, safe='')}/0?context={context}"
    )
    conference_id = str((seed >> 40) % 10**9).zfill(9)
    properties: JsonObject = {
        **DEFAULTS,
        **{k: v for k, v in request.options.items() if k not in TYPED},
        "creationDateTime": iso(datetime.fromtimestamp(now, tz=UTC)),
        "audioConferencing": {
            "conferenceId": conference_id,
            "tollNumber": DIAL_IN_NUMBER,
            "tollNumbers": [DIAL_IN_NUMBER],
            "tollFreeNumber": None,
            "tollFreeNumbers": [],
            "dialinUrl": f"https://dialin.teams.microsoft.com/{uuid.UUID(int=seed)}?id={conference_id}",
        },
        "joinInformation": {
            "content": "data:text/html,"
            + quote(
                f'<p>Join the meeting: <a href="{join_web_url}">Click here to join</a></p>'
                f"<p>Meeting ID: {join_meeting_id} Passcode: {passcode_value}</p>"
            ),
            "contentType": "html",
        },
    }
    return OnlineMeeting(
        id=meeting_id,
        tenant_id=tenant,
        organizer_id=organizer.id,
        organizer=MeetingParticipantInfo(
            user_identity_set(organizer),
            organizer.user_principal_name,
            "presenter",
            {"@odata.type": PARTICIPANT_INFO},
        ),
        attendees=resolve(directory, tenant, request.attendees),
        join_settings=JoinMeetingIdSettings(
            join_meeting_id, passcode_value, request.is_passcode_required
        ),
        chat_info=ChatInfo(thread_id),
        join_web_url=join_web_url,
        start=start,
        end=end,
        subject=request.subject,
        lobby_bypass=request.lobby_bypass,
        external_id=request.external_id,
        video_teleconference_id=str((seed >> 20) % 10**10).zfill(10),
        properties=properties,
        created_at=now,
        modified_at=now,
    )


def update(
    meeting: OnlineMeeting, directory: Directory, patch: MeetingPatch, *, now: float
) -> None:
    """A PATCH: times checked and rewritten as at creation, attendees resolved from the
    directory, then the meeting's own update rules (``OnlineMeeting.apply_update``)."""
    if patch.moves_times:
        if (patch.start is UNSET) != (patch.end is UNSET):
            raise BadRequest("startDateTime and endDateTime must be updated together.")
        start, end = meeting_times(patch.start, patch.end, now, fill=False)
        patch = replace(patch, start=iso(start), end=iso(end))
    if patch.attendees is not UNSET:
        patch = replace(
            patch, attendees=tuple(resolve(directory, meeting.tenant_id, patch.attendees))
        )
    meeting.apply_update(patch)
