"""Meeting attendance: who was in a meeting and when, from its live roster's history.

Each time a meeting is saved its roster is compared with the attendance log (kept in the
meeting's ``live`` document, ``attendanceSessions``): newcomers start an interval, people
gone end theirs. A **session** starts when someone enters an empty meeting and ends when the
last person leaves; each ended session is one ``meetingAttendanceReport`` (Graph publishes a
report after a meeting occurrence ends). Someone waiting in the lobby is not attending yet.
"""

from __future__ import annotations

import uuid

from callboard.clock import iso
from callboard.json_types import JsonObject

_SESSIONS = "attendanceSessions"
_REPORT_NAMESPACE = uuid.UUID("9e0f7a4c-51d2-4b8e-8f6a-3d2c1b0a9e77")


def _key(participant: JsonObject) -> str:
    """A person across rejoins: the identity they appear with (participant ids change)."""
    identity = (participant.get("info") or {}).get("identity") or {}
    for kind in ("user", "phone", "applicationInstance", "application", "guest"):
        found = identity.get(kind)
        if isinstance(found, dict) and found.get("id"):
            return f"{kind}:{found['id']}"
    return f"participant:{participant.get('id')}"


def _role(participant: JsonObject) -> str:
    return "Organizer" if participant.get("_role") == "organizer" else "Attendee"


def observe(meeting_id: str, live: JsonObject, now: float) -> tuple[list[str], list[str]]:
    """Bring the attendance log of ``live`` up to date with its roster at ``now``; returns
    the keys (``user:<id>``…) of who came in and who left since the last look."""
    sessions: list[JsonObject] = live.setdefault(_SESSIONS, [])
    present = {_key(p): p for p in live.get("participants") or [] if not p.get("isInLobby", False)}
    joined: list[str] = []
    left: list[str] = []
    current = sessions[-1] if sessions and sessions[-1]["end"] is None else None
    if current is None:
        if not present:
            return joined, left
        current = {
            "id": str(uuid.uuid5(_REPORT_NAMESPACE, f"{meeting_id}/{len(sessions)}")),
            "start": now,
            "end": None,
            "attendees": {},
        }
        sessions.append(current)
    attendees: JsonObject = current["attendees"]
    for key, attendee in attendees.items():
        intervals = attendee["intervals"]
        if intervals[-1][1] is None and key not in present:
            intervals[-1][1] = now
            left.append(key)
    for key, participant in present.items():
        attendee = attendees.get(key)
        if attendee is None:
            identity = (participant.get("info") or {}).get("identity") or {}
            attendees[key] = {
                "identity": identity,
                "role": _role(participant),
                "intervals": [[now, None]],
            }
            joined.append(key)
        elif attendee["intervals"][-1][1] is not None:
            attendee["intervals"].append([now, None])
            joined.append(key)
    if not present:
        current["end"] = now
    return joined, left


def reports(live: JsonObject) -> list[JsonObject]:
    """The ended sessions, oldest first."""
    return [s for s in live.get(_SESSIONS) or [] if s["end"] is not None]


def render_report(session: JsonObject) -> JsonObject:
    return {
        "id": session["id"],
        "meetingStartDateTime": iso(session["start"]),
        "meetingEndDateTime": iso(session["end"]),
        "totalParticipantCount": len(session["attendees"]),
        "externalEventInformation": [],
    }


def render_records(session: JsonObject, emails: dict[str, str]) -> list[JsonObject]:
    """One ``attendanceRecord`` per person; ``emails`` by attendee key (directory users)."""
    records = []
    for key, attendee in session["attendees"].items():
        intervals: list[JsonObject] = [
            {
                "joinDateTime": iso(join),
                "leaveDateTime": iso(leave),
                "durationInSeconds": int(round(leave - join)),
            }
            for join, leave in attendee["intervals"]
        ]
        named = next((v for v in attendee["identity"].values() if isinstance(v, dict)), {})
        records.append(
            {
                "id": named.get("id") or key,
                "emailAddress": emails.get(key),
                "totalAttendanceInSeconds": sum(i["durationInSeconds"] for i in intervals),
                "role": attendee["role"],
                "identity": {
                    "id": named.get("id"),
                    "displayName": named.get("displayName"),
                },
                "attendanceIntervals": intervals,
                "registrationId": None,
            }
        )
    return records


def attendee_keys(session: JsonObject) -> list[str]:
    return list(session["attendees"])
