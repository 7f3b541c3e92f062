"""What a simulated party does on the call's media, and recordResponse's life on the call.

Keys reach the bot as toneInfo notifications only after subscribeToTone; every key, heard
or not, is in the call's DTMF log, as are the keys the bot sends. A recording closes by the
rules of ``domain/recordings.py``; the service stores its audio and finishes the operation
here.
"""

from __future__ import annotations

import copy

from callboard.domain import graph_json, results
from callboard.domain.call_core import CallCore, CallState
from callboard.domain.call_media import (
    KEYS_BY_TONE,
    TONES,
    ActiveRecording,
    DtmfEntry,
    RecordingRef,
    Speech,
)
from callboard.domain.events import OperationFinished, ToneReceived
from callboard.domain.operations import CommsOperation
from callboard.domain.recordings import RECORDED, RESULTS, CompletionReason
from callboard.errors import InvalidStateTransition


class PartyRules(CallCore):
    def party_pressed(self, party: str, keys: str, now: float) -> bool:
        """``party`` pressed ``keys``; returns whether one of them is a stop tone of the
        running recording (which then ends: the service finishes it)."""
        if self.is_over:
            return False
        self.media.dtmf.append(DtmfEntry("received", party, keys, now))
        if self.tone_subscribed:
            for key in keys:
                self.media.tone_sequence += 1
                self.events.append(ToneReceived(self.media.tone_sequence, TONES[key]))
            # The call's toneInfo (GET) is the last tone the bot was told of.
            self.resource.echo["toneInfo"] = graph_json.tone_info(
                self.media.tone_sequence, TONES[keys[-1]]
            )
        recording = self.media.recording
        return (
            recording is not None
            and now >= recording.opens_at
            and any(key in recording.stop_tones for key in keys)
        )

    def dtmf_sent(self, tones: list[str], now: float) -> None:
        """sendDtmfTones: the other parties hear them (the call's DTMF log names them by
        participant id)."""
        others = [p.id for p in self.participants if p.id != self.my_participant_id]
        keys = "".join(KEYS_BY_TONE.get(tone, "?") for tone in tones)
        self.media.dtmf.append(DtmfEntry("sent", ",".join(others), keys, now))

    def party_spoke(self, party: str, now: float, seconds: float, wav: str | None) -> None:
        if not self.is_over:
            self.media.speech.append(Speech(party, now, now + seconds, wav))

    def party_held(self, party: str) -> None:
        """The party put the bot on hold (the call is ``hold`` until it takes it back)."""
        if self.state is not CallState.ESTABLISHED:
            raise InvalidStateTransition(f"Cannot hold: the call is {self.state.value}.")
        self._transition(CallState.HOLD)
        self.media.held_by = party
        self._state_event("updated")

    def party_unheld(self) -> None:
        if self.state is not CallState.HOLD:
            raise InvalidStateTransition(f"Cannot unhold: the call is {self.state.value}.")
        self._transition(CallState.ESTABLISHED)
        self.media.held_by = None
        self._state_event("updated")

    # -- recordResponse -------------------------------------------------------------

    def start_recording(self, recording: ActiveRecording) -> None:
        if self.media.recording is not None:
            raise InvalidStateTransition("A recordResponse is already running on this call.")
        self.media.recording = recording

    def finish_recording(
        self,
        operation: CommsOperation,
        reason: CompletionReason,
        *,
        recording: RecordingRef | None = None,
        location: str | None = None,
        token: str | None = None,
    ) -> None:
        """The running recording ends for ``reason``; the bot hears of it (with where its
        recording is, when it left one)."""
        self.media.recording = None
        self.media_queue.done(operation.id)
        operation.completion_reason = reason.value
        if self.is_over:
            operation.fail(results.CALL_ENDED_FIRST)
        elif reason in RECORDED:
            operation.complete()
            operation.recording_location = location
            operation.recording_access_token = token
        else:
            operation.fail(RESULTS[reason])
        if recording is not None and operation.recording_location is not None:
            self.media.recordings.append(recording)
        # Graph's completion result for this reason, not the generic "completed".
        if reason in RECORDED and not self.is_over:
            operation.result_info = RESULTS[reason]
        self.events.append(OperationFinished(copy.deepcopy(operation)))
