"""UCWA applications in the store: one row per application, found by id or by endpoint."""

from __future__ import annotations

from sqlalchemy import Engine

from callboard.store.ucwa import UcwaApplicationRepository

DOCUMENT = {"culture": "en-US", "endpointId": "ep-1", "instanceId": None, "userAgent": "t/1"}


def test_add_get_and_find(engine: Engine) -> None:
    with engine.begin() as conn:
        UcwaApplicationRepository(conn).add("101", "t1", "u1", DOCUMENT, 5.0)
    with engine.connect() as conn:
        apps = UcwaApplicationRepository(conn)
        stored = {**DOCUMENT, "id": "101", "tenantId": "t1", "userId": "u1"}
        assert apps.get("101") == stored
        assert apps.get("102") is None
        assert apps.find("t1", "u1", "ep-1") == stored
        assert apps.find("t1", "u1", "ep-2") is None
        assert apps.find("t1", "u2", "ep-1") is None  # another user's endpoint
        assert apps.find("t2", "u1", "ep-1") is None
