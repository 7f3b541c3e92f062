"""Reminder SMS follow their meeting: a reschedule moves them, a delete cancels them.

Called only through services/meeting_lifecycle.py, the one path every meeting change takes
(Graph and UCWA alike).
"""

from __future__ import annotations

from callboard.domain import appointments
from callboard.domain.appointments import SmsStatus
from callboard.domain.meetings import OnlineMeeting
from callboard.services.runtime import Runtime
from callboard.services.sms_sending import send_job
from callboard.store.uow import UnitOfWork


def follow_meeting(rt: Runtime, uow: UnitOfWork, meeting: OnlineMeeting) -> None:
    """Move every pending reminder to the meeting's (new) start, re-rendering the text.
    A reminder whose new moment has passed goes out at once; one whose meeting now starts in
    the past is cancelled; one whose moment did not change is left alone."""
    for message in uow.sms.scheduled_reminders(meeting.id):
        moved = appointments.follow_start(message, meeting, uow.now)
        if moved or message.status is SmsStatus.CANCELLED:
            uow.sms.save(message)
        if moved:
            uow.schedule(send_job(rt.settings, message, max(uow.now, message.due_at or uow.now)))


def cancel_for_meeting(uow: UnitOfWork, meeting: OnlineMeeting) -> None:
    """The meeting was deleted: pending reminders are cancelled (their jobs then do nothing)."""
    for message in uow.sms.scheduled_reminders(meeting.id):
        message.move(SmsStatus.CANCELLED, uow.now, "The meeting was deleted.")
        uow.sms.save(message)
