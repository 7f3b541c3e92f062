"""Request bodies of the UCWA operations (syntax: types, enums, lengths, URIs, dates).

A body arrives as a dict from either representation (api/ucwa/representations.py). A body
that breaks a rule here is UCWA's 400 ``ParameterValidationFailure`` naming the property
in ``parameters``, never pydantic's or Graph's envelope. Rules that need the directory or the
clock (attendees in the organisation, the expirationTime window) are the services'.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails

from callboard.domain.ucwa_applications import ApplicationRequest
from callboard.domain.ucwa_meetings import (
    ACCESS_LEVELS,
    ENTRY_EXIT,
    EXTENSION_TYPES,
    LEADER_ASSIGNMENT,
    ON_OFF,
    AccessLevel,
    EntryExit,
    ExtensionType,
    LeaderAssignment,
    MeetingProperties,
    OnOff,
    parse_date,
    sip_upn,
)
from callboard.errors import UcwaError, invalid_parameter
from callboard.json_types import JsonObject

# One message per property for the errors pydantic itself finds (wrong type, enum, length).
_ONE_OF = "{name} must be one of {allowed}: {value!r}."


def _text(limit: int) -> str:
    return "{name} must be a string of at most " + str(limit) + " characters."


class UcwaBody(BaseModel):
    """Base of the UCWA bodies: ``parse`` turns pydantic's errors into UCWA's envelope."""

    model_config = ConfigDict(extra="ignore")

    # property -> message template ({name}, {value}, {allowed}) for pydantic's own errors
    messages: ClassVar[dict[str, str]] = {}
    allowed: ClassVar[dict[str, tuple[str, ...]]] = {}

    @classmethod
    def parse(cls, data: JsonObject) -> Self:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise cls._ucwa_error(exc.errors()) from None

    @classmethod
    def _ucwa_error(cls, errors: list[ErrorDetails]) -> UcwaError:
        # A required property that is absent, null or empty: one error naming them all.
        missing = [
            str(err["loc"][0])
            for err in errors
            if err["loc"]
            and cls.model_fields[str(err["loc"][0])].is_required()
            and (err["type"] in ("missing", "string_too_short") or err.get("input") is None)
        ]
        if missing:
            return invalid_parameter(
                f"Missing required parameters: {', '.join(missing)}.", *missing
            )
        first = errors[0]
        name = str(first["loc"][0]) if first["loc"] else "body"
        if first["type"] == "value_error":
            message = str(first["msg"]).removeprefix("Value error, ")
        else:
            message = cls.messages[name].format(
                name=name,
                value=first.get("input"),
                allowed=", ".join(cls.allowed.get(name, ())),
            )
        return invalid_parameter(message, name)


class ApplicationBody(UcwaBody):
    """``POST /applications``."""

    messages = {n: _text(100) for n in ("culture", "endpointId", "userAgent", "instanceId")}

    culture: str = Field(min_length=1, max_length=100)
    endpointId: str = Field(min_length=1, max_length=100)
    userAgent: str = Field(min_length=1, max_length=100)
    instanceId: str | None = Field(default=None, max_length=100)

    def request(self) -> ApplicationRequest:
        return ApplicationRequest(
            culture=self.culture,
            endpoint_id=self.endpointId,
            user_agent=self.userAgent,
            instance_id=self.instanceId,
        )


SipUris = Annotated[list[str], Field(default_factory=list)]


class MeetingBody(UcwaBody):
    """``POST`` and ``PUT`` of a myOnlineMeeting: every writable property, null = default.

    Properties UCWA does not let a client write (``conferenceId``, ``joinUrl`` ...) are
    ignored; the randomly named PUT property is kept (``model_extra``) for the service.
    Fields are declared in the order their rules are checked: the first broken one is named.
    """

    model_config = ConfigDict(extra="allow")
    messages = {
        "accessLevel": _ONE_OF,
        "automaticLeaderAssignment": _ONE_OF,
        "entryExitAnnouncement": _ONE_OF,
        "lobbyBypassForPhoneUsers": _ONE_OF,
        "phoneUserAdmission": _ONE_OF,
        "subject": _text(256),
        "description": _text(4096),
    }
    allowed = {
        "accessLevel": ACCESS_LEVELS,
        "automaticLeaderAssignment": LEADER_ASSIGNMENT,
        "entryExitAnnouncement": ENTRY_EXIT,
        "lobbyBypassForPhoneUsers": ON_OFF,
        "phoneUserAdmission": ON_OFF,
    }

    accessLevel: AccessLevel | None = None
    automaticLeaderAssignment: LeaderAssignment | None = None
    entryExitAnnouncement: EntryExit | None = None
    lobbyBypassForPhoneUsers: OnOff | None = None
    phoneUserAdmission: OnOff | None = None
    subject: str | None = Field(default=None, max_length=256)
    description: str | None = Field(default=None, max_length=4096)
    expirationTime: float | None = None
    attendees: SipUris
    leaders: SipUris

    @field_validator("expirationTime", mode="before")
    @classmethod
    def _date(cls, value: Any) -> float | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("expirationTime must be a date-time.")
        return parse_date(value)

    @field_validator("attendees", "leaders", mode="before")
    @classmethod
    def _sip_uris(cls, value: Any, info: ValidationInfo) -> list[str]:
        name = info.field_name
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError(f"{name} must be a list of SIP URIs.")
        for item in value:
            if not isinstance(item, str) or sip_upn(item) is None:
                raise ValueError(f"{name}: {item!r} is not a SIP URI (sip:user@domain).")
        return value

    def properties(self) -> MeetingProperties:
        defaults = MeetingProperties()
        return MeetingProperties(
            access_level=self.accessLevel or defaults.access_level,
            automatic_leader_assignment=self.automaticLeaderAssignment
            or defaults.automatic_leader_assignment,
            entry_exit_announcement=self.entryExitAnnouncement or defaults.entry_exit_announcement,
            lobby_bypass_for_phone_users=self.lobbyBypassForPhoneUsers
            or defaults.lobby_bypass_for_phone_users,
            phone_user_admission=self.phoneUserAdmission or defaults.phone_user_admission,
            subject=self.subject or "",
            description=self.description or "",
            expiration=self.expirationTime,
            attendees=list(self.attendees),
            leaders=list(self.leaders),
        )

    def put_values(self) -> JsonObject:
        """The properties this model does not know: where the PUT property travels."""
        return dict(self.model_extra or {})


class ExtensionBody(UcwaBody):
    """``POST …/onlineMeetingExtensions``: ``{id?, type?}``."""

    messages = {"type": _ONE_OF, "id": "id must be a string of at most 64 characters."}
    allowed = {"type": EXTENSION_TYPES}

    type: ExtensionType | None = None
    id: str | None = Field(default=None, min_length=1, max_length=64)
