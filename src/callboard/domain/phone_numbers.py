"""Phone numbers: E.164 syntax, and whether a number can receive a virtual-appointment SMS.

One module for every phone-number rule, built on libphonenumber (the ``phonenumbers``
package). Raises ``BadRequest`` for a value that is not a phone number at all.
"""

from __future__ import annotations

from typing import Any

import phonenumbers

from callboard.errors import BadRequest

# Virtual-appointment SMS reach United States numbers only (Microsoft Graph,
# "virtualAppointmentNotification: sendVirtualAppointmentSms").
SMS_REGION = "US"


def require_e164(number: Any, where: str) -> str:
    """A strict E.164 number (``+`` and digits only, a possible number), as given."""
    text = number if isinstance(number, str) else ""
    if not (text.startswith("+") and text[1:].isdigit()):
        raise BadRequest(f"{where} must be a phone number in E.164 format, like +14255550100.")
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise BadRequest(f"{where} {text!r} is not a valid E.164 phone number.") from None
    if not phonenumbers.is_possible_number(parsed):
        raise BadRequest(f"{where} {text!r} is not a possible phone number.")
    return text


def _parse_international(number: Any) -> phonenumbers.PhoneNumber:
    """A number written from ``+`` (separators allowed, letters not)."""
    if (
        not isinstance(number, str)
        or not number.startswith("+")
        or any(c.isalpha() for c in number)
    ):
        raise BadRequest(f"{number!r} is not a phone number in E.164 form (+ and digits).")
    try:
        return phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException as exc:
        raise BadRequest(f"{number!r} is not a phone number: {exc}.") from None


def sms_refusal(number: Any) -> str | None:
    """Why ``number`` cannot receive a virtual-appointment SMS, or None when it can.

    Raises BadRequest for a value that is not a phone number at all; a well-formed number
    outside the United States is a reason (its message is recorded as failed), not an error.
    """
    parsed = _parse_international(number)
    region = phonenumbers.region_code_for_number(parsed)
    if phonenumbers.is_valid_number(parsed) and region == SMS_REGION:
        return None
    return (
        f"{number} is not a valid United States phone number"
        + (f" (it belongs to {region})" if region and region != SMS_REGION else "")
        + "; virtual-appointment SMS go to US numbers only."
    )


def normalized(number: str) -> str:
    """The E.164 form of an international number (``+1 312-922-4122`` → ``+13129224122``)."""
    return phonenumbers.format_number(
        _parse_international(number), phonenumbers.PhoneNumberFormat.E164
    )
