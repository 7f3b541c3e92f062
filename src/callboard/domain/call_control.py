"""State of the call-control actions a call carries: a pending transfer, the link of a call
placed to a transferred-to application back to its transfer, and the audio routing groups.

Plain data only: the rules live in ``domain/transfers.py``, ``domain/hold_music.py`` and
``domain/audio_routing.py``; the call's state (``domain/call_core.py``) holds these values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from callboard.json_types import JsonObject


@dataclass
class Transfer:
    """A transfer the application asked for (``POST .../transfer``), until it ends."""

    id: str
    # The transferTarget (invitationParticipantInfo) as sent, and the identity it rings.
    target: JsonObject
    key: str
    # Consultative transfer: the call between the application and the target it replaces.
    replaces_call_id: str | None = None
    # The participant handed over: the other party (peer-to-peer) or the transferee (group).
    transferee_id: str | None = None

    @property
    def consultative(self) -> bool:
        return self.replaces_call_id is not None


@dataclass(frozen=True)
class TransferSource:
    """On a call offered to a transferred-to application: the transfer it completes."""

    call_id: str
    transfer_id: str


class RoutingMode(StrEnum):
    ONE_TO_ONE = "oneToOne"
    MULTICAST = "multicast"


@dataclass
class AudioRoutingGroup:
    id: str
    routing_mode: RoutingMode
    sources: list[str] = field(default_factory=list)
    receivers: list[str] = field(default_factory=list)
