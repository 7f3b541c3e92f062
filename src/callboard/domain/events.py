"""Things that happened to a call; the unit of work turns them into notifications.

Events hold typed values captured when they happened; ``services/notifications`` renders
them to Graph JSON (``domain/graph_json``).
"""

from __future__ import annotations

from dataclasses import dataclass

from callboard.domain.operations import CommsOperation
from callboard.domain.participants import Participant
from callboard.domain.results import ResultInfo
from callboard.json_types import JsonObject


@dataclass(frozen=True, slots=True)
class CallStateChanged:
    """``changeType`` is ``created`` (incoming: the whole call), ``updated`` or ``deleted``
    (terminated), with the state and result the call had then."""

    change_type: str
    state: str
    result_info: ResultInfo | None


@dataclass(frozen=True, slots=True)
class RosterChanged:
    participants: tuple[Participant, ...]


@dataclass(frozen=True, slots=True)
class OperationFinished:
    operation: CommsOperation


@dataclass(frozen=True, slots=True)
class InvitationsSettled:
    """Every invitation of an invite operation was answered or failed: the operation
    finishes, failed with ``failure`` if any failed. The service layer, which holds the
    stored operation, replaces this event with its ``OperationFinished``."""

    operation_id: str
    failure: ResultInfo | None


@dataclass(frozen=True, slots=True)
class ContentSharingChanged:
    """``changeType`` created, updated or deleted, with the sessions concerned."""

    change_type: str
    sessions: tuple[JsonObject, ...]


@dataclass(frozen=True, slots=True)
class ToneReceived:
    """A party pressed a key on a call subscribed to tones: an ``updated`` call notification
    with ``toneInfo``."""

    sequence_id: int
    tone: str


Event = (
    CallStateChanged
    | RosterChanged
    | OperationFinished
    | InvitationsSettled
    | ContentSharingChanged
    | ToneReceived
)
