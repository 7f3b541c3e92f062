"""UCWA applications: the only SQL for the UCWA face (meetings live in ``online_meetings``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from callboard.domain.ucwa_applications import ApplicationRequest, UcwaApplication
from callboard.store import tables


class UcwaApplicationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, app: UcwaApplication, now: float) -> None:
        self._conn.execute(
            tables.ucwa_applications.insert().values(
                id=app.id,
                tenant_id=app.tenant_id,
                user_id=app.user_id,
                endpoint_id=app.request.endpoint_id,
                created_at=now,
                document=app.request.to_document(),
            )
        )

    def get(self, app_id: str) -> UcwaApplication | None:
        row = (
            self._conn.execute(
                select(tables.ucwa_applications).where(tables.ucwa_applications.c.id == app_id)
            )
            .mappings()
            .first()
        )
        return None if row is None else _application(row)

    def find(self, tenant_id: str, user_id: str, endpoint_id: str) -> UcwaApplication | None:
        a = tables.ucwa_applications.c
        row = (
            self._conn.execute(
                select(tables.ucwa_applications).where(
                    a.tenant_id == tenant_id, a.user_id == user_id, a.endpoint_id == endpoint_id
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else _application(row)


def _application(row: Any) -> UcwaApplication:
    """The one reading of a stored application."""
    return UcwaApplication(
        id=row["id"],
        tenant_id=row["tenant_id"],
        user_id=row["user_id"],
        request=ApplicationRequest.parse(row["document"]),
    )
