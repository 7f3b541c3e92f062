"""Call records (Graph's ``microsoft.graph.callRecords`` namespace), built from what
happened in a call: who was in it and when (its legs), with which modalities.

A call keeps a ``CallLog`` while it runs: each commit that changed the call lets the log
observe its roster (``CallLog.observe``), so a participant's leg opens when they appear and
closes when they leave. When the call ends the log is closed, and later the record is
rendered from it (``render_record``) along with a row per PSTN leg (``pstn_rows``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from callboard.clock import iso
from callboard.errors import BadRequest
from callboard.json_types import JsonObject

RECORD_TYPE = "#microsoft.graph.callRecords.callRecord"
ENDPOINT_TYPE = "#microsoft.graph.callRecords.participantEndpoint"
# Ids of sessions, segments and PSTN rows derive from the record id: stable across renders.
_ID_NAMESPACE = uuid.UUID("5b1f3c0e-7d7e-4c1e-9a53-2c6f1d0e8a41")
_MODALITIES = ("audio", "video", "videoBasedScreenSharing", "data")


def identity_key(identity: JsonObject) -> str:
    """``user:<id>``, ``phone:<number>``, ``application:<id>``... the first kind named."""
    for kind in ("user", "phone", "applicationInstance", "application", "guest", "device"):
        found = identity.get(kind)
        if isinstance(found, dict) and found.get("id"):
            return f"{kind}:{found['id']}"
    return "unknown:"


@dataclass
class Leg:
    """One participant's time in the call."""

    participant_id: str
    identity: JsonObject
    joined_at: float
    left_at: float | None = None
    modalities: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return identity_key(self.identity)

    @property
    def user_id(self) -> str | None:
        user = self.identity.get("user")
        return str(user["id"]) if isinstance(user, dict) and user.get("id") else None

    @property
    def phone(self) -> str | None:
        phone = self.identity.get("phone")
        return str(phone["id"]) if isinstance(phone, dict) and phone.get("id") else None


@dataclass(frozen=True)
class Seen:
    """A participant as the log sees it in a roster."""

    participant_id: str
    identity: JsonObject
    modalities: tuple[str, ...]
    in_lobby: bool = False


