"""UCWA applications in the store: one row per application, found by id or by endpoint."""

from __future__ import annotations

from sqlalchemy import Engine

from callboard.domain.ucwa_applications import ApplicationRequest, UcwaApplication
from callboard.store.ucwa import UcwaApplicationRepository

REQUEST = ApplicationRequest(culture="en-US", endpoint_id="ep-1", user_agent="t/1")


def test_add_get_and_find(engine: Engine) -> None:
    with engine.begin() as conn:
        UcwaApplicationRepository(conn).add(UcwaApplication("101", "t1", "u1", REQUEST), 5.0)
    with engine.connect() as conn:
        apps = UcwaApplicationRepository(conn)
        stored = UcwaApplication("101", "t1", "u1", REQUEST)
        assert apps.get("101") == stored
        assert apps.get("102") is None
        assert apps.find("t1", "u1", "ep-1") == stored
        assert apps.find("t1", "u1", "ep-2") is None
        assert apps.find("t1", "u2", "ep-1") is None  # another user's endpoint
        assert apps.find("t2", "u1", "ep-1") is None
