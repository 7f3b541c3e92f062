"""Which Graph type a response body or a notification's resource has, by route.

Only Graph v1.0 is checked against the v1.0 schema: beta bodies may carry beta-only members,
and UCWA, the admin API (``/_callboard``) and the token and key endpoints are not Graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.schema.csdl import GRAPH, Schema

CALL = f"{GRAPH}call"
PARTICIPANT = f"{GRAPH}participant"
OPERATION = f"{GRAPH}commsOperation"
MEETING = f"{GRAPH}onlineMeeting"
SHARING = f"{GRAPH}contentSharingSession"
NOTIFICATIONS = f"{GRAPH}commsNotifications"
SUBSCRIPTION = f"{GRAPH}subscription"
PRESENCE = f"{GRAPH}presence"
AUDIO_ROUTING_GROUP = f"{GRAPH}audioRoutingGroup"
CHANGE_NOTIFICATIONS = f"{GRAPH}changeNotificationCollection"
CALL_RECORD = f"{GRAPH}callRecords.callRecord"
PSTN_ROW = f"{GRAPH}callRecords.pstnCallLogRow"
DIRECT_ROUTING_ROW = f"{GRAPH}callRecords.directRoutingLogRow"
ATTENDANCE_REPORT = f"{GRAPH}meetingAttendanceReport"
ATTENDANCE_RECORD = f"{GRAPH}attendanceRecord"

_ID = r"[^/]+"
_CALL = rf"/communications/calls/{_ID}"
_OWNER = rf"/(?:me|users/{_ID})"


@dataclass(frozen=True)
class Expected:
    """``type`` of the body (None: no body); ``collection``: a ``{"value": [...]}`` page."""

    type: str | None
    collection: bool = False


# (method, path pattern below /v1.0, what the 2xx body is); an action's return type comes
# from the schema (``action:<binding>:<name>``, the name being the last path segment).
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("POST", r"/communications/calls", CALL),
    ("GET", _CALL, CALL),
    ("DELETE", _CALL, ""),
    ("GET", rf"{_CALL}/participants", f"[{PARTICIPANT}]"),
    ("POST", rf"{_CALL}/participants/invite", f"action:Collection({PARTICIPANT})"),
    ("GET", rf"{_CALL}/participants/{_ID}", PARTICIPANT),
    ("DELETE", rf"{_CALL}/participants/{_ID}", ""),
    ("POST", rf"{_CALL}/participants/{_ID}/mute", f"action:{PARTICIPANT}"),
    ("GET", rf"{_CALL}/operations", f"[{OPERATION}]"),
    ("GET", rf"{_CALL}/operations/{_ID}", OPERATION),
    ("GET", rf"{_CALL}/contentSharingSessions", f"[{SHARING}]"),
    ("GET", rf"{_CALL}/contentSharingSessions/{_ID}", SHARING),
    ("POST", rf"{_CALL}/participants/{_ID}/(?:start|stop)HoldMusic", f"action:{PARTICIPANT}"),
    ("POST", r"/communications/calls/logTeleconferenceDeviceQuality", ""),
    ("POST", rf"{_CALL}/audioRoutingGroups", AUDIO_ROUTING_GROUP),
    ("GET", rf"{_CALL}/audioRoutingGroups", f"[{AUDIO_ROUTING_GROUP}]"),
    ("GET", rf"{_CALL}/audioRoutingGroups/{_ID}", AUDIO_ROUTING_GROUP),
    ("PATCH", rf"{_CALL}/audioRoutingGroups/{_ID}", AUDIO_ROUTING_GROUP),
    ("DELETE", rf"{_CALL}/audioRoutingGroups/{_ID}", ""),
    ("POST", rf"{_CALL}/recordResponse", f"action:{CALL}"),
    ("POST", rf"{_CALL}/\w+", f"action:{CALL}"),
    ("GET", r"/communications/onlineMeetings", f"[{MEETING}]"),
    ("POST", rf"{_OWNER}/onlineMeetings", MEETING),
    ("GET", rf"{_OWNER}/onlineMeetings", f"[{MEETING}]"),
    ("POST", rf"{_OWNER}/onlineMeetings/createOrGet", f"action:Collection({MEETING})"),
    ("GET", rf"{_OWNER}/onlineMeetings/{_ID}", MEETING),
    ("PATCH", rf"{_OWNER}/onlineMeetings/{_ID}", MEETING),
    ("DELETE", rf"{_OWNER}/onlineMeetings/{_ID}", ""),
    ("POST", rf"{_OWNER}/onlineMeetings/{_ID}/\w+", f"action:{MEETING}"),
    ("POST", r"/subscriptions", SUBSCRIPTION),
    ("GET", r"/subscriptions", f"[{SUBSCRIPTION}]"),
    ("GET", rf"/subscriptions/{_ID}", SUBSCRIPTION),
    ("PATCH", rf"/subscriptions/{_ID}", SUBSCRIPTION),
    ("DELETE", rf"/subscriptions/{_ID}", ""),
    ("GET", rf"{_OWNER}/presence", PRESENCE),
    ("GET", rf"/communications/presences/{_ID}", PRESENCE),
    ("POST", rf"{_OWNER}/presence/\w+", f"action:{PRESENCE}"),
    # Returns Collection(presence), sent as a collection response.
    ("POST", r"/communications/getPresencesByUserId", f"[{PRESENCE}]"),
    ("POST", rf"/subscriptions/{_ID}/reauthorize", ""),
    # Functions (a collection of rows), before the record route their names would match.
    (
        "GET",
        r"/communications/callRecords/(microsoft\.graph\.callRecords\.)?getPstnCalls\(.*\)",
        f"[{PSTN_ROW}]",
    ),
    (
        "GET",
        r"/communications/callRecords/(microsoft\.graph\.callRecords\.)?"
        r"getDirectRoutingCalls\(.*\)",
        f"[{DIRECT_ROUTING_ROW}]",
    ),
    ("GET", r"/communications/callRecords", f"[{CALL_RECORD}]"),
    ("GET", rf"/communications/callRecords/{_ID}", CALL_RECORD),
    ("GET", rf"/communications/callRecords/{_ID}/sessions", f"[{GRAPH}callRecords.session]"),
    (
        "GET",
        rf"/communications/callRecords/{_ID}/participants_v2",
        f"[{GRAPH}callRecords.participant]",
    ),
    ("GET", rf"{_OWNER}/onlineMeetings/{_ID}/attendanceReports", f"[{ATTENDANCE_REPORT}]"),
    ("GET", rf"{_OWNER}/onlineMeetings/{_ID}/attendanceReports/{_ID}", ATTENDANCE_REPORT),
    (
        "GET",
        rf"{_OWNER}/onlineMeetings/{_ID}/attendanceReports/{_ID}/attendanceRecords",
        f"[{ATTENDANCE_RECORD}]",
    ),
    ("GET", rf"{_OWNER}/onlineMeetings/{_ID}/getVirtualAppointmentJoinWebUrl(\(\))?", "Edm.String"),
)
_COMPILED = tuple((method, re.compile(pattern), spec) for method, pattern, spec in ROUTES)


def is_graph_v1(path: str) -> bool:
    return path.startswith("/v1.0/")


def response_type(schema: Schema, method: str, path: str) -> Expected:
    """The type of a successful response to ``method path`` (a /v1.0 path).

    KeyError when no route matches or the schema has no such action: every Graph route a
    test calls must be known here, so a new route cannot escape the check.
    """
    local = path.removeprefix("/v1.0")
    for route_method, pattern, spec in _COMPILED:
        if route_method == method and pattern.fullmatch(local):
            return _expected(schema, spec, local)
    raise KeyError(f"no Graph type known for {method} {path}")


def _expected(schema: Schema, spec: str, path: str) -> Expected:
    if spec.startswith("action:"):
        return Expected(schema.action(spec[len("action:") :], path.rsplit("/", 1)[1]))
    if spec.startswith("["):
        return Expected(spec[1:-1], collection=True)
    return Expected(spec or None)


_RESOURCES = (
    (re.compile(rf"{_CALL}"), CALL, False),
    (re.compile(rf"{_CALL}/participants"), PARTICIPANT, True),
    (re.compile(rf"{_CALL}/participants/{_ID}"), PARTICIPANT, False),
    (re.compile(rf"{_CALL}/operations/{_ID}"), OPERATION, False),
    (re.compile(rf"{_CALL}/contentSharingSessions", re.IGNORECASE), SHARING, True),
    (re.compile(rf"{_CALL}/contentSharingSessions/{_ID}", re.IGNORECASE), SHARING, False),
)


def resource_type(resource_url: str) -> Expected:
    """The type of a notification's ``resourceData``, from its ``resourceUrl``."""
    for pattern, type_name, collection in _RESOURCES:
        if pattern.fullmatch(resource_url):
            return Expected(type_name, collection)
    raise KeyError(f"no Graph type known for the notified resource {resource_url}")
