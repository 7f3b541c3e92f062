"""``$filter`` on onlineMeetings: the three forms Graph lists meetings by, and refusals."""

from __future__ import annotations

import pytest

from callboard.domain.meeting_filter import FilterProperty, MeetingFilter, parse_filter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JoinWebUrl eq 'https://x/y'", MeetingFilter(FilterProperty.JOIN_WEB_URL, "https://x/y")),
        (
            " joinMeetingIdSettings/joinMeetingId eq '123' ",
            MeetingFilter(FilterProperty.JOIN_MEETING_ID, "123"),
        ),
        (
            "VideoTeleconferenceId eq 'it''s'",
            MeetingFilter(FilterProperty.VIDEO_TELECONFERENCE_ID, "it's"),
        ),
        ("subject eq 'x'", None),
        ("JoinWebUrl ne 'x'", None),
        ("JoinWebUrl eq x", None),
        ("", None),
        (None, None),
    ],
)
def test_filter_parsing(text: str | None, expected: MeetingFilter | None) -> None:
    assert parse_filter(text) == expected