@dataclass
class CallLog:
    record_id: str
    call_id: str
    tenant_id: str
    app_id: str
    # peerToPeer, group or meeting (the call's kind) and incoming or outgoing.
    kind: str
    direction: str
    started_at: float
    organizer: JsonObject
    # Who the call was placed to: a call nobody answered still has a (failed) session.
    targets: list[JsonObject] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)
    ended_at: float | None = None
    failure: str | None = None
    join_web_url: str | None = None
    meeting_id: str | None = None
    version: int = 1

    @property
    def is_closed(self) -> bool:
        return self.ended_at is not None

    def open_legs(self) -> list[Leg]:
        return [leg for leg in self.legs if leg.left_at is None]

    def observe(self, roster: list[Seen], now: float) -> tuple[list[Leg], list[Leg]]:
        """The roster at ``now``: legs open for newcomers and close for those gone (someone
        in the lobby is not in the call yet). Returns (joined, left)."""
        if self.is_closed:
            return [], []
        present = {p.participant_id: p for p in roster if not p.in_lobby}
        open_ids = {leg.participant_id for leg in self.open_legs()}
        left = []
        for leg in self.open_legs():
            if leg.participant_id not in present:
                leg.left_at = now
                left.append(leg)
        joined = []
        for participant_id, seen in present.items():
            if participant_id not in open_ids:
                leg = Leg(participant_id, seen.identity, now, None, list(seen.modalities))
                self.legs.append(leg)
                joined.append(leg)
        return joined, left

    def close(self, now: float, failure: str | None) -> list[Leg]:
        """The call ended: every open leg closes. Returns the legs closed."""
        if self.is_closed:
            return []
        left = self.open_legs()
        for leg in left:
            leg.left_at = now
        self.ended_at = now
        if not any(leg.key != identity_key(self.organizer) for leg in self.legs):
            self.failure = failure or "The call was not answered."
        return left

    # -- Graph JSON ---------------------------------------------------------------------

    @property
    def modalities(self) -> list[str]:
        used = {m for leg in self.legs for m in leg.modalities}
        return [m for m in _MODALITIES if m in used] or ["audio"]

    @property
    def record_type(self) -> str:
        return "peerToPeer" if self.kind == "peerToPeer" else "groupCall"

    def participants(self) -> list[JsonObject]:
        """Each identity once, the organizer first."""
        seen: dict[str, JsonObject] = {identity_key(self.organizer): self.organizer}
        for leg in self.legs:
            seen.setdefault(leg.key, leg.identity)
        return list(seen.values())

    def sessions(self) -> list[JsonObject]:
        if self.failure is not None:
            callee = self.targets[0] if self.targets else {}
            start = self.started_at
            return [self._session(0, self.organizer, callee, start, self.ended_at or start)]
        organizer_key = identity_key(self.organizer)
        result = []
        for index, leg in enumerate(self.legs):
            if self.record_type == "peerToPeer":
                if leg.key == organizer_key:
                    continue
                caller, callee = self.organizer, leg.identity
            else:
                caller, callee = leg.identity, {}
            end = leg.left_at if leg.left_at is not None else self.ended_at or leg.joined_at
            result.append(
                self._session(index + 1, caller, callee, leg.joined_at, end, leg.modalities)
            )
        return result

    def _session(
        self,
        index: int,
        caller: JsonObject,
        callee: JsonObject,
        start: float,
        end: float,
        modalities: list[str] | None = None,
    ) -> JsonObject:
        session_id = str(uuid.uuid5(_ID_NAMESPACE, f"{self.record_id}/{index}"))
        failure = (
            None
            if self.failure is None
            else {
                "@odata.type": "#microsoft.graph.callRecords.failureInfo",
                "stage": "callSetup",
                "reason": self.failure,
            }
        )
        ends = {
            "caller": _endpoint(caller),
            "callee": _endpoint(callee) if callee else _service_endpoint(),
            "startDateTime": iso(start),
            "endDateTime": iso(end),
            "failureInfo": failure,
        }
        segment: JsonObject = {"id": session_id, **ends, "media": []}
        return {
            "id": session_id,
            **ends,
            "modalities": [m for m in _MODALITIES if m in (modalities or ["audio"])],
            "isTest": False,
            "segments": [segment],
        }


def _endpoint(identity: JsonObject) -> JsonObject:
    return {"@odata.type": ENDPOINT_TYPE, "identity": identity}


def _service_endpoint() -> JsonObject:
    return {"@odata.type": "#microsoft.graph.callRecords.serviceEndpoint"}


def _participant(identity: JsonObject) -> JsonObject:
    """A ``participant`` / ``organizer`` entity: its identity is a communicationsIdentitySet."""
    kind, _, ident = identity_key(identity).partition(":")
    members = {k: v for k, v in identity.items() if k != "@odata.type"}
    return {
        "id": ident or kind,
        "identity": {"@odata.type": "#microsoft.graph.communicationsIdentitySet", **members},
    }


def render_record(
    log: CallLog, *, expand_sessions: bool, expand_participants: bool = False
) -> JsonObject:
    """The callRecord as Graph renders it; ``sessions`` (with their segments) and
    ``participants_v2`` only when asked for with ``$expand``, as Graph does."""
    assert log.ended_at is not None
    start = record_start(log)
    body: JsonObject = {
        "id": log.record_id,
        "version": log.version,
        "type": log.record_type,
        "modalities": log.modalities,
        "startDateTime": iso(start),
        "endDateTime": iso(log.ended_at),
        "lastModifiedDateTime": iso(log.ended_at),
        "joinWebUrl": log.join_web_url,
        "organizer": log.organizer,
        "participants": log.participants(),
        "organizer_v2": _participant(log.organizer),
    }
    if expand_participants:
        body["participants_v2"] = [_participant(i) for i in log.participants()]
    if expand_sessions:
        body["sessions"] = log.sessions()
    return body


