"""Change-notification subscriptions (Graph's ``subscription`` resource) and their rules.

Which resources a subscription may watch, which change types each allows, and how far in
the future it may expire follow Graph's *subscription* resource page and *Change
notifications for call records*: call records allow ``created`` and ``updated`` and live
at most 4,230 minutes; expiration is renewed with PATCH.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from callboard.errors import AccessDenied, BadRequest

CALL_RECORDS = "communications/callRecords"
PRESENCES = "communications/presences"

# resource -> (change types it supports, maximum lifetime in minutes, permissions)
_RESOURCES: dict[str, tuple[frozenset[str], int, tuple[str, ...]]] = {
    CALL_RECORDS: (frozenset({"created", "updated"}), 4230, ("CallRecords.Read.All",)),
    # Graph's presence subscriptions: updated only, at most an hour, delegated or application.
    PRESENCES: (frozenset({"updated"}), 60, ("Presence.Read.All",)),
}
_DELEGATED_ALLOWED = frozenset({PRESENCES})
_PRESENCE_ONE = re.compile(r"communications/presences/([^/?]+)", re.IGNORECASE)
_PRESENCE_MANY = re.compile(r"communications/presences\?\$filter=id\s+in\s+\((.*)\)", re.IGNORECASE)
MAX_PRESENCE_IDS = 650


def parse_resource(resource: str) -> tuple[str, tuple[str, ...]]:
    """The canonical resource and the ids it names: ``/communications/presences/{id}`` and
    ``/communications/presences?$filter=id in ('a','b')`` watch those users' presence."""
    text = resource.strip().lstrip("/")
    one = _PRESENCE_ONE.fullmatch(text)
    if one:
        return PRESENCES, (one.group(1).strip("'"),)
    many = _PRESENCE_MANY.fullmatch(text)
    if many:
        ids = tuple(part.strip().strip("'\"") for part in many.group(1).split(","))
        if not all(ids) or len(ids) > MAX_PRESENCE_IDS:
            raise BadRequest(
                f"The presence filter must name between 1 and {MAX_PRESENCE_IDS} user ids."
            )
        return PRESENCES, ids
    records = _RECORDS_FILTERED.fullmatch(text)
    if records:
        return CALL_RECORDS, _participant_ids(records.group(1))
    return canonical_resource(resource), ()


# ``communications/callRecords?$filter=participants/any(p:p/id eq '{id}')``, ``… in ('a','b')``
# and such clauses joined by ``or``: records of calls any of these Entra users took part in.
_RECORDS_FILTERED = re.compile(r"communications/callRecords\?\$filter=(.+)", re.IGNORECASE)
_PARTICIPANT_CLAUSE = re.compile(
    r"participants/any\(\s*(\w+)\s*:\s*\1/id\s+(?:eq\s+'[^']+'|in\s+\(\s*'[^']+'"
    r"(?:\s*,\s*'[^']+')*\s*\))\s*\)",
    re.IGNORECASE,
)


def _participant_ids(expression: str) -> tuple[str, ...]:
    clauses = _PARTICIPANT_CLAUSE.findall(expression)
    rest = _PARTICIPANT_CLAUSE.sub("", expression)
    if not clauses or re.sub(r"\s+or\s+", "", f" {rest} ", flags=re.IGNORECASE).strip():
        raise BadRequest(
            "A callRecords subscription can filter only by participants' ids: "
            "participants/any(p:p/id eq '{id}'), or in ('{id}', …), joined by or."
        )
    ids = tuple(dict.fromkeys(re.findall(r"'([^']+)'", expression)))
    if len(ids) > MAX_PRESENCE_IDS:
        raise BadRequest(f"A callRecords filter can name at most {MAX_PRESENCE_IDS} ids.")
    return ids


KNOWN_CHANGE_TYPES = frozenset({"created", "updated", "deleted"})
CLIENT_STATE_MAX = 128
TLS_VERSIONS = ("v1_0", "v1_1", "v1_2", "v1_3")


def canonical_resource(resource: str) -> str:
    """``/communications/callRecords`` and ``communications/callRecords`` are one resource;
    the subscription keeps the spelling the client sent."""
    key = resource.strip().strip("/")
    for known in _RESOURCES:
        if key.lower() == known.lower():
            return known
    raise BadRequest(f"The resource '{resource}' is not supported for subscriptions.")


def parse_change_types(value: str, resource: str) -> tuple[str, ...]:
    """``"created,updated"`` as a tuple, each checked against what ``resource`` supports."""
    kinds = tuple(part.strip() for part in value.split(","))
    allowed = _RESOURCES[resource][0]
    for kind in kinds:
        if kind not in KNOWN_CHANGE_TYPES:
            raise BadRequest(f"'{kind}' is not a valid changeType: use created, updated, deleted.")
        if kind not in allowed:
            raise BadRequest(
                f"changeType '{kind}' is not supported for the resource '{resource}'; "
                f"supported: {', '.join(sorted(allowed))}."
            )
    if len(set(kinds)) != len(kinds):
        raise BadRequest(f"changeType '{value}' names a change type twice.")
    return kinds


