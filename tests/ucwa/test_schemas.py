"""UCWA request bodies: pydantic checks the syntax, errors come out in UCWA's terms."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.api.ucwa.schemas import ApplicationBody, ExtensionBody, MeetingBody
from callboard.domain.ucwa_applications import ApplicationRequest
from callboard.domain.ucwa_meetings import MeetingProperties
from callboard.errors import UcwaError

APP = {"culture": "en-US", "endpointId": "ep-1", "userAgent": "tests/1.0"}


def refused(model: type[ApplicationBody | MeetingBody | ExtensionBody], data: Any) -> UcwaError:
    with pytest.raises(UcwaError) as caught:
        model.parse(data)
    error = caught.value
    assert error.status_code == 400
    assert error.code == "BadRequest"
    assert error.subcode == "ParameterValidationFailure"
    return error


def test_application_document() -> None:
    body = ApplicationBody.parse({**APP, "instanceId": "i-1", "rel": "ignored"})
    assert body.request() == ApplicationRequest(
        culture="en-US", endpoint_id="ep-1", user_agent="tests/1.0", instance_id="i-1"
    )
    assert ApplicationBody.parse(APP).request().instance_id is None


@pytest.mark.parametrize(
    "data",
    [
        {"culture": "en-US"},
        {"culture": "en-US", "endpointId": "", "userAgent": None},
    ],
)
def test_missing_application_parameters_are_named_together(data: dict[str, Any]) -> None:
    error = refused(ApplicationBody, data)
    assert error.message == "Missing required parameters: endpointId, userAgent."
    assert error.parameters == ["endpointId", "userAgent"]


@pytest.mark.parametrize(
    ("change", "name"),
    [({"culture": 5}, "culture"), ({"instanceId": "x" * 101}, "instanceId")],
)
def test_application_strings(change: dict[str, Any], name: str) -> None:
    error = refused(ApplicationBody, {**APP, **change})
    assert error.message == f"{name} must be a string of at most 100 characters."
    assert error.parameters == [name]


def test_meeting_defaults_and_extra_properties() -> None:
    body = MeetingBody.parse({"conferenceId": "read-only", "x0123456789": "put value"})
    assert body.properties() == MeetingProperties()
    assert body.put_values() == {"conferenceId": "read-only", "x0123456789": "put value"}
    nulls = MeetingBody.parse({"subject": None, "attendees": None, "accessLevel": None})
    assert nulls.properties() == MeetingProperties()


def test_meeting_properties() -> None:
    body = MeetingBody.parse(
        {
            "accessLevel": "Everyone",
            "automaticLeaderAssignment": "SameEnterprise",
            "entryExitAnnouncement": "Enabled",
            "lobbyBypassForPhoneUsers": "Enabled",
            "phoneUserAdmission": "Enabled",
            "subject": "Review",
            "description": "Quarterly",
            "expirationTime": "/Date(1700000000000)/",
            "attendees": ["sip:bob@callboard.dev"],
            "leaders": ["sip: carol@callboard.dev"],
        }
    )
    assert body.properties() == MeetingProperties(
        access_level="Everyone",
        automatic_leader_assignment="SameEnterprise",
        entry_exit_announcement="Enabled",
        lobby_bypass_for_phone_users="Enabled",
        phone_user_admission="Enabled",
        subject="Review",
        description="Quarterly",
        expiration=1_700_000_000.0,
        attendees=["sip:bob@callboard.dev"],
        leaders=["sip: carol@callboard.dev"],
    )


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            {"accessLevel": "Public"},
            "accessLevel",
            "accessLevel must be one of None, SameEnterprise, Locked, Invited, Everyone: 'Public'.",
        ),
        (
            {"phoneUserAdmission": True},
            "phoneUserAdmission",
            "phoneUserAdmission must be one of Disabled, Enabled: True.",
        ),
        (
            {"subject": "x" * 257},
            "subject",
            "subject must be a string of at most 256 characters.",
        ),
        (
            {"description": ["not", "text"]},
            "description",
            "description must be a string of at most 4096 characters.",
        ),
        ({"expirationTime": 12}, "expirationTime", "expirationTime must be a date-time."),
        (
            {"expirationTime": "soon"},
            "expirationTime",
            "expirationTime is not a date-time: 'soon'.",
        ),
        (
            {"expirationTime": "2030-01-01T00:00:00"},
            "expirationTime",
            "expirationTime needs a time zone offset.",
        ),
        (
            {"attendees": "sip:bob@callboard.dev"},
            "attendees",
            "attendees must be a list of SIP URIs.",
        ),
        (
            {"leaders": ["bob@callboard.dev"]},
            "leaders",
            "leaders: 'bob@callboard.dev' is not a SIP URI (sip:user@domain).",
        ),
        (
            {"attendees": [7]},
            "attendees",
            "attendees: 7 is not a SIP URI (sip:user@domain).",
        ),
    ],
)
def test_meeting_rules(data: dict[str, Any], name: str, message: str) -> None:
    error = refused(MeetingBody, data)
    assert error.message == message
    assert error.parameters == [name]


def test_the_first_broken_rule_is_named() -> None:
    error = refused(MeetingBody, {"subject": 5, "accessLevel": "Public", "leaders": "x"})
    assert error.parameters == ["accessLevel"]


def test_extension_body() -> None:
    assert ExtensionBody.parse({}).type is None
    body = ExtensionBody.parse({"id": "e1", "type": "RoamedOrganizerData"})
    assert (body.id, body.type) == ("e1", "RoamedOrganizerData")
    for bad in ("", "x" * 65, 5):
        error = refused(ExtensionBody, {"id": bad})
        assert error.message == "id must be a string of at most 64 characters."
        assert error.parameters == ["id"]
    error = refused(ExtensionBody, {"type": "Other"})
    assert error.parameters == ["type"]
    assert "Undefined, RoamedOrganizerData, RoamedParticipantData" in error.message
