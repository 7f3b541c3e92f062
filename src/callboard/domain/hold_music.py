"""``participant: startHoldMusic`` / ``stopHoldMusic``: one participant at a time is on hold.

A held participant hears music and is not heard: its audio stream is ``receiveOnly`` until
the music stops (``sendReceive`` again); each change is a roster notification.
"""

from __future__ import annotations

from dataclasses import dataclass

from callboard.domain.call_core import CallCore, CallState
from callboard.domain.call_media import MediaPrompt
from callboard.domain.participants import Participant
from callboard.errors import BadRequest, ItemNotFound

HELD_DIRECTION = "receiveOnly"
ACTIVE_DIRECTION = "sendReceive"


@dataclass(frozen=True)
class StartHoldMusic:
    """``participant: startHoldMusic``: the custom prompt as sent, if any."""

    custom_prompt: MediaPrompt | None = None
    client_context: str | None = None

    def check(self) -> None:
        if self.custom_prompt is not None and not self.custom_prompt.playable:
            raise BadRequest("customPrompt must be a mediaPrompt with mediaInfo.uri.")


class HoldMusicRules(CallCore):
    def _holdable(self, participant_id: str, action: str) -> Participant:
        self._require(CallState.ESTABLISHED, action=action)
        participant = self.participant(participant_id)
        if participant is None:
            raise ItemNotFound(f"The participant {participant_id} is not in call {self.id}.")
        if participant_id == self.my_participant_id:
            raise BadRequest(f"Cannot {action} on the application's own participant.")
        return participant

    def start_hold_music(self, participant_id: str) -> None:
        participant = self._holdable(participant_id, "startHoldMusic")
        held = self.held_participant_id
        if held is not None and self.participant(held) is None:
            held = None  # the held participant has left the call
        if held == participant_id:
            raise BadRequest(f"The participant {participant_id} is already on hold.")
        if held is not None:
            raise BadRequest(f"Only one participant can be on hold at a time: {held} is on hold.")
        self.held_participant_id = participant_id
        _set_audio(participant, HELD_DIRECTION)
        self._roster_event()

    def stop_hold_music(self, participant_id: str) -> None:
        participant = self._holdable(participant_id, "stopHoldMusic")
        if self.held_participant_id != participant_id:
            raise BadRequest(f"The participant {participant_id} is not on hold.")
        self.held_participant_id = None
        _set_audio(participant, ACTIVE_DIRECTION)
        self._roster_event()


def _set_audio(participant: Participant, direction: str) -> None:
    for stream in participant.media_streams:
        if stream.media_type == "audio":
            stream.direction = direction
