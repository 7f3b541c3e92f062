"""Attendance sessions from a meeting's roster history, their stored form and their Graph
JSON (pure; the reports through the wire: tests/records/test_attendance.py)."""

from __future__ import annotations

import copy

import pytest

from callboard.domain import attendance
from callboard.domain.attendance import (
    AttendanceLog,
    AttendanceReport,
    AttendanceRole,
    AttendanceSession,
    Attendee,
    Interval,
    attendee_key,
)
from callboard.domain.meeting_parts import JoinerKind
from callboard.domain.meeting_roster import MeetingRoster, RosterEntry
from callboard.domain.participants import Participant
from callboard.errors import ItemNotFound


def _participant(
    pid: str, user: str, *, lobby: bool = False, role: JoinerKind = JoinerKind.ORGANIZATION
) -> RosterEntry:
    identity = {"user": {"id": user, "displayName": user}}
    return RosterEntry(Participant(pid, identity, is_in_lobby=lobby), role)


def test_attendance_sessions_follow_the_roster() -> None:
    roster = MeetingRoster()
    log = AttendanceLog()
    log.observe("m", roster.attending(), 0)
    assert log.to_document() == []
    roster.add(_participant("a", "ann", role=JoinerKind.ORGANIZER))
    log.observe("m", roster.attending(), 10)
    roster.add(_participant("b", "bob", lobby=True))
    log.observe("m", roster.attending(), 20)
    roster.entries[1].participant.is_in_lobby = False
    log.observe("m", roster.attending(), 30)
    roster.entries = [roster.entries[1]]
    log.observe("m", roster.attending(), 40)
    assert log.reports() == []
    roster.entries = []
    log.observe("m", roster.attending(), 70)
    [session] = log.reports()
    report = attendance.render_report(session)
    assert report["totalParticipantCount"] == 2
    records = {r["id"]: r for r in attendance.render_records(session, {"user:ann": "a@x"})}
    assert records["ann"]["totalAttendanceInSeconds"] == 30
    assert records["ann"]["role"] == "Organizer" and records["ann"]["emailAddress"] == "a@x"
    assert records["bob"]["totalAttendanceInSeconds"] == 40


def test_observe_reports_who_came_and_went_and_a_rejoin_is_a_new_interval() -> None:
    log = AttendanceLog()
    ann = _participant("a", "ann")
    assert log.observe("m", [ann], 10) == (["user:ann"], [])
    assert log.observe("m", [ann], 15) == ([], [])
    phone = RosterEntry(Participant("p", {"phone": {"id": "+1425"}}), JoinerKind.PHONE)
    assert log.observe("m", [phone], 20) == (["phone:+1425"], ["user:ann"])
    # Ann is back under a new participant id: the same attendee, a second interval.
    assert log.observe("m", [phone, _participant("a2", "ann")], 30) == (["user:ann"], [])
    assert log.observe("m", [], 50) == ([], ["user:ann", "phone:+1425"])
    [session] = log.reports()
    assert session.attendees["user:ann"].intervals == [Interval(10, 20), Interval(30, 50)]
    assert session.attendees["phone:+1425"].role is AttendanceRole.ATTENDEE
    # The next arrival opens a new session with its own id.
    log.observe("m", [ann], 60)
    assert len(log.sessions) == 2 and log.sessions[1].id != session.id
    assert [s.id for s in log.reports()] == [session.id]


def test_an_entry_without_an_identity_is_keyed_by_its_participant_id() -> None:
    assert attendee_key(RosterEntry(Participant("x1", {}))) == "participant:x1"
    bot = RosterEntry(Participant("b", {"application": {"id": "app"}}), call_id="c1")
    assert attendee_key(bot) == "application:app"


def test_the_stored_log_reads_back_into_the_same_log() -> None:
    document = [
        {
            "id": "r1",
            "start": 10.0,
            "end": 70.0,
            "attendees": {
                "user:ann": {
                    "identity": {"user": {"id": "ann", "displayName": "Ann"}},
                    "role": "Organizer",
                    "intervals": [[10.0, 40.0], [50.0, 70.0]],
                }
            },
        },
        {"id": "r2", "start": 80.0, "end": None, "attendees": {}},
    ]
    log = AttendanceLog.parse(copy.deepcopy(document))
    assert log.sessions[0] == AttendanceSession(
        "r1",
        10.0,
        70.0,
        {
            "user:ann": Attendee(
                {"user": {"id": "ann", "displayName": "Ann"}},
                AttendanceRole.ORGANIZER,
                [Interval(10.0, 40.0), Interval(50.0, 70.0)],
            )
        },
    )
    assert log.to_document() == document
    assert log.report("r1") is log.sessions[0]
    with pytest.raises(ItemNotFound, match="meetingAttendanceReport r2 does not exist"):
        log.report("r2")  # still going: not a report yet
    [record] = attendance.render_records(log.sessions[0], {})
    assert record["attendanceIntervals"][1] == {
        "joinDateTime": "1970-01-01T00:00:50.000Z",
        "leaveDateTime": "1970-01-01T00:01:10.000Z",
        "durationInSeconds": 20,
    }
    assert (record["totalAttendanceInSeconds"], record["emailAddress"]) == (50, None)


def test_a_report_renders_its_records_only_when_they_were_read() -> None:
    log = AttendanceLog()
    log.observe("m", [_participant("a", "ann")], 10)
    log.observe("m", [], 40)
    [session] = log.reports()
    plain = AttendanceReport(session).to_graph()
    assert plain == attendance.render_report(session) and "attendanceRecords" not in plain
    read = AttendanceReport(session, {"user:ann": "ann@x"})
    assert read.to_graph()["attendanceRecords"] == read.records_to_graph()
    [record] = read.records_to_graph()
    assert (record["emailAddress"], record["totalAttendanceInSeconds"]) == ("ann@x", 30)
    assert AttendanceReport(session).records_to_graph()[0]["emailAddress"] is None
