"""A call's media document is what ``dataclasses.asdict`` would write, field for field."""

from __future__ import annotations

from dataclasses import asdict

from callboard.domain.call_media import (
    ActiveRecording,
    CallMedia,
    DtmfEntry,
    RecordingRef,
    Speech,
    StateChange,
)


def test_to_document_is_asdict() -> None:
    media = CallMedia(
        history=[StateChange("establishing", 1.0), StateChange("established")],
        dtmf=[DtmfEntry("received", "p1", "12#", 2.0)],
        tone_sequence=3,
        speech=[Speech("p1", 1.0, 2.5), Speech("p2", 3.0, 4.0, wav="UklGRg==")],
        recording=ActiveRecording("op", 1.0, 5.0, 2.0, 30.0, ("#", "1"), "http://h/v1.0"),
        recordings=[RecordingRef("r1", "op0", 2.5, 9.0)],
        held_by="p2",
    )
    for value in (media, CallMedia()):
        document = value.to_document()
        assert document == asdict(value)
        assert list(document) == list(asdict(value))
        assert CallMedia.from_document(document) == value
