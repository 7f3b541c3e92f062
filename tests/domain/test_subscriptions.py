"""Subscription rules, without I/O."""

from __future__ import annotations

import pytest

from callboard.domain.subscriptions import (
    CALL_RECORDS,
    SubscriptionRequest,
    canonical_resource,
    require_permission,
    subscribe,
)
from callboard.errors import AccessDenied, BadRequest

NOW = 1_700_000_000.0


def request(**overrides: object) -> SubscriptionRequest:
    values: dict[str, object] = {
        "resource": "communications/callRecords",
        "change_type": "created",
        "notification_url": "https://bot.contoso.com/notify",
        "expiration": NOW + 3600,
    }
    values.update(overrides)
    return SubscriptionRequest(**values)  # type: ignore[arg-type]


def make(**overrides: object):  # type: ignore[no-untyped-def]
    return subscribe(
        request(**overrides), id="s1", tenant_id="t", app_id="a", creator_id="a", now=NOW
    )


@pytest.mark.parametrize(
    "spelling",
    ["communications/callRecords", "/communications/callRecords", "/Communications/CallRecords/"],
)
def test_resource_spellings_are_one_resource(spelling: str) -> None:
    assert canonical_resource(spelling) == CALL_RECORDS
    subscription = make(resource=spelling)
    assert subscription.resource == spelling  # echoed as sent
    assert subscription.resource_key == CALL_RECORDS


def test_unknown_resource() -> None:
    with pytest.raises(BadRequest, match="not supported"):
        canonical_resource("communications/calls")


def test_expiration_window_is_4230_minutes() -> None:
    assert make(expiration=NOW + 4230 * 60).expiration == NOW + 4230 * 60
    with pytest.raises(BadRequest, match="4230 minutes"):
        make(expiration=NOW + 4230 * 60 + 1)
    with pytest.raises(BadRequest, match="future"):
        make(expiration=NOW)


def test_renewal_checks_the_window_from_now() -> None:
    subscription = make()
    later = NOW + 4000 * 60
    renewed = subscription.renewed(expiration=later + 3000 * 60, notification_url=None, now=later)
    assert renewed.expiration == later + 3000 * 60
    assert renewed.notification_url == subscription.notification_url
    with pytest.raises(BadRequest):
        subscription.renewed(expiration=later + 5000 * 60, notification_url=None, now=later)


def test_who_hears_a_change() -> None:
    subscription = make(change_type="created,updated")
    assert subscription.wants(CALL_RECORDS, "updated", NOW)
    assert not subscription.wants(CALL_RECORDS, "deleted", NOW)
    assert not subscription.wants("communications/presences", "created", NOW)
    assert not subscription.wants(CALL_RECORDS, "created", NOW + 3600)  # expired


def test_permissions() -> None:
    require_permission(CALL_RECORDS, frozenset({"CallRecords.Read.All"}), app_only=True)
    with pytest.raises(AccessDenied, match="CallRecords.Read.All"):
        require_permission(CALL_RECORDS, frozenset({"Calls.Initiate.All"}), app_only=True)
    with pytest.raises(AccessDenied, match="application token"):
        require_permission(CALL_RECORDS, frozenset({"CallRecords.Read.All"}), app_only=False)
