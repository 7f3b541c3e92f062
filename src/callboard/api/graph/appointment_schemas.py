"""Request bodies of the virtual-appointment SMS operations (syntax: shapes, types, enums).

Both shapes of Microsoft Graph's pages are accepted: ``attendees``
(``attendeeNotificationInfo``: phoneNumber and timeZone) with ``messageType``, and the older
beta ``phoneNumbers`` (strings) with ``virtualAppointmentSmsType``. An enum value may come
as a list of one, as some SDKs send it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from callboard.api.graph.schemas import GraphModel
from callboard.domain.appointments import REMIND_BEFORE, Attendee, MessageType

NonEmpty = Annotated[str, Field(min_length=1)]
SmsType = Literal["confirmation", "reschedule", "cancellation"]
# remindBeforeTimeInMinutesType: v1.0 and beta have only mins15 (domain REMIND_BEFORE).
RemindBefore = Literal["mins15"]
_TYPE_FIELDS = ("messageType", "virtualAppointmentSmsType")


def _single(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 1 else value


class AttendeeNotificationInfo(GraphModel):
    odata_types = ("attendeeNotificationInfo",)
    phoneNumber: NonEmpty
    timeZone: NonEmpty


class _AttendeesBody(GraphModel):
    """Either ``attendees`` or ``phoneNumbers``, never both."""

    attendees: Annotated[list[AttendeeNotificationInfo], Field(min_length=1)] | None = None
    phoneNumbers: Annotated[list[NonEmpty], Field(min_length=1)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _json_object(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("The request body must be a JSON object.")
        if "phonenumbers" in data and "phoneNumbers" not in data:
            data = {**data, "phoneNumbers": data["phonenumbers"]}
            del data["phonenumbers"]
        return data

    @model_validator(mode="after")
    def _one_shape(self) -> _AttendeesBody:
        if self.attendees is not None and self.phoneNumbers is not None:
            raise ValueError("Send either attendees or phoneNumbers, not both.")
        if self.attendees is None and self.phoneNumbers is None:
            raise ValueError("attendees is required.")
        return self

    def recipients(self) -> list[Attendee]:
        if self.attendees is not None:
            return [Attendee(a.phoneNumber, a.timeZone) for a in self.attendees]
        return [Attendee(number) for number in self.phoneNumbers or []]


class VirtualAppointmentSmsBody(_AttendeesBody):
    """``sendVirtualAppointmentSms``: the recipients and the kind of message."""

    messageType: SmsType | None = None
    virtualAppointmentSmsType: SmsType | None = None

    @field_validator("messageType", "virtualAppointmentSmsType", mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        return _single(value)

    @model_validator(mode="after")
    def _one_type(self) -> VirtualAppointmentSmsBody:
        given = [v for v in (self.messageType, self.virtualAppointmentSmsType) if v is not None]
        if len(given) != 1 or len(self.model_fields_set & set(_TYPE_FIELDS)) != 1:
            raise ValueError("messageType is required (or the older virtualAppointmentSmsType).")
        return self

    def kind(self) -> MessageType:
        value = self.messageType or self.virtualAppointmentSmsType
        assert value is not None  # _one_type
        return MessageType(value)


class VirtualAppointmentReminderSmsBody(_AttendeesBody):
    """``sendVirtualAppointmentReminderSms``: the recipients and how long before the start."""

    remindBeforeTimeInMinutesType: RemindBefore

    @field_validator("remindBeforeTimeInMinutesType", mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        return _single(value)

    def minutes(self) -> int:
        return REMIND_BEFORE[self.remindBeforeTimeInMinutesType]
