"""The read-only UCWA resources linked from ``onlineMeetings``: the meeting policies, default
and eligible values, invitation customization and dial-in information (Callboard's fixed
values; docs/ucwa.md)."""

from __future__ import annotations

from callboard.domain.ucwa_meetings import ACCESS_LEVELS, ENTRY_EXIT, LEADER_ASSIGNMENT, ON_OFF
from callboard.json_types import JsonObject
from callboard.services.runtime import Runtime
from callboard.services.ucwa_applications import application_user
from callboard.services.ucwa_meetings import assigned_meeting
from callboard.tokens import Principal

POLICIES: JsonObject = {
    "entryExitAnnouncement": "Enabled",
    "externalUserMeetingRecording": "Disabled",
    "meetingRecording": "Enabled",
    "meetingSize": 250,
    "phoneUserAdmission": "Enabled",
    "voipAudio": "Enabled",
}

# The rels served by meeting_settings.
SETTINGS = (
    "onlineMeetingDefaultValues",
    "onlineMeetingEligibleValues",
    "onlineMeetingInvitationCustomization",
    "phoneDialInInformation",
)


def policies(rt: Runtime, principal: Principal, app_id: str) -> JsonObject:
    with rt.uow() as uow:
        application_user(rt, uow, principal, app_id)
    return dict(POLICIES)


def meeting_settings(rt: Runtime, principal: Principal, app_id: str, rel: str) -> JsonObject:
    """The read-only resources linked from ``onlineMeetings`` (Callboard's fixed values)."""
    with rt.uow() as uow:
        user = application_user(rt, uow, principal, app_id)
        dial_in = assigned_meeting(rt, uow, user).dial_in()
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
        return {
            "conferenceId": dial_in.conference_id,
            "defaultRegion": "United States",
            "isAudioConferenceProviderEnabled": False,
            "participantPassCode": None,
            "tollFreeNumbers": list(dial_in.toll_free_numbers),
            "tollNumber": dial_in.toll_number,
        }
    return {  # onlineMeetingInvitationCustomization
        "enterpriseHelpUrl": None,
        "invitationFooterText": None,
        "legalUrl": None,
        "logoImageUri": None,
        "logoText": None,
    }
