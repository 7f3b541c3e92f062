"""Meeting attendance: who was in a meeting and when, from its roster's history.

Each time a meeting is saved its roster is compared with the attendance log
(``OnlineMeeting.attendance``, stored in the meeting's live document as
``attendanceSessions``): newcomers start an interval, people gone end theirs. A **session**
starts when someone enters an empty meeting and ends when the last person leaves; each ended
session is one ``meetingAttendanceReport`` (Graph publishes a report after a meeting
occurrence ends). Someone waiting in the lobby is not attending yet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from callboard.clock import iso
from callboard.domain.meeting_parts import JoinerKind
from callboard.domain.meeting_roster import RosterEntry
from callboard.errors import ItemNotFound
from callboard.json_types import JsonObject

_REPORT_NAMESPACE = uuid.UUID("9e0f7a4c-51d2-4b8e-8f6a-3d2c1b0a9e77")
_IDENTITY_KINDS = ("user", "phone", "applicationInstance", "application", "guest")


def attendee_key(entry: RosterEntry) -> str:
    """A person across rejoins: the identity they appear with (participant ids change),
    ``user:<id>``, ``phone:<number>``…; presence and e-mail lookups read it back."""
    for kind in _IDENTITY_KINDS:
        found = entry.identity.get(kind)
        if isinstance(found, dict) and found.get("id"):
            return f"{kind}:{found['id']}"
    return f"participant:{entry.id}"


class AttendanceRole(StrEnum):
    """An attendance record's ``role`` (Graph writes these two capitalised)."""

    ORGANIZER = "Organizer"
    ATTENDEE = "Attendee"


@dataclass
class Interval:
    join: float
    leave: float | None = None

    @property
    def open(self) -> bool:
        return self.leave is None


@dataclass
class Attendee:
    # The identitySet they appeared with (as Graph has it).
    identity: JsonObject
    role: AttendanceRole
    intervals: list[Interval] = field(default_factory=list)

    @property
    def present(self) -> bool:
        return bool(self.intervals) and self.intervals[-1].open


@dataclass
class AttendanceSession:
    id: str
    start: float
    end: float | None = None
    # By attendee key (``attendee_key``), in order of first arrival.
    attendees: dict[str, Attendee] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return self.end is not None

    def attendee_keys(self) -> list[str]:
        return list(self.attendees)


@dataclass
class AttendanceLog:
    sessions: list[AttendanceSession] = field(default_factory=list)

    # -- the stored form (the live document's ``attendanceSessions``) --------------------

    @classmethod
    def parse(cls, data: list[JsonObject] | None) -> AttendanceLog:
        return cls(
            [
                AttendanceSession(
                    id=item["id"],
                    start=item["start"],
                    end=item["end"],
                    attendees={
                        key: Attendee(
                            identity=attendee["identity"],
                            role=AttendanceRole(attendee["role"]),
                            intervals=[Interval(j, leave) for j, leave in attendee["intervals"]],
                        )
                        for key, attendee in item["attendees"].items()
                    },
                )
                for item in data or []
            ]
        )

    def to_document(self) -> list[JsonObject]:
        return [
            {
                "id": s.id,
                "start": s.start,
                "end": s.end,
                "attendees": {
                    key: {
                        "identity": a.identity,
                        "role": a.role.value,
                        "intervals": [[i.join, i.leave] for i in a.intervals],
                    }
                    for key, a in s.attendees.items()
                },
            }
            for s in self.sessions
        ]

    # -- following the roster ---------------------------------------------------------

    def observe(
        self, meeting_id: str, attending: list[RosterEntry], now: float
    ) -> tuple[list[str], list[str]]:
        """Bring the log up to date with who is ``attending`` at ``now``; returns the keys
        (``user:<id>``…) of who came in and who left since the last look."""
        present = {attendee_key(e): e for e in attending}
        joined: list[str] = []
        left: list[str] = []
        current = self.sessions[-1] if self.sessions and not self.sessions[-1].ended else None
        if current is None:
            if not present:
                return joined, left
            session_id = uuid.uuid5(_REPORT_NAMESPACE, f"{meeting_id}/{len(self.sessions)}")
            current = AttendanceSession(str(session_id), now)
            self.sessions.append(current)
        for key, attendee in current.attendees.items():
            if attendee.present and key not in present:
                attendee.intervals[-1].leave = now
                left.append(key)
        for key, entry in present.items():
            found = current.attendees.get(key)
            if found is None:
                organizer = entry.role is JoinerKind.ORGANIZER
                role = AttendanceRole.ORGANIZER if organizer else AttendanceRole.ATTENDEE
                current.attendees[key] = Attendee(entry.identity, role, [Interval(now)])
                joined.append(key)
            elif not found.present:
                found.intervals.append(Interval(now))
                joined.append(key)
        if not present:
            current.end = now
        return joined, left

    # -- reports ------------------------------------------------------------------------

    def reports(self) -> list[AttendanceSession]:
        """The ended sessions, oldest first."""
        return [s for s in self.sessions if s.ended]

    def report(self, report_id: str) -> AttendanceSession:
        for session in self.reports():
            if session.id == report_id:
                return session
        raise ItemNotFound(f"The meetingAttendanceReport {report_id} does not exist.")


@dataclass(frozen=True)
class AttendanceReport:
    """A report as read: its session and, when its records are read too, the e-mail address
    of each attendee who is a directory user (by attendee key)."""

    session: AttendanceSession
    emails: dict[str, str] | None = None

    def to_graph(self) -> JsonObject:
        """The meetingAttendanceReport, with its records when they were read."""
        report = render_report(self.session)
        if self.emails is not None:
            report["attendanceRecords"] = render_records(self.session, self.emails)
        return report

    def records_to_graph(self) -> list[JsonObject]:
        return render_records(self.session, self.emails or {})


# -- Graph JSON (meetingAttendanceReport, attendanceRecord) -----------------------------


def render_report(session: AttendanceSession) -> JsonObject:
    # Only an ended session is a report (``AttendanceLog.reports``).
    end = session.end if session.end is not None else session.start
    return {
        "id": session.id,
        "meetingStartDateTime": iso(session.start),
        "meetingEndDateTime": iso(end),
        "totalParticipantCount": len(session.attendees),
        "externalEventInformation": [],
    }


def render_records(session: AttendanceSession, emails: dict[str, str]) -> list[JsonObject]:
    """One ``attendanceRecord`` per person; ``emails`` by attendee key (directory users)."""
    records = []
    for key, attendee in session.attendees.items():
        intervals: list[JsonObject] = []
        for interval in attendee.intervals:
            # A report is an ended session: everyone's last interval is closed.
            leave = interval.leave if interval.leave is not None else interval.join
            intervals.append(
                {
                    "joinDateTime": iso(interval.join),
                    "leaveDateTime": iso(leave),
                    "durationInSeconds": int(round(leave - interval.join)),
                }
            )
        named = next((v for v in attendee.identity.values() if isinstance(v, dict)), {})
        records.append(
            {
                "id": named.get("id") or key,
                "emailAddress": emails.get(key),
                "totalAttendanceInSeconds": sum(i["durationInSeconds"] for i in intervals),
                "role": attendee.role.value,
                "identity": {
                    "id": named.get("id"),
                    "displayName": named.get("displayName"),
                },
                "attendanceIntervals": intervals,
                "registrationId": None,
            }
        )
    return records
