"""``/subscriptions``: create (with Graph's endpoint validation), get, list, renew, delete.

A subscription is visible only to the application that created it, in its tenant: any
other caller is told it does not exist (404), as for every other Graph resource here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from callboard.domain.subscriptions import (
    Subscription,
    SubscriptionRequest,
    require_permission,
    subscribe,
)
from callboard.errors import ItemNotFound, SubscriptionValidationFailed
from callboard.gateways.endpoint_probe import ProbeAnswer, ProbeFailed, post_validation
from callboard.net import DestinationPolicy, host_of, is_loopback, rewrite
from callboard.services.calls import check_callback_uri
from callboard.services.change_notifications import arm_lifecycle
from callboard.services.runtime import Runtime
from callboard.tokens import Principal

# Graph waits this long for an endpoint to answer its validation request.
VALIDATION_TIMEOUT_SECONDS = 10.0

# (url, validation token, timeout seconds, destination policy) -> the endpoint's answer.
Probe = Callable[[str, str, float, DestinationPolicy], Awaitable[ProbeAnswer]]


async def create_subscription(
    rt: Runtime, principal: Principal, request: SubscriptionRequest, probe: Probe = post_validation
) -> Subscription:
    subscription = subscribe(
        request,
        id=rt.ids.new(),
        tenant_id=principal.tenant_id,
        app_id=principal.app_id,
        creator_id=principal.user_id or principal.app_id,
        now=rt.clock.now(),
    )
    require_permission(
        subscription.resource_key, principal.permissions, app_only=principal.is_app_only
    )
    await _validate_endpoints(rt, subscription, probe)
    with rt.uow() as uow:
        uow.subscriptions.add(subscription)
        arm_lifecycle(rt, uow, subscription)
        uow.commit()
    return subscription


def get_subscription(rt: Runtime, principal: Principal, subscription_id: str) -> Subscription:
    with rt.uow() as uow:
        return _load(uow.subscriptions.get(subscription_id), principal, uow.now, subscription_id)


def list_subscriptions(rt: Runtime, principal: Principal) -> list[Subscription]:
    with rt.uow() as uow:
        return uow.subscriptions.of_app(principal.tenant_id, principal.app_id, uow.now)


async def update_subscription(
    rt: Runtime,
    principal: Principal,
    subscription_id: str,
    *,
    expiration: float | None,
    notification_url: str | None,
    probe: Probe = post_validation,
) -> Subscription:
    """PATCH: renew (a new expirationDateTime) and/or move the notification URL, which is
    validated like a new one before anything is saved."""
    current = get_subscription(rt, principal, subscription_id)
    renewed = current.renewed(
        expiration=expiration, notification_url=notification_url, now=rt.clock.now()
    )
    if renewed.notification_url != current.notification_url:
        await _validate_endpoints(rt, renewed, probe, lifecycle=False)
    with rt.uow() as uow:
        # Deleted (or expired) while the endpoint was being asked: nothing to renew.
        _load(uow.subscriptions.get(subscription_id), principal, uow.now, subscription_id)
        uow.subscriptions.save(renewed)
        if renewed.expiration != current.expiration:
            arm_lifecycle(rt, uow, renewed)
        uow.commit()
    return renewed


def reauthorize_subscription(rt: Runtime, principal: Principal, subscription_id: str) -> None:
    """``POST /subscriptions/{id}/reauthorize``: the caller still holds the permission the
    subscription needs (its expiration does not move)."""
    subscription = get_subscription(rt, principal, subscription_id)
    require_permission(
        subscription.resource_key, principal.permissions, app_only=principal.is_app_only
    )


def delete_subscription(rt: Runtime, principal: Principal, subscription_id: str) -> None:
    with rt.uow() as uow:
        _load(uow.subscriptions.get(subscription_id), principal, uow.now, subscription_id)
        uow.subscriptions.delete(subscription_id)
        uow.commit()


def _load(
    found: Subscription | None, principal: Principal, now: float, subscription_id: str
) -> Subscription:
    if (
        found is None
        or found.tenant_id != principal.tenant_id
        or found.app_id != principal.app_id
        or found.is_expired(now)
    ):
        raise ItemNotFound(f"The subscription {subscription_id} does not exist.")
    return found


async def _validate_endpoints(
    rt: Runtime, subscription: Subscription, probe: Probe, *, lifecycle: bool = True
) -> None:
    urls = [("notificationUrl", subscription.notification_url)]
    if lifecycle and subscription.lifecycle_notification_url:
        urls.append(("lifecycleNotificationUrl", subscription.lifecycle_notification_url))
    for name, url in urls:
        check_callback_uri(rt, url, name)
        await _handshake(rt, url, probe)


async def _handshake(rt: Runtime, url: str, probe: Probe) -> None:
    """Graph POSTs ``?validationToken=<opaque text>`` and wants it back, as text/plain, with
    200, within 10 s; anything else fails the request with 400 ``ValidationError``."""
    settings = rt.settings
    target = rewrite(url, settings.callback_rewrites)
    host = host_of(target)
    if settings.callback_loopback_only and not is_loopback(host):
        raise SubscriptionValidationFailed(
            "Subscription validation request failed: the notification endpoint is not a "
            "loopback address and development mode delivers only to loopback."
        )
    token = (
        "Validation: Testing client application reachability for subscription Request-Id: "
        + rt.ids.new()
    )
    try:
        answer = await probe(target, token, VALIDATION_TIMEOUT_SECONDS, settings.destinations)
    except ProbeFailed as exc:
        if str(exc) == "timed out":
            raise SubscriptionValidationFailed(
                "Subscription validation request timed out."
            ) from None
        raise SubscriptionValidationFailed(
            f"Subscription validation request failed: the notification endpoint could not "
            f"be reached ({exc})."
        ) from None
    if answer.status != 200:
        raise SubscriptionValidationFailed(
            "Subscription validation request failed. Notification endpoint must respond with "
            f"200 OK to validation request (it answered {answer.status})."
        )
    if not answer.content_type.lower().startswith("text/plain") or answer.text != token:
        raise SubscriptionValidationFailed(
            "Subscription validation request failed. Response must exactly match "
            "validationToken query parameter, as text/plain."
        )
