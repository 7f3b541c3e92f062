"""Call logs and their records, presence subscription resources (pure; attendance sessions:
test_attendance.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from callboard.clock import iso
from callboard.domain.call_records import CallLog, RecordFilter, Seen, pstn_rows, render_record
from callboard.domain.presence import Presence
from callboard.domain.subscriptions import CALL_RECORDS, PRESENCES, parse_resource
from callboard.errors import BadRequest

BOT = {"application": {"id": "bot", "displayName": "Bot"}}
ANN = {"user": {"id": "ann", "displayName": "Ann"}}
PHONE = {"phone": {"id": "+15550100"}}


def _log(kind: str = "peerToPeer", direction: str = "outgoing") -> CallLog:
    return CallLog(
        record_id="rec",
        call_id="call",
        tenant_id="t",
        app_id="bot",
        kind=kind,
        direction=direction,
        started_at=100.0,
        organizer=BOT,
        targets=[ANN],
    )


def test_legs_open_and_close_with_the_roster() -> None:
    log = _log()
    joined, left = log.observe([Seen("p1", BOT, ("audio",)), Seen("p2", ANN, ("audio",))], 110)
    assert [leg.participant_id for leg in joined] == ["p1", "p2"] and left == []
    joined, left = log.observe([Seen("p1", BOT, ("audio",))], 130)
    assert joined == [] and [leg.left_at for leg in left] == [130]
    # Someone waiting in the lobby is not in the call.
    joined, _ = log.observe([Seen("p1", BOT, ("audio",)), Seen("p3", ANN, (), True)], 140)
    assert joined == []
    assert [leg.participant_id for leg in log.close(150, None)] == ["p1"]
    assert log.close(160, None) == [] and log.failure is None
    record = render_record(log, expand_sessions=True, expand_participants=True)
    assert record["type"] == "peerToPeer"
    assert record["startDateTime"] == iso(100) and record["endDateTime"] == iso(150)
    [session] = record["sessions"]
    assert session["startDateTime"] == iso(110) and session["endDateTime"] == iso(130)
    assert session["callee"]["identity"] == ANN
    assert [p["id"] for p in record["participants_v2"]] == ["bot", "ann"]


def test_a_call_nobody_answered_has_one_failed_session() -> None:
    log = _log()
    log.observe([Seen("p1", BOT, ("audio",))], 101)
    log.close(120, "Declined")
    [session] = render_record(log, expand_sessions=True)["sessions"]
    assert session["failureInfo"]["reason"] == "Declined"
    assert session["callee"]["identity"] == ANN


def test_group_calls_have_a_session_per_leg_and_phone_legs_make_pstn_rows() -> None:
    log = _log(kind="meeting")
    log.observe([Seen("p1", BOT, ("audio", "video")), Seen("p2", PHONE, ("audio",))], 100)
    log.close(160, None)
    record = render_record(log, expand_sessions=True)
    assert record["type"] == "groupCall"
    assert record["modalities"] == ["audio", "video"]
    assert len(record["sessions"]) == 2
    [row] = pstn_rows(log)
    assert (row["callType"], row["callerNumber"], row["duration"]) == ("conf_in", "+15550100", 60)
    assert pstn_rows(_log()) == []


def test_presence_resources() -> None:
    assert parse_resource("/communications/presences/abc") == (PRESENCES, ("abc",))
    assert parse_resource("communications/presences?$filter=id in ('a', 'b')") == (
        PRESENCES,
        ("a", "b"),
    )
    with pytest.raises(BadRequest):
        parse_resource("/communications/presences?$filter=id in ()")
    with pytest.raises(BadRequest):
        parse_resource("/users/abc/presence")


def test_a_call_holds_presence_until_the_user_has_left_every_call() -> None:
    presence = Presence("t", "ann").join_call("InACall")
    assert presence.current(10) == ("Busy", "InACall")
    assert presence.leave_call("InACall").current(10) == ("Offline", "Offline")
    two = presence.join_call("InACall")
    assert two.leave_call("InACall").current(10) == ("Busy", "InACall")
    assert two.leave_call("InACall").leave_call("InACall").calls == {}


def test_a_meeting_wins_over_a_call_and_a_set_session_stays_underneath() -> None:
    presence = (
        Presence("t", "ann")
        .set_session("app", "Available", "Available", None, 0)
        .join_call("InACall")
        .join_call("InAMeeting")
    )
    assert presence.current(10) == ("Busy", "InAMeeting")
    assert presence.leave_call("InAMeeting").current(10) == ("Busy", "InACall")
    back = presence.leave_call("InAMeeting").leave_call("InACall")
    assert back.current(10) == ("Available", "Available")


def test_call_record_filters() -> None:
    both = (
        "communications/callRecords?$filter=participants/any(p:p/id eq 'a') or "
        "participants/any(x:x/id in ('b', 'c'))"
    )
    assert parse_resource(both) == (CALL_RECORDS, ("a", "b", "c"))
    for bad in (
        "communications/callRecords?$filter=participants/any(p:p/id eq 'a') and x",
        "communications/callRecords?$filter=",
        "communications/callRecords?$filter=id eq 'a'",
    ):
        with pytest.raises(BadRequest):
            parse_resource(bad)


def test_a_start_is_filtered_as_the_client_reads_it() -> None:
    """The start renders at milliseconds; a float a hair under the next millisecond renders
    rounded up, and a filter on that rendering must still include it."""

    def moment(text: str) -> float:
        return datetime.fromisoformat(text).timestamp()

    start = 1_700_000_000.1239996  # renders as …:20.124Z
    log = _log()
    shown = iso(start)
    assert shown.endswith(".124Z")
    assert RecordFilter.parse(f"startDateTime ge {shown}").matches(log, start, moment)
    assert RecordFilter.parse(f"startDateTime le {shown}").matches(log, start, moment)
    assert not RecordFilter.parse(f"startDateTime gt {shown}").matches(log, start, moment)
    assert not RecordFilter.parse(f"startDateTime lt {shown}").matches(log, start, moment)
