"""The ``$filter`` expressions Graph accepts on onlineMeetings: one ``eq`` on one property."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class FilterProperty(StrEnum):
    JOIN_WEB_URL = "joinweburl"
    JOIN_MEETING_ID = "joinmeetingidsettings/joinmeetingid"
    VIDEO_TELECONFERENCE_ID = "videoteleconferenceid"


@dataclass(frozen=True)
class MeetingFilter:
    prop: FilterProperty
    value: str


_FILTER = re.compile(
    r"^\s*(?P<prop>joinWebUrl|joinMeetingIdSettings/joinMeetingId|videoTeleconferenceId)"
    r"\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*$",
    re.IGNORECASE,
)


def parse_filter(text: str | None) -> MeetingFilter | None:
    """``prop eq 'value'`` (property names in any case, ``''`` escaping a quote), or None
    for anything else."""
    match = _FILTER.match(text or "")
    if match is None:
        return None
    return MeetingFilter(FilterProperty(match["prop"].lower()), match["value"].replace("''", "'"))