def _named(identity: JsonObject) -> JsonObject:
    """The identity an identitySet names (user, application...), or an empty one."""
    return next((v for v in identity.values() if isinstance(v, dict)), {})


def pstn_rows(log: CallLog) -> list[JsonObject]:
    """A ``pstnCallLogRow`` for each phone leg of the call (docs/call-records.md)."""
    rows = []
    organizer = _named(log.organizer)
    for index, leg in enumerate(log.legs):
        phone = leg.phone
        if phone is None or leg.left_at is None:
            continue
        if log.kind == "meeting":
            call_type, caller, callee = "conf_in", phone, None
        elif log.direction == "incoming":
            call_type, caller, callee = "ucap_in", phone, None
        else:
            call_type, caller, callee = "ucap_out", None, phone
        rows.append(
            {
                "id": str(uuid.uuid5(_ID_NAMESPACE, f"{log.record_id}/pstn/{index}")),
                "callId": log.record_id,
                "userId": organizer.get("id"),
                "userPrincipalName": None,
                "userDisplayName": organizer.get("displayName"),
                "startDateTime": iso(leg.joined_at),
                "endDateTime": iso(leg.left_at),
                "duration": int(round(leg.left_at - leg.joined_at)),
                "charge": 0,
                "callType": call_type,
                "currency": "USD",
                "calleeNumber": callee,
                "callerNumber": caller,
                "usageCountryCode": "US",
                "tenantCountryCode": "US",
                "connectionCharge": 0,
                "destinationContext": None,
                "destinationName": "United States",
                "conferenceId": log.meeting_id,
                "licenseCapability": "MCOPSTNU",
                "inventoryType": "Service",
                "operator": "Microsoft",
                "callDurationSource": "microsoft",
            }
        )
    return rows


# List callRecords' $filter: startDateTime compared (lt, le, gt, ge) and a participant id.
_START = re.compile(r"startDateTime\s+(lt|le|gt|ge)\s+(\S+)", re.IGNORECASE)
_PARTICIPANT = re.compile(
    r"participants_v2/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+'([^']+)'\s*\)", re.IGNORECASE
)


@dataclass(frozen=True)
class RecordFilter:
    """What ``GET /communications/callRecords?$filter=…`` may ask (Graph's *List callRecords*):
    comparisons of ``startDateTime`` and one participant id, joined by ``and``."""

    bounds: tuple[tuple[str, str], ...] = ()
    participant: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> RecordFilter:
        if not text or not text.strip():
            return cls()
        bounds = tuple((op.lower(), value) for op, value in _START.findall(text))
        participants = [m.group(2) for m in _PARTICIPANT.finditer(text)]
        rest = _PARTICIPANT.sub("", _START.sub("", text))
        if len(participants) > 1 or re.sub(r"\s+and\s+", "", f" {rest} ").strip():
            raise BadRequest(
                "$filter supports startDateTime (lt, le, gt, ge) and "
                "participants_v2/any(p:p/id eq '{id}'), joined by and."
            )
        return cls(bounds, participants[0] if participants else None)

    def matches(self, log: CallLog, start: float, moment: Callable[[str], float]) -> bool:
        # Compare the start as the client reads it (milliseconds), not the stored float:
        # a start that renders as ``…:59.124Z`` must satisfy ``ge …:59.124Z``.
        start = moment(iso(start))
        for op, value in self.bounds:
            limit = moment(value)
            if not {
                "lt": start < limit,
                "le": start <= limit,
                "gt": start > limit,
                "ge": start >= limit,
            }[op]:
                return False
        if self.participant is not None:
            ids = {_participant(i)["id"] for i in log.participants()}
            return self.participant in ids
        return True


def record_start(log: CallLog) -> float:
    return min([log.started_at, *(leg.joined_at for leg in log.legs)])
