"""UCWA's state beside a Graph meeting: typed, and its stored form (no store, no HTTP)."""

from __future__ import annotations

from callboard.domain.ucwa_state import Extension, UcwaState, digest_id


def test_state_round_trips_through_its_stored_document() -> None:
    state = UcwaState(
        online_meeting_id="ABCDEFGH",
        put_property="x0123456789",
        assigned=True,
        access_level="Locked",
        automatic_leader_assignment="Everyone",
        phone_user_admission="Enabled",
        description="Notes",
        extensions=[Extension("e1", "RoamedOrganizerData")],
    )
    document = state.to_document()
    assert document == {
        "onlineMeetingId": "ABCDEFGH",
        "putProperty": "x0123456789",
        "accessLevel": "Locked",
        "automaticLeaderAssignment": "Everyone",
        "phoneUserAdmission": "Enabled",
        "description": "Notes",
        "assigned": True,
        "extensions": [{"id": "e1", "type": "RoamedOrganizerData"}],
    }
    assert UcwaState.parse(document) == state
    # Never written through UCWA: nothing stored, every value derived or defaulted.
    assert UcwaState.parse(None) == UcwaState()
    assert UcwaState().to_document() == {"extensions": []}


def test_digest_ids_ignore_key_order() -> None:
    assert digest_id({"a": 1, "b": 2}) == digest_id({"b": 2, "a": 1})
    assert digest_id({"a": 1}) != digest_id({"a": 2})
