"""Things that happened to an aggregate; the unit of work turns them into notifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CallStateChanged:
    """``changeType`` is ``created`` (incoming), ``updated`` or ``deleted`` (terminated)."""

    change_type: str
    resource_data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RosterChanged:
    participants: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class OperationFinished:
    operation: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ContentSharingChanged:
    """``changeType`` created, updated or deleted, with the sessions concerned."""

    change_type: str
    sessions: tuple[dict[str, Any], ...]


Event = CallStateChanged | RosterChanged | OperationFinished | ContentSharingChanged
