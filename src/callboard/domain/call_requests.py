"""What a call action asks for, read once from its request body: typed values the services
take, with the rules that check them (a rule raises ``BadRequest`` with Graph's wording).

The route's pydantic model builds the value (syntax is checked there); the service checks
the value's rules where it always has, after the permission checks, so a request keeps the
same answer whichever of its faults is found first. What Graph echoes back as sent (a
prompt, the client's context) is kept as sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from callboard.domain.call_media import MediaPrompt, require_playable
from callboard.domain.invitations import InvitationTarget
from callboard.errors import BadRequest

# Graph: "Inviting up to 5 participants is supported" (*participant: invite*, example 2).
MAX_INVITEES = 5


@dataclass(frozen=True)
class PlayPrompt:
    """``call: playPrompt``."""

    prompts: tuple[MediaPrompt, ...]
    client_context: str | None = None

    def check(self) -> None:
        require_playable(self.prompts)


@dataclass(frozen=True)
class SendDtmfTones:
    """``call: sendDtmfTones``: Graph's ``tone`` names, in order."""

    tones: tuple[str, ...]
    client_context: str | None = None


@dataclass(frozen=True)
class UpdateRecordingStatus:
    """``call: updateRecordingStatus``: a ``recordingStatus`` member."""

    status: str
    client_context: str | None = None


@dataclass(frozen=True)
class InviteParticipants:
    """``participant: invite``."""

    participants: tuple[InvitationTarget, ...]
    client_context: str | None = None

    def check(self) -> None:
        if len(self.participants) > MAX_INVITEES:
            raise BadRequest(f"At most {MAX_INVITEES} participants can be invited in one request.")


@dataclass(frozen=True)
class ConfigureMixer:
    """beta ``participant: configureMixer``: the participants its levels (and their source
    levels) name, each of which must be in the call; the levels themselves are not kept
    (the mixer is not simulated)."""

    participants: tuple[str, ...]
    client_context: str | None = None


@dataclass(frozen=True)
class DeviceQuality:
    """``call: logTeleconferenceDeviceQuality``: what Callboard logs of the quality report."""

    call_chain_id: str
    participant_id: str
    media_leg_id: str
    device_name: str
    media_quality_entries: int
