"""Change notifications to ``/subscriptions`` subscribers, and their lifecycle notifications.

Each notification is a ``webhook.deliver`` job written in the transaction of the change it
announces, FIFO per subscription. Lifecycle notifications follow Graph's *Reduce missing
subscriptions and change notifications* page: ``reauthorizationRequired`` before a
subscription expires, ``subscriptionRemoved`` when it does (both to
``lifecycleNotificationUrl``, only when the subscription has one); each is a
``subscription.lifecycle`` timer armed when the subscription is created or renewed.
"""

from __future__ import annotations

from callboard.clock import iso
from callboard.domain.subscriptions import CALL_RECORDS, PRESENCES, Subscription
from callboard.json_types import JsonObject
from callboard.services.notifications import WEBHOOK_DELIVER
from callboard.services.runtime import Runtime
from callboard.store.jobs import NewJob
from callboard.store.uow import UnitOfWork

SUBSCRIPTION_LIFECYCLE = "subscription.lifecycle"
# reauthorizationRequired goes out this long before expiry (half the lifetime when shorter).
REAUTHORIZE_BEFORE_SECONDS = 60 * 60.0


def _deliver(
    rt: Runtime, uow: UnitOfWork, subscription: Subscription, url: str, item: JsonObject
) -> None:
    notification = {
        "subscriptionId": subscription.id,
        "subscriptionExpirationDateTime": iso(subscription.expiration),
        "tenantId": subscription.tenant_id,
        "clientState": subscription.client_state,
        **item,
    }
    uow.schedule(
        NewJob(
            kind=WEBHOOK_DELIVER,
            payload={
                "url": url,
                "body": {"value": [notification]},
                "appId": subscription.app_id,
                "tenantId": subscription.tenant_id,
                "callId": None,
                "callChainId": None,
            },
            run_at=uow.now,
            ordering_key=f"subscription:{subscription.id}",
            max_attempts=rt.settings.webhook_max_attempts,
        )
    )


def call_record_created(
    rt: Runtime, uow: UnitOfWork, tenant_id: str, record_id: str, participants: tuple[str, ...]
) -> int:
    """A new record, to each live subscription on call records in the tenant: ``created``,
    or ``updated`` to one that asked for updates only (Graph's *change notifications for
    call records*: an update subscription hears of a record first seen too). How many."""
    told = 0
    resource = f"communications/callRecords/{record_id}"
    for subscription in uow.subscriptions.watching(tenant_id, CALL_RECORDS, uow.now):
        kinds = [
            k
            for k in ("created", "updated")
            if subscription.wants(CALL_RECORDS, k, uow.now, *participants)
        ]
        if not kinds:
            continue
        _deliver(
            rt,
            uow,
            subscription,
            subscription.notification_url,
            {
                "changeType": kinds[0],
                "resource": resource,
                # Spelled as in Graph's example notification.
                "resourceData": {
                    "@odata.type": "#Microsoft.Graph.callrecord",
                    "@odata.id": resource,
                    "id": record_id,
                },
            },
        )
        told += 1
    return told


def presence_changed(rt: Runtime, uow: UnitOfWork, tenant_id: str, user_id: str) -> None:
    """``updated`` to each live presence subscription that watches the user."""
    for subscription in uow.subscriptions.watching(tenant_id, PRESENCES, uow.now):
        if not subscription.wants(PRESENCES, "updated", uow.now, user_id):
            continue
        resource = f"communications/presences('{user_id}')"
        _deliver(
            rt,
            uow,
            subscription,
            subscription.notification_url,
            {
                "changeType": "updated",
                "resource": resource,
                "resourceData": {
                    "@odata.type": "#microsoft.graph.presence",
                    "@odata.id": resource,
                    "id": user_id,
                },
            },
        )


# -- lifecycle ----------------------------------------------------------------------------


def arm_lifecycle(rt: Runtime, uow: UnitOfWork, subscription: Subscription) -> None:
    """The lifecycle timers of a subscription with a lifecycleNotificationUrl. A renewal arms
    new ones; the earlier ones find the expiration moved on and do nothing."""
    if not subscription.lifecycle_notification_url:
        return
    remaining = subscription.expiration - uow.now
    warn_at = subscription.expiration - min(REAUTHORIZE_BEFORE_SECONDS, remaining / 2)
    for event, run_at in (
        ("reauthorizationRequired", warn_at),
        ("subscriptionRemoved", subscription.expiration),
    ):
        uow.schedule(
            NewJob(
                kind=SUBSCRIPTION_LIFECYCLE,
                payload={
                    "subscriptionId": subscription.id,
                    "event": event,
                    "expiration": subscription.expiration,
                },
                run_at=run_at,
                max_attempts=10,
            )
        )


def run_lifecycle(rt: Runtime, payload: JsonObject, job_id: int) -> None:
    """The ``subscription.lifecycle`` job: tell the lifecycle endpoint, unless the
    subscription was deleted or renewed since the timer was armed."""
    with rt.uow() as uow:
        subscription = uow.subscriptions.get(payload["subscriptionId"])
        if (
            subscription is not None
            and subscription.expiration == payload["expiration"]
            and subscription.lifecycle_notification_url
        ):
            _deliver(
                rt,
                uow,
                subscription,
                subscription.lifecycle_notification_url,
                {"lifecycleEvent": payload["event"]},
            )
            if payload["event"] == "subscriptionRemoved":
                uow.subscriptions.delete(subscription.id)
        uow.jobs.finish([job_id], uow.now)
        uow.commit()
