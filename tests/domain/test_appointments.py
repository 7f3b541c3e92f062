"""Virtual-appointment SMS without I/O: messages, reminder times, time zones, languages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callboard.domain import appointments
from callboard.domain.appointments import Attendee, MessageType, SmsStatus, StatusChange
from callboard.domain.meetings import OnlineMeeting
from callboard.errors import BadRequest

START = datetime(2030, 1, 15, 17, tzinfo=UTC)
NOW = datetime(2030, 1, 10, 12, tzinfo=UTC).timestamp()
US = Attendee("+13129224122", "Pacific Standard Time")


def _meeting(start: str = "2030-01-15T17:00:00.000Z") -> OnlineMeeting:
    return OnlineMeeting.from_graph(
        "m1",
        "t1",
        "u1",
        {
            "subject": "Check-up",
            "startDateTime": start,
            "endDateTime": "2030-01-15T18:00:00.000Z",
            "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/x",
            "joinMeetingIdSettings": {"joinMeetingId": "1234567890"},
            "chatInfo": {"threadId": "19:meeting_x@thread.v2"},
        },
    )


def test_reminder_due_is_start_minus_the_interval() -> None:
    assert appointments.reminder_due(10_000.0, 15) == 10_000.0 - 900
    assert appointments.reminder_due(10_000.0, 0) == 10_000.0


def test_a_new_message_is_queued_with_its_rendered_text() -> None:
    message = appointments.new_message("s1", _meeting(), MessageType.CONFIRMATION, US, "en", NOW)
    assert (message.id, message.meeting_id, message.tenant_id) == ("s1", "m1", "t1")
    assert message.status is SmsStatus.QUEUED and message.to == "+13129224122"
    assert message.text == (
        'Your appointment "Check-up" is confirmed for Tue, Jan 15, 2030 9:00 AM PST. '
        "Join: https://teams.microsoft.com/l/meetup-join/x"
    )
    assert message.history == [StatusChange(SmsStatus.QUEUED, NOW, None)]
    assert message.due_at is None and message.remind_before_minutes is None


def test_a_number_outside_the_us_is_recorded_failed() -> None:
    message = appointments.new_message(
        "s1", _meeting(), MessageType.CANCELLATION, Attendee("+442079460000"), "en", NOW
    )
    assert message.status is SmsStatus.FAILED
    assert message.reason is not None and "(it belongs to GB)" in message.reason
    assert [h.status for h in message.history] == ["queued", "failed"]


def test_a_new_reminder_is_scheduled_before_the_start() -> None:
    message = appointments.new_reminder("s1", _meeting(), US, "en", NOW, 15)
    assert message.kind is MessageType.REMINDER and message.status is SmsStatus.SCHEDULED
    assert message.remind_before_minutes == 15
    assert message.due_at == START.timestamp() - 900
    assert message.history == [StatusChange(SmsStatus.SCHEDULED, NOW, None)]
    assert message.text.startswith('Reminder: your appointment "Check-up" starts at')


def test_a_reminder_follows_a_later_start_and_is_rerendered() -> None:
    message = appointments.new_reminder("s1", _meeting(), US, "en", NOW, 15)
    later = _meeting("2030-01-16T17:00:00.000Z")
    assert appointments.follow_start(message, later, NOW + 60) is True
    assert message.due_at == START.timestamp() + 86_400 - 900
    assert "Wed, Jan 16, 2030" in message.text
    assert message.status is SmsStatus.SCHEDULED and message.updated_at == NOW + 60
    assert message.history[-1] == StatusChange(SmsStatus.SCHEDULED, NOW + 60, "rescheduled")


def test_a_history_entry_reads_back_from_its_stored_form() -> None:
    change = StatusChange(SmsStatus.FAILED, NOW, "no route")
    assert change.to_document() == {"status": "failed", "at": NOW, "reason": "no route"}
    assert StatusChange.parse(change.to_document()) == change
    assert StatusChange.parse({"status": "queued", "at": NOW}) == StatusChange(
        SmsStatus.QUEUED, NOW
    )


def test_an_unmoved_reminder_is_left_alone() -> None:
    message = appointments.new_reminder("s1", _meeting(), US, "en", NOW, 15)
    before = (message.due_at, message.text, list(message.history))
    assert appointments.follow_start(message, _meeting(), NOW + 60) is False
    assert (message.due_at, message.text, message.history) == before


def test_a_reminder_whose_meeting_moved_into_the_past_is_cancelled() -> None:
    message = appointments.new_reminder("s1", _meeting(), US, "en", NOW, 15)
    assert appointments.follow_start(message, _meeting("2030-01-10T11:00:00.000Z"), NOW) is False
    assert message.status is SmsStatus.CANCELLED
    assert message.reason == "The meeting was moved into the past."


def test_windows_and_iana_zones_and_unknown_ones() -> None:
    assert appointments.zone("Pacific Standard Time").key == "America/Los_Angeles"
    assert appointments.zone("Europe/Paris").key == "Europe/Paris"
    with pytest.raises(BadRequest, match="Unknown time zone 'Mars/Olympus'"):
        appointments.zone("Mars/Olympus")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("fr-CA,fr;q=0.9", "fr"),
        ("ja, de;q=0.5", "de"),
        ("es;q=0, de;q=0.1", "de"),
        ("*", "en"),
        ("xx;q=bad", "en"),
    ],
)
def test_language_negotiation(header: str | None, expected: str) -> None:
    assert appointments.language(header) == expected


def test_render_in_the_attendees_zone_and_language() -> None:
    text = appointments.render(
        MessageType.RESCHEDULE,
        subject=None,
        start=START,
        time_zone="W. Europe Standard Time",
        lang="de",
        url="https://x",
    )
    assert text.startswith("Ihr Termin „Virtual appointment“ wurde verschoben auf")
    assert "18:00" in text and text.endswith("Teilnehmen: https://x")
    assert "\u202f" not in text and "\u00a0" not in text


def test_attendee_check() -> None:
    US.check()
    Attendee("+442079460000").check()  # not for SMS, but a phone number: no error
    with pytest.raises(BadRequest, match="E.164"):
        Attendee("3129224122").check()
    with pytest.raises(BadRequest, match="time zone"):
        Attendee("+13129224122", "Nowhere/Else").check()
