"""UCWA applications: the only SQL for the UCWA face (meetings live in ``online_meetings``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from callboard.json_types import JsonObject
from callboard.store import tables


class UcwaApplicationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self, app_id: str, tenant_id: str, user_id: str, document: JsonObject, now: float
    ) -> None:
        self._conn.execute(
            tables.ucwa_applications.insert().values(
                id=app_id,
                tenant_id=tenant_id,
                user_id=user_id,
                endpoint_id=str(document["endpointId"]),
                created_at=now,
                document=document,
            )
        )

    def get(self, app_id: str) -> JsonObject | None:
        row = (
            self._conn.execute(
                select(tables.ucwa_applications).where(tables.ucwa_applications.c.id == app_id)
            )
            .mappings()
            .first()
        )
        return None if row is None else _doc(row)

    def find(self, tenant_id: str, user_id: str, endpoint_id: str) -> JsonObject | None:
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
        return None if row is None else _doc(row)


def _doc(row: Any) -> JsonObject:
    return {
        **row["document"],
        "id": row["id"],
        "tenantId": row["tenant_id"],
        "userId": row["user_id"],
    }
