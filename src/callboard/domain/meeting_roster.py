"""Who is in an online meeting right now: simulated people and the bots whose calls joined.

Each entry is a call ``Participant`` (the shape every bot in the meeting sees) plus what
Callboard decides on: how a person came in (their ``JoinerKind``) or which call a bot's
entry belongs to. The stored form is the participant's Graph JSON with ``_role`` /
``_callId`` beside it, parsed and written here only; ``to_graph`` is what clients see.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field

from callboard.domain import graph_json
from callboard.domain.meeting_parts import JoinerKind
from callboard.domain.participants import Participant
from callboard.json_types import JsonObject

_ROLE = "_role"
_CALL_ID = "_callId"


@dataclass
class RosterEntry:
    participant: Participant
    # How a person came in (the lobby's view of them); None for a bot.
    role: JoinerKind | None = None
    # The call a bot's entry belongs to; None for a person.
    call_id: str | None = None

    @property
    def id(self) -> str:
        return self.participant.id

    @property
    def in_lobby(self) -> bool:
        return self.participant.is_in_lobby

    @property
    def is_bot(self) -> bool:
        return self.call_id is not None

    @property
    def identity(self) -> JsonObject:
        """The identitySet the entry appears with (as Graph has it)."""
        return self.participant.identity

    @classmethod
    def parse(cls, data: JsonObject) -> RosterEntry:
        """An entry as stored by ``to_document``."""
        role = data.get(_ROLE)
        return cls(
            graph_json.parse_participant({k: v for k, v in data.items() if k[:1] != "_"}),
            JoinerKind(role) if role else None,
            data.get(_CALL_ID) or None,
        )

    def to_graph(self) -> JsonObject:
        """The participant as clients see it (no bookkeeping)."""
        return graph_json.participant(self.participant)

    def to_document(self) -> JsonObject:
        document = self.to_graph()
        if self.role is not None:
            document[_ROLE] = self.role.value
        if self.call_id is not None:
            document[_CALL_ID] = self.call_id
        return document


@dataclass
class MeetingRoster:
    entries: list[RosterEntry] = field(default_factory=list)

    @classmethod
    def parse(cls, data: list[JsonObject] | None) -> MeetingRoster:
        return cls([RosterEntry.parse(item) for item in data or []])

    def to_document(self) -> list[JsonObject]:
        return [entry.to_document() for entry in self.entries]

    def __iter__(self) -> Iterator[RosterEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, participant_id: str) -> RosterEntry | None:
        return next((e for e in self.entries if e.id == participant_id), None)

    def add(self, entry: RosterEntry) -> None:
        self.entries.append(entry)

    def remove(self, entry: RosterEntry) -> None:
        self.entries.remove(entry)

    def remove_bot(self, call_id: str) -> bool:
        """The entries of the bot of ``call_id`` leave; True if there were any."""
        kept = [e for e in self.entries if e.call_id != call_id]
        removed = len(kept) != len(self.entries)
        self.entries = kept
        return removed

    @property
    def organizer_present(self) -> bool:
        return any(e.role is JoinerKind.ORGANIZER and not e.in_lobby for e in self.entries)

    def attending(self) -> list[RosterEntry]:
        """Who is in the meeting proper (not waiting in the lobby)."""
        return [e for e in self.entries if not e.in_lobby]

    def call_roster(self) -> list[Participant]:
        """The roster as a call's participants: copies, so a call never shares the
        meeting's state (a call compares its roster with the next one)."""
        return [copy.deepcopy(e.participant) for e in self.entries]
