"""recordResponse's recordings: the step that closes one, the stored WAV and the access
token that fetches it (``domain/recordings.py`` holds the rules; the action itself is in
``services/recording_actions.py``)."""

from __future__ import annotations

import hmac
import secrets

from callboard.domain import recordings
from callboard.domain.call_media import RecordingRef
from callboard.domain.calls import Call
from callboard.domain.recordings import CompletionReason
from callboard.errors import ItemNotFound, Unauthenticated
from callboard.services.runtime import Runtime
from callboard.store.jobs import NewJob
from callboard.store.recordings import StoredRecording
from callboard.store.uow import UnitOfWork

# A recording's access token works this long after the recording closes (virtual clock).
# Graph says only that recordings are discarded shortly after the call: download promptly.
TOKEN_LIFETIME_SECONDS = 15 * 60.0
CONTENT_TYPE = "audio/wav"
RECORD_CHECK = "recordCheck"
# The route the recording is served at (api/graph/recordings.py), under the request's root.
RECORDINGS_PATH = "/media/recordings"


def schedule_check(uow: UnitOfWork, call: Call) -> None:
    """The step that closes the running recording when, by what was said so far, it would.
    Speech arms a later one; a step whose moment moved on does nothing."""
    recording = call.media.recording
    if recording is None:
        return
    closing = recordings.closing(recording, call.media.speech)
    uow.schedule(
        NewJob(
            kind="call.progress",
            payload={
                "callId": call.id,
                "action": RECORD_CHECK,
                "operationId": recording.operation_id,
            },
            run_at=max(closing.at, uow.now),
            max_attempts=10,
        )
    )


def check(rt: Runtime, uow: UnitOfWork, call: Call, operation_id: str) -> None:
    """The ``recordCheck`` step: the recording closes if its moment has come."""
    recording = call.media.recording
    if recording is None or recording.operation_id != operation_id:
        return
    closing = recordings.closing(recording, call.media.speech)
    if call.is_over:
        finish(rt, uow, call, CompletionReason.OPERATION_CANCELED, uow.now)
    elif uow.now >= closing.at:
        finish(rt, uow, call, closing.reason, closing.at)


def finish(rt: Runtime, uow: UnitOfWork, call: Call, reason: CompletionReason, at: float) -> None:
    """Close the running recording at ``at``: store its WAV (when it leaves one) and finish
    the operation, notified."""
    recording = call.media.recording
    if recording is None:
        return
    operation = uow.operations.get(call.id, recording.operation_id)
    if operation is None or not operation.is_running:
        call.media.recording = None
        return
    if reason not in recordings.RECORDED or call.is_over:
        call.finish_recording(operation, reason)
        uow.operations.save(call.id, operation)
        return
    start = min(recording.opens_at, at)
    stored = StoredRecording(
        id=rt.ids.new(),
        call_id=call.id,
        operation_id=operation.id,
        content_type=CONTENT_TYPE,
        duration_seconds=at - start,
        access_token=secrets.token_urlsafe(32),
        token_expires_at=uow.now + TOKEN_LIFETIME_SECONDS,
        created_at=uow.now,
        content=recordings.render_wav(start, at, call.media.speech),
    )
    uow.recordings.add(stored)
    call.finish_recording(
        operation,
        reason,
        recording=RecordingRef(stored.id, operation.id, stored.duration_seconds, uow.now),
        location=f"{recording.location_base}{RECORDINGS_PATH}/{stored.id}",
        token=stored.access_token,
    )
    uow.operations.save(call.id, operation)


def fetch(rt: Runtime, recording_id: str, authorization: str | None) -> StoredRecording:
    """``GET recordingLocation`` with ``Authorization: Bearer <recordingAccessToken>``: 401
    without the token, with another one or once it expired."""
    scheme, _, token = (authorization or "").partition(" ")
    with rt.uow() as uow:
        stored = uow.recordings.get(recording_id)
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("The recording needs its recordingAccessToken as a bearer token.")
    if stored is None or not hmac.compare_digest(token.strip(), stored.access_token):
        raise Unauthenticated("The recordingAccessToken is not valid for this recording.")
    if rt.clock.now() >= stored.token_expires_at:
        raise Unauthenticated("The recordingAccessToken has expired.")
    return stored


def fetch_for_admin(rt: Runtime, recording_id: str) -> StoredRecording:
    with rt.uow() as uow:
        stored = uow.recordings.get(recording_id)
    if stored is None:
        raise ItemNotFound(f"The recording {recording_id} does not exist.")
    return stored
