"""Call records (Graph's ``microsoft.graph.callRecords`` namespace), built from what
happened in a call: who was in it and when (its legs), with which modalities.

A call keeps a ``CallLog`` while it runs: each commit that changed the call lets the log
observe its roster (``CallLog.observe``), so a participant's leg opens when they appear and
closes when they leave. When the call ends the log is closed, and later the record is
rendered from it (``domain/call_record_json.py``) along with a row per PSTN leg. The
people in it are ``CallParty`` values (the identity read once, the identitySet kept as the
call had it); the log is stored as the document ``to_document`` writes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from callboard.clock import iso
from callboard.domain.identities import IdentityKind, PartyIdentity
from callboard.errors import BadRequest
from callboard.json_types import JsonObject

RECORD_TYPE = "#microsoft.graph.callRecords.callRecord"
# Ids of sessions, segments and PSTN rows derive from the record id: stable across renders.
ID_NAMESPACE = uuid.UUID("5b1f3c0e-7d7e-4c1e-9a53-2c6f1d0e8a41")
MODALITIES = ("audio", "video", "videoBasedScreenSharing", "data")


# The identity a record keys a party by: the first of these kinds with an id.
RECORD_KINDS = (
    IdentityKind.USER,
    IdentityKind.PHONE,
    IdentityKind.APPLICATION_INSTANCE,
    IdentityKind.APPLICATION,
    IdentityKind.GUEST,
    IdentityKind.DEVICE,
)


@dataclass(frozen=True, slots=True)
class CallParty:
    """Someone a call record names: the identitySet read once (``key``, ``user_id``,
    ``phone``) and kept as the call had it (``identity_set``, rendered as is)."""

    identity: PartyIdentity

    @classmethod
    def of(cls, identity_set: JsonObject) -> CallParty:
        return cls(PartyIdentity.parse(identity_set))

    @property
    def identity_set(self) -> JsonObject:
        return self.identity.echo

    @property
    def key(self) -> str:
        """``user:<id>``, ``phone:<number>``, ``application:<id>``... the first kind named."""
        return self.identity.key(RECORD_KINDS)

    @property
    def id(self) -> str:
        """Its id as a record's participant: the identity's id (its kind when it has none)."""
        kind, _, ident = self.key.partition(":")
        return ident or kind

    @property
    def user_id(self) -> str | None:
        return self.identity.id_of(IdentityKind.USER)

    @property
    def phone(self) -> str | None:
        return self.identity.id_of(IdentityKind.PHONE)


@dataclass
class Leg:
    """One participant's time in the call."""

    participant_id: str
    party: CallParty
    joined_at: float
    left_at: float | None = None
    modalities: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.party.key

    @property
    def user_id(self) -> str | None:
        return self.party.user_id

    @property
    def phone(self) -> str | None:
        return self.party.phone

    def to_document(self) -> JsonObject:
        return {
            "participant_id": self.participant_id,
            "identity": self.party.identity_set,
            "joined_at": self.joined_at,
            "left_at": self.left_at,
            "modalities": self.modalities,
        }

    @classmethod
    def from_document(cls, document: JsonObject) -> Leg:
        return cls(
            document["participant_id"],
            CallParty.of(document["identity"]),
            document["joined_at"],
            document.get("left_at"),
            document.get("modalities", []),
        )


@dataclass(frozen=True)
class Seen:
    """A participant as the log sees it in a roster (its identitySet as the call has it)."""

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
    organizer: CallParty
    # Who the call was placed to: a call nobody answered still has a (failed) session.
    targets: list[CallParty] = field(default_factory=list)
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
                party = CallParty.of(seen.identity)
                leg = Leg(participant_id, party, now, None, list(seen.modalities))
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
        if not any(leg.key != self.organizer.key for leg in self.legs):
            self.failure = failure or "The call was not answered."
        return left

    @property
    def modalities(self) -> list[str]:
        used = {m for leg in self.legs for m in leg.modalities}
        return [m for m in MODALITIES if m in used] or ["audio"]

    @property
    def record_type(self) -> str:
        return "peerToPeer" if self.kind == "peerToPeer" else "groupCall"

    def parties(self) -> list[CallParty]:
        """Each identity once, the organizer first."""
        seen: dict[str, CallParty] = {self.organizer.key: self.organizer}
        for leg in self.legs:
            seen.setdefault(leg.key, leg.party)
        return list(seen.values())

    def sessions(self) -> list[Session]:
        """A call nobody answered: one failed session from the organizer to its first
        target. Otherwise a session per leg: peer-to-peer from the organizer to each other
        party, a group call's from each party to the service."""
        if self.failure is not None:
            callee = self.targets[0] if self.targets else None
            start = self.started_at
            return [Session(0, self.organizer, callee, start, self.ended_at or start, [])]
        organizer_key = self.organizer.key
        result = []
        for index, leg in enumerate(self.legs):
            if self.record_type == "peerToPeer":
                if leg.key == organizer_key:
                    continue
                caller, callee = self.organizer, leg.party
            else:
                caller, callee = leg.party, None
            end = leg.left_at if leg.left_at is not None else self.ended_at or leg.joined_at
            result.append(Session(index + 1, caller, callee, leg.joined_at, end, leg.modalities))
        return result

    # -- the stored document ------------------------------------------------------------

    def to_document(self) -> JsonObject:
        """The log as stored: identity sets as the call had them (what ``dataclasses.asdict``
        wrote before the parties were typed, so rows of either age read the same). No copy:
        the document is encoded straight away."""
        return {
            "record_id": self.record_id,
            "call_id": self.call_id,
            "tenant_id": self.tenant_id,
            "app_id": self.app_id,
            "kind": self.kind,
            "direction": self.direction,
            "started_at": self.started_at,
            "organizer": self.organizer.identity_set,
            "targets": [t.identity_set for t in self.targets],
            "legs": [leg.to_document() for leg in self.legs],
            "ended_at": self.ended_at,
            "failure": self.failure,
            "join_web_url": self.join_web_url,
            "meeting_id": self.meeting_id,
            "version": self.version,
        }

    @classmethod
    def from_document(cls, document: JsonObject) -> CallLog:
        """A stored log; a property an older row lacks takes its default, as it did when
        the row was read with ``CallLog(**document)``."""
        return cls(
            record_id=document["record_id"],
            call_id=document["call_id"],
            tenant_id=document["tenant_id"],
            app_id=document["app_id"],
            kind=document["kind"],
            direction=document["direction"],
            started_at=document["started_at"],
            organizer=CallParty.of(document["organizer"]),
            targets=[CallParty.of(t) for t in document.get("targets", [])],
            legs=[Leg.from_document(leg) for leg in document.get("legs", [])],
            ended_at=document.get("ended_at"),
            failure=document.get("failure"),
            join_web_url=document.get("join_web_url"),
            meeting_id=document.get("meeting_id"),
            version=document.get("version", 1),
        )


@dataclass(frozen=True)
class Session:
    """One session of a record: who called whom (``callee`` None: the service) and when."""

    index: int
    caller: CallParty
    callee: CallParty | None
    start: float
    end: float
    modalities: list[str]


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
            ids = {p.id for p in log.parties()}
            return self.participant in ids
        return True


def record_start(log: CallLog) -> float:
    return min([log.started_at, *(leg.joined_at for leg in log.legs)])
