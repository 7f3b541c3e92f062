"""``commsOperation``: what a call action answers with, and how it finishes.

An operation that completes at once is ``Completed`` in the response; one that runs
(playPrompt, sendDtmfTones, participants/invite) is ``Running`` and finishes later with a
``deleted`` notification. Status values are the members of Graph v1.0's ``operationStatus``
enumeration, spelled as the schema spells them (the Graph SDKs' ``OperationStatus``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from callboard.domain.results import OPERATION_COMPLETED, ResultInfo
from callboard.errors import InvalidStateTransition
from callboard.json_types import JsonObject


class OperationStatus(StrEnum):
    NOT_STARTED = "NotStarted"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"

    @classmethod
    def parse(cls, value: str) -> OperationStatus:
        """Also reads the lower-case values operations were once stored with."""
        for member in cls:
            if member.value.lower() == value.lower():
                return member
        raise ValueError(f"{value!r} is not an operationStatus")


class OperationKind(StrEnum):
    """The operation's Graph type (``#microsoft.graph.<value>``)."""

    MUTE = "muteParticipantOperation"
    UNMUTE = "unmuteParticipantOperation"
    PLAY_PROMPT = "playPromptOperation"
    SUBSCRIBE_TO_TONE = "subscribeToToneOperation"
    CANCEL_MEDIA_PROCESSING = "cancelMediaProcessingOperation"
    SEND_DTMF_TONES = "sendDtmfTonesOperation"
    UPDATE_RECORDING_STATUS = "updateRecordingStatusOperation"
    INVITE_PARTICIPANTS = "inviteParticipantsOperation"
    START_HOLD_MUSIC = "startHoldMusicOperation"
    STOP_HOLD_MUSIC = "stopHoldMusicOperation"
    ADD_LARGE_GALLERY_VIEW = "addLargeGalleryViewOperation"
    RECORD_RESPONSE = "recordOperation"
    # beta participant: configureMixer answers a plain commsOperation.
    COMMS = "commsOperation"


@dataclass
class CommsOperation:
    id: str
    kind: OperationKind
    status: OperationStatus
    client_context: str | None = None
    result_info: ResultInfo | None = None
    # sendDtmfTonesOperation: why it ended (unset while running).
    completion_reason: str | None = None
    # inviteParticipantsOperation: the invitationParticipantInfo values, as sent (with the
    # participant id each invitee has in the roster).
    participants: list[JsonObject] = field(default_factory=list)
    # recordOperation: where the recording is, and the token that fetches it.
    recording_location: str | None = None
    recording_access_token: str | None = None

    @classmethod
    def started(
        cls, id: str, kind: OperationKind, client_context: str | None, **extra: Any
    ) -> CommsOperation:
        """An operation that runs: it finishes with ``complete()`` or ``fail()``."""
        return cls(id, kind, OperationStatus.RUNNING, client_context, **extra)

    @classmethod
    def done(cls, id: str, kind: OperationKind, client_context: str | None) -> CommsOperation:
        """An operation that completed at once."""
        return cls(id, kind, OperationStatus.COMPLETED, client_context, OPERATION_COMPLETED)

    @property
    def is_running(self) -> bool:
        return self.status is OperationStatus.RUNNING

    def complete(self) -> None:
        self._finish(OperationStatus.COMPLETED, OPERATION_COMPLETED)
        if self.kind is OperationKind.SEND_DTMF_TONES:
            self.completion_reason = "completedSuccessfully"

    def fail(self, reason: ResultInfo) -> None:
        self._finish(OperationStatus.FAILED, reason)

    def _finish(self, status: OperationStatus, result: ResultInfo) -> None:
        if not self.is_running:
            raise InvalidStateTransition(
                f"The operation {self.id} is {self.status.value} and cannot finish again."
            )
        self.status = status
        self.result_info = result


@dataclass
class MediaQueue:
    """The call's media operations (playPrompt) run one after another: the queued operations'
    ids, and when the last of them ends."""

    operations: list[str] = field(default_factory=list)
    ends_at: float = 0.0

    def enqueue(self, operation_id: str, now: float, seconds: float) -> float:
        """Queue an operation that runs ``seconds``; returns how long until it ends."""
        self.ends_at = max(self.ends_at, now) + seconds
        self.operations.append(operation_id)
        return self.ends_at - now

    def done(self, operation_id: str) -> None:
        if operation_id in self.operations:
            self.operations.remove(operation_id)
        if not self.operations:
            self.ends_at = 0.0

    def clear(self) -> list[str]:
        """Empty the queue (cancelMediaProcessing); returns the ids that were queued."""
        cancelled, self.operations, self.ends_at = self.operations, [], 0.0
        return cancelled
