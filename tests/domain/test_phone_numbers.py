"""Phone-number rules without I/O."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain import phone_numbers
from callboard.errors import BadRequest


@pytest.mark.parametrize("number", ["+13129224122", "+1 312-922-4122", "+1 (312) 922 4122"])
def test_us_numbers_can_get_an_sms(number: str) -> None:
    assert phone_numbers.sms_refusal(number) is None
    assert phone_numbers.normalized(number) == "+13129224122"


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("+442079460000", "(it belongs to GB)"),
        ("+1242421412", "(it belongs to BS)"),
        ("+1312922412", "not a valid United States phone number;"),
    ],
)
def test_other_numbers_get_a_reason_not_an_error(number: str, fragment: str) -> None:
    reason = phone_numbers.sms_refusal(number)
    assert reason is not None and fragment in reason and "US numbers only" in reason


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("3129224122", "E.164 form"),
        ("+1 312 FLOWERS", "E.164 form"),
        ("", "E.164 form"),
        (13129224122, "E.164 form"),
        ("+999123456", "is not a phone number"),
    ],
)
def test_non_numbers_are_bad_requests(number: Any, fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        phone_numbers.sms_refusal(number)


def test_strict_e164() -> None:
    assert phone_numbers.require_e164("+14255550100", "source") == "+14255550100"
    with pytest.raises(BadRequest, match="source must be a phone number in E.164 format"):
        phone_numbers.require_e164("+1 425 555 0100", "source")
    with pytest.raises(BadRequest, match="must be a phone number in E.164 format"):
        phone_numbers.require_e164(None, "target")
    with pytest.raises(BadRequest, match="not a valid E.164 phone number"):
        phone_numbers.require_e164("+999123456", "target")
    with pytest.raises(BadRequest, match="not a possible phone number"):
        phone_numbers.require_e164("+1425", "target")
