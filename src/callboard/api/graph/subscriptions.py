"""``/subscriptions``: change-notification subscriptions (parse, one service call, render)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from callboard.api.deps import PrincipalDep, RuntimeDep, graph_root
from callboard.api.responses import json_response
from callboard.clock import iso
from callboard.domain.subscriptions import Subscription, SubscriptionRequest
from callboard.json_types import JsonObject
from callboard.services import subscriptions

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])


def _timestamp(value: datetime) -> float:
    # A time without an offset is UTC, as Graph reads it.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


class SubscriptionCreate(BaseModel):
    """``POST /subscriptions`` (Graph's ``subscription`` entity: not an open type, so
    properties it does not declare are ignored)."""

    model_config = ConfigDict(extra="ignore")

    changeType: str = Field(min_length=1)
    notificationUrl: str = Field(min_length=1)
    resource: str = Field(min_length=1)
    expirationDateTime: datetime
    clientState: str | None = None
    lifecycleNotificationUrl: str | None = None
    latestSupportedTlsVersion: str | None = None
    includeResourceData: bool = False
    encryptionCertificate: str | None = None
    encryptionCertificateId: str | None = None
    notificationQueryOptions: str | None = None
    notificationUrlAppId: str | None = None

    def to_request(self) -> SubscriptionRequest:
        return SubscriptionRequest(
            resource=self.resource,
            change_type=self.changeType,
            notification_url=self.notificationUrl,
            expiration=_timestamp(self.expirationDateTime),
            client_state=self.clientState,
            lifecycle_notification_url=self.lifecycleNotificationUrl,
            latest_supported_tls_version=self.latestSupportedTlsVersion,
            include_resource_data=self.includeResourceData,
            encryption_certificate=self.encryptionCertificate,
            encryption_certificate_id=self.encryptionCertificateId,
            notification_query_options=self.notificationQueryOptions,
            notification_url_app_id=self.notificationUrlAppId,
        )


class SubscriptionUpdate(BaseModel):
    """``PATCH /subscriptions/{id}``: renew, or move the notification URL."""

    model_config = ConfigDict(extra="ignore")

    expirationDateTime: datetime | None = None
    notificationUrl: str | None = Field(default=None, min_length=1)


def render_subscription(subscription: Subscription) -> JsonObject:
    return {
        "id": subscription.id,
        "resource": subscription.resource,
        "applicationId": subscription.app_id,
        "changeType": ",".join(subscription.change_types),
        "clientState": subscription.client_state,
        "notificationUrl": subscription.notification_url,
        "notificationQueryOptions": subscription.notification_query_options,
        "lifecycleNotificationUrl": subscription.lifecycle_notification_url,
        "expirationDateTime": iso(subscription.expiration),
        "creatorId": subscription.creator_id,
        "includeResourceData": subscription.include_resource_data,
        "latestSupportedTlsVersion": subscription.latest_supported_tls_version,
        "encryptionCertificate": subscription.encryption_certificate,
        "encryptionCertificateId": subscription.encryption_certificate_id,
        "notificationUrlAppId": subscription.notification_url_app_id,
    }


def _entity(request: Request, subscription: Subscription) -> JsonObject:
    context = f"{graph_root(request)}/$metadata#subscriptions/$entity"
    return {"@odata.context": context, **render_subscription(subscription)}


@router.post("", status_code=201, summary="create subscription")
async def create_subscription(
    request: Request, body: SubscriptionCreate, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    subscription = await subscriptions.create_subscription(rt, principal, body.to_request())
    return json_response(_entity(request, subscription), 201)


@router.get("", summary="list subscriptions")
async def list_subscriptions(request: Request, rt: RuntimeDep, principal: PrincipalDep) -> Response:
    found = subscriptions.list_subscriptions(rt, principal)
    return json_response(
        {
            "@odata.context": f"{graph_root(request)}/$metadata#subscriptions",
            "value": [render_subscription(s) for s in found],
        }
    )


@router.get("/{subscription_id}", summary="get subscription")
async def get_subscription(
    request: Request, subscription_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    subscription = subscriptions.get_subscription(rt, principal, subscription_id)
    return json_response(_entity(request, subscription))


@router.patch("/{subscription_id}", summary="update subscription")
async def update_subscription(
    request: Request,
    subscription_id: str,
    body: SubscriptionUpdate,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    expiration = body.expirationDateTime
    subscription = await subscriptions.update_subscription(
        rt,
        principal,
        subscription_id,
        expiration=None if expiration is None else _timestamp(expiration),
        notification_url=body.notificationUrl,
    )
    return json_response(_entity(request, subscription))


@router.delete("/{subscription_id}", status_code=204, summary="delete subscription")
async def delete_subscription(
    subscription_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    subscriptions.delete_subscription(rt, principal, subscription_id)
    return Response(status_code=204)


@router.post("/{subscription_id}/reauthorize", status_code=204, summary="reauthorize subscription")
async def reauthorize_subscription(
    subscription_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    subscriptions.reauthorize_subscription(rt, principal, subscription_id)
    return Response(status_code=204)
