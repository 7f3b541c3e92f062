"""recordResponse's recordings: the WAV and its access token, by recording id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from callboard.store import tables


@dataclass(frozen=True)
class StoredRecording:
    id: str
    call_id: str
    operation_id: str
    content_type: str
    duration_seconds: float
    access_token: str
    token_expires_at: float
    created_at: float
    content: bytes


class RecordingRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, recording: StoredRecording) -> None:
        self._conn.execute(
            tables.recordings.insert().values(
                id=recording.id,
                call_id=recording.call_id,
                operation_id=recording.operation_id,
                content_type=recording.content_type,
                duration_seconds=recording.duration_seconds,
                access_token=recording.access_token,
                token_expires_at=recording.token_expires_at,
                created_at=recording.created_at,
                content=recording.content,
            )
        )

    def get(self, recording_id: str) -> StoredRecording | None:
        row = (
            self._conn.execute(
                select(tables.recordings).where(tables.recordings.c.id == recording_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return StoredRecording(**{**row, "content": bytes(row["content"])})
