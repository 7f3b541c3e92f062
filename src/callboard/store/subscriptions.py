"""Change-notification subscriptions: key columns for lookups, the rest as a JSON document."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select

from callboard.domain.subscriptions import Subscription
from callboard.json_types import JsonObject
from callboard.store import tables

_KEY_COLUMNS = ("id", "tenant_id", "app_id", "resource_key", "expiration", "created_at")

# Built once (store/calls.py says why): every presence change looks for its watchers.
_WATCHING = (
    select(tables.subscriptions)
    .where(
        tables.subscriptions.c.tenant_id == bindparam("tenant_id"),
        tables.subscriptions.c.expiration > bindparam("now"),
        tables.subscriptions.c.resource_key == bindparam("resource_key"),
    )
    .order_by(tables.subscriptions.c.created_at, tables.subscriptions.c.id)
)


def _document(subscription: Subscription) -> JsonObject:
    fields = dataclasses.asdict(subscription)
    document = {k: v for k, v in fields.items() if k not in _KEY_COLUMNS}
    document["change_types"] = list(subscription.change_types)
    document["resource_ids"] = list(subscription.resource_ids)
    return document


def _subscription(row: RowMapping) -> Subscription:
    document = dict(row["document"])
    document["change_types"] = tuple(document["change_types"])
    document["resource_ids"] = tuple(document.get("resource_ids") or ())
    keys = {k: row[k] for k in _KEY_COLUMNS}
    return Subscription(**keys, **document)


class SubscriptionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, subscription: Subscription) -> None:
        self._conn.execute(
            tables.subscriptions.insert().values(
                **{k: getattr(subscription, k) for k in _KEY_COLUMNS},
                document=_document(subscription),
            )
        )

    def save(self, subscription: Subscription) -> None:
        table = tables.subscriptions
        self._conn.execute(
            table.update()
            .where(table.c.id == subscription.id)
            .values(expiration=subscription.expiration, document=_document(subscription))
        )

    def get(self, subscription_id: str) -> Subscription | None:
        table = tables.subscriptions
        row = self._conn.execute(select(table).where(table.c.id == subscription_id))
        found = row.mappings().first()
        return None if found is None else _subscription(found)

    def delete(self, subscription_id: str) -> bool:
        table = tables.subscriptions
        result = self._conn.execute(table.delete().where(table.c.id == subscription_id))
        return result.rowcount > 0

    def of_app(self, tenant_id: str, app_id: str, now: float) -> list[Subscription]:
        """The app's live subscriptions in the tenant, oldest first."""
        return self._live(now, tables.subscriptions.c.app_id == app_id, tenant_id=tenant_id)

    def watching(self, tenant_id: str, resource_key: str, now: float) -> list[Subscription]:
        """Live subscriptions of a tenant on one resource (who hears about a change)."""
        rows = self._conn.execute(
            _WATCHING, {"tenant_id": tenant_id, "now": now, "resource_key": resource_key}
        )
        return [_subscription(r) for r in rows.mappings()]

    def _live(self, now: float, condition: Any, *, tenant_id: str) -> list[Subscription]:
        table = tables.subscriptions
        rows = self._conn.execute(
            select(table)
            .where(table.c.tenant_id == tenant_id, table.c.expiration > now, condition)
            .order_by(table.c.created_at, table.c.id)
        )
        return [_subscription(r) for r in rows.mappings()]