def check_expiration(resource: str, expiration: float, now: float) -> None:
    if expiration <= now:
        raise BadRequest("Subscription expiration must be in the future.")
    limit = _RESOURCES[resource][1]
    if expiration > now + limit * 60:
        raise BadRequest(
            f"Subscription expiration can only be {limit} minutes in the future "
            f"for the resource '{resource}'."
        )


def require_permission(resource: str, permissions: frozenset[str], app_only: bool) -> None:
    needed = _RESOURCES[resource][2]
    if not app_only and resource not in _DELEGATED_ALLOWED:
        raise AccessDenied(
            f"Subscriptions to '{resource}' need an application token; delegated "
            "permissions are not supported."
        )
    if not permissions.intersection(needed):
        raise AccessDenied(
            f"The application needs one of these permissions to subscribe to '{resource}': "
            f"{', '.join(needed)}."
        )


@dataclass(frozen=True)
class Subscription:
    id: str
    tenant_id: str
    app_id: str
    # As the client spelled it (echoed), and its canonical key (matched against changes).
    resource: str
    resource_key: str
    change_types: tuple[str, ...]
    notification_url: str
    expiration: float
    client_state: str | None = None
    lifecycle_notification_url: str | None = None
    latest_supported_tls_version: str = "v1_2"
    include_resource_data: bool = False
    encryption_certificate: str | None = None
    encryption_certificate_id: str | None = None
    notification_query_options: str | None = None
    notification_url_app_id: str | None = None
    creator_id: str | None = None
    created_at: float = 0.0
    # The users a presence subscription watches.
    resource_ids: tuple[str, ...] = ()

    def is_expired(self, now: float) -> bool:
        return self.expiration <= now

    def renewed(
        self, *, expiration: float | None, notification_url: str | None, now: float
    ) -> Subscription:
        """PATCH: a new expiration (checked as on create) and/or notification URL."""
        if expiration is not None:
            check_expiration(self.resource_key, expiration, now)
        return replace(
            self,
            expiration=self.expiration if expiration is None else expiration,
            notification_url=notification_url or self.notification_url,
        )

    def wants(self, resource_key: str, change_type: str, now: float, *ids: str) -> bool:
        """Whether a change of ``change_type`` to ``resource_key`` concerning ``ids`` (a
        presence's user, a record's participants) reaches this subscription."""
        return (
            not self.is_expired(now)
            and self.resource_key == resource_key
            and change_type in self.change_types
            and (not self.resource_ids or bool(set(ids) & set(self.resource_ids)))
        )


@dataclass(frozen=True)
class SubscriptionRequest:
    """What a client asks for in ``POST /subscriptions`` (shapes already checked)."""

    resource: str
    change_type: str
    notification_url: str
    expiration: float
    client_state: str | None = None
    lifecycle_notification_url: str | None = None
    latest_supported_tls_version: str | None = None
    include_resource_data: bool = False
    encryption_certificate: str | None = None
    encryption_certificate_id: str | None = None
    notification_query_options: str | None = None
    notification_url_app_id: str | None = None


def subscribe(
    request: SubscriptionRequest,
    *,
    id: str,
    tenant_id: str,
    app_id: str,
    creator_id: str | None,
    now: float,
) -> Subscription:
    """A new subscription, every documented rule checked (the endpoint handshake is not a
    domain rule: the service runs it before saving)."""
    key, resource_ids = parse_resource(request.resource)
    kinds = parse_change_types(request.change_type, key)
    check_expiration(key, request.expiration, now)
    if request.client_state is not None and len(request.client_state) > CLIENT_STATE_MAX:
        raise BadRequest(f"clientState can be at most {CLIENT_STATE_MAX} characters long.")
    tls = request.latest_supported_tls_version or "v1_2"
    if tls not in TLS_VERSIONS:
        raise BadRequest(f"latestSupportedTlsVersion must be one of {', '.join(TLS_VERSIONS)}.")
    if request.include_resource_data and not (
        request.encryption_certificate and request.encryption_certificate_id
    ):
        raise BadRequest(
            "includeResourceData needs encryptionCertificate and encryptionCertificateId."
        )
    return Subscription(
        id=id,
        tenant_id=tenant_id,
        app_id=app_id,
        resource=request.resource,
        resource_key=key,
        change_types=kinds,
        notification_url=request.notification_url,
        expiration=request.expiration,
        client_state=request.client_state,
        lifecycle_notification_url=request.lifecycle_notification_url,
        latest_supported_tls_version=tls,
        include_resource_data=request.include_resource_data,
        encryption_certificate=request.encryption_certificate,
        encryption_certificate_id=request.encryption_certificate_id,
        notification_query_options=request.notification_query_options,
        notification_url_app_id=request.notification_url_app_id,
        creator_id=creator_id,
        created_at=now,
        resource_ids=resource_ids,
    )
