"""The one path for a meeting's side effects, taken by Graph and UCWA alike.

A rescheduled meeting moves its pending reminder SMS; a deleted meeting ends the calls in it
and cancels its pending reminders. Every effect is written in the caller's unit of work, so
the change and what it implies commit together.
"""

from __future__ import annotations

from callboard.domain.meetings import OnlineMeeting
from callboard.services import meeting_rosters, sms_reminders
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork


def meeting_rescheduled(rt: Runtime, uow: UnitOfWork, meeting: OnlineMeeting) -> None:
    """After a stored change that may have moved the meeting's start (a no-op otherwise)."""
    sms_reminders.follow_meeting(rt, uow, meeting)


def delete_meeting(rt: Runtime, uow: UnitOfWork, meeting: OnlineMeeting) -> None:
    """Delete the meeting, end the calls in it and cancel its pending reminders."""
    uow.meetings.delete(meeting.id)
    meeting_rosters.meeting_deleted(rt, uow, meeting)
    sms_reminders.cancel_for_meeting(uow, meeting)
