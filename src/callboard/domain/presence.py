"""A user's presence: application sessions, the user's preferred presence, a status message.

The rules are Graph's (*presence: setPresence*, *setUserPreferredPresence*,
*setStatusMessage*): each application keeps its own session for a user, which expires
(``expirationDuration``, 5 minutes to 4 hours, default 5 minutes) and, while ``Available``,
fades when not refreshed: idle after 5 minutes, away after 10. The user's presence is the
aggregate of the sessions by precedence ``DoNotDisturb > Busy > Available > Away``; a
preferred presence overrides them while at least one session exists; with no session the
user is ``Offline``. Everything is evaluated against the time it is read at, so expiry needs
no timer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from callboard.errors import BadRequest
from callboard.json_types import JsonObject

MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR

SESSION_MIN, SESSION_MAX, SESSION_DEFAULT = 5 * MINUTE, 4 * HOUR, 5 * MINUTE
FADE_AFTER = 5 * MINUTE
# What a user is in while in a call or a meeting (Callboard's own Busy state for them).
IN_A_CALL, IN_A_MEETING = "InACall", "InAMeeting"

SESSION_STATES = frozenset(
    {
        ("Available", "Available"),
        ("Busy", "InACall"),
        ("Busy", "InAConferenceCall"),
        ("Away", "Away"),
        ("DoNotDisturb", "Presenting"),
    }
)
PREFERRED_STATES = frozenset(
    {
        ("Available", "Available"),
        ("Busy", "Busy"),
        ("DoNotDisturb", "DoNotDisturb"),
        ("BeRightBack", "BeRightBack"),
        ("Away", "Away"),
        ("Offline", "OffWork"),
    }
)
# Higher wins when sessions are aggregated.
_PRECEDENCE = {"DoNotDisturb": 4, "Busy": 3, "Available": 2, "AvailableIdle": 1, "Away": 0}


@dataclass(frozen=True)
class Session:
    availability: str
    activity: str
    set_at: float
    expires_at: float

    def state_at(self, now: float) -> tuple[str, str] | None:
        """What this session says at ``now``; None once it has expired."""
        if now >= self.expires_at:
            return None
        if self.availability == "Available":
            idle = now - self.set_at
            if idle >= 2 * FADE_AFTER:
                return ("Away", "Away")
            if idle >= FADE_AFTER:
                return ("AvailableIdle", "Inactive")
        return (self.availability, self.activity)


@dataclass(frozen=True)
class StatusMessage:
    """``presenceStatusMessage``: the message body as sent (an itemBody), its expiry as the
    client gave it (a dateTimeTimeZone) and as a timestamp, and when it was published."""

    message: JsonObject
    expiry: JsonObject | None
    expires_at: float | None
    published_at: float


@dataclass(frozen=True)
class Presence:
    tenant_id: str
    user_id: str
    sessions: dict[str, Session] = field(default_factory=dict)
    # How many calls (InACall) and meetings (InAMeeting) the user is in now. Counts, not one
    # session per call: a load test places thousands of calls to one user, and the presence
    # is read and written at every step of each of them.
    calls: dict[str, int] = field(default_factory=dict)
    preferred: Session | None = None
    status_message: StatusMessage | None = None
    # Increases on every change (Graph's presence carries a sequenceNumber).
    sequence: int = 0

    def current(self, now: float) -> tuple[str, str]:
        states = [s for s in (x.state_at(now) for x in self.sessions.values()) if s]
        if self.calls.get(IN_A_MEETING, 0) > 0:
            states.append(("Busy", IN_A_MEETING))
        elif self.calls.get(IN_A_CALL, 0) > 0:
            states.append(("Busy", IN_A_CALL))
        if not states:
            return ("Offline", "Offline")
        if self.preferred is not None and now < self.preferred.expires_at:
            return (self.preferred.availability, self.preferred.activity)
        return max(states, key=lambda s: _PRECEDENCE.get(s[0], -1))

    def message_at(self, now: float) -> StatusMessage | None:
        message = self.status_message
        if message is None or (message.expires_at is not None and now >= message.expires_at):
            return None
        return message

    def _next(self, **changes: Any) -> Presence:
        return replace(self, sequence=self.sequence + 1, **changes)

    def set_session(
        self, session_id: str, availability: str, activity: str, duration: float | None, now: float
    ) -> Presence:
        if (availability, activity) not in SESSION_STATES:
            raise BadRequest(_unsupported(availability, activity, SESSION_STATES))
        duration = SESSION_DEFAULT if duration is None else duration
        if not SESSION_MIN <= duration <= SESSION_MAX:
            raise BadRequest("expirationDuration must be between PT5M and PT4H.")
        session = Session(availability, activity, now, now + duration)
        live = {k: v for k, v in self.sessions.items() if v.state_at(now) is not None}
        return self._next(sessions={**live, session_id: session})

    def clear_session(self, session_id: str, now: float) -> Presence:
        if session_id not in self.sessions:
            raise BadRequest(f"There is no presence session {session_id} for this user.")
        return self._next(sessions={k: v for k, v in self.sessions.items() if k != session_id})

    def set_preferred(
        self, availability: str, activity: str, duration: float | None, now: float
    ) -> Presence:
        if (availability, activity) not in PREFERRED_STATES:
            raise BadRequest(_unsupported(availability, activity, PREFERRED_STATES))
        if duration is None:
            duration = DAY if availability in ("Busy", "DoNotDisturb") else 7 * DAY
        if duration <= 0:
            raise BadRequest("expirationDuration must be a positive duration.")
        return self._next(preferred=Session(availability, activity, now, now + duration))

    def join_call(self, activity: str) -> Presence:
        """The user came into a call (``InACall``) or a meeting (``InAMeeting``): Busy until
        they have left every one of them (a meeting wins over a call)."""
        return self._next(calls={**self.calls, activity: self.calls.get(activity, 0) + 1})

    def in_call(self, activity: str) -> bool:
        return self.calls.get(activity, 0) > 0

    def leave_call(self, activity: str) -> Presence:
        """Left one call or meeting: back to what the rest says (the state before the call)."""
        left = self.calls.get(activity, 0) - 1
        calls = {k: v for k, v in self.calls.items() if k != activity}
        return self._next(calls={**calls, activity: left} if left > 0 else calls)

    def clear_preferred(self) -> Presence:
        return self._next(preferred=None)

    def set_status_message(self, message: StatusMessage | None) -> Presence:
        return self._next(status_message=message)


def _unsupported(availability: str, activity: str, allowed: frozenset[tuple[str, str]]) -> str:
    pairs = ", ".join(f"{a}/{b}" for a, b in sorted(allowed))
    return f"'{availability}/{activity}' is not a supported combination; use one of {pairs}."
