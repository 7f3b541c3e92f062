"""Incoming calls: placed by a simulated caller (admin API), then answered, rejected or
redirected by the application (``/communications/calls/{id}/answer|reject|redirect``)."""

from __future__ import annotations

from typing import Any

from callboard.domain.calls import Call, IncomingOffer
from callboard.domain.identities import IdentityKind, application_identity_set, user_identity_set
from callboard.domain.invitations import InvitationTarget
from callboard.domain.phone_numbers import require_e164
from callboard.errors import BadRequest, ItemNotFound
from callboard.json_types import JsonObject
from callboard.services import simulation, transfers
from callboard.services.calls import (
    ACCESS_MEDIA,
    ANY_CALLS_PERMISSION,
    INITIATE,
    check_callback_uri,
    load_call,
    require_any,
    require_app,
)
from callboard.services.runtime import Runtime
from callboard.tokens import Principal


def place_incoming_call(rt: Runtime, request: JsonObject) -> Call:
    """A simulated user or phone calls an application (or its instance's number)."""
    tenant_id = request.get("tenantId")
    to_app = request.get("toAppId")
    to_instance = request.get("toApplicationInstanceId")
    with rt.uow() as uow:
        directory = rt.directory(uow)
        if tenant_id not in directory.tenants:
            raise BadRequest(f"Unknown tenant {tenant_id!r}.")
        if to_instance:
            instance = directory.instance(tenant_id, to_instance)
            if instance is None:
                raise BadRequest(f"Unknown application instance {to_instance!r}.")
            if to_app and to_app != instance.app_id:
                raise BadRequest(
                    f"The application instance {to_instance} belongs to application "
                    f"{instance.app_id}, not {to_app}."
                )
            to_app = instance.app_id
            callee = application_identity_set(
                IdentityKind.APPLICATION_INSTANCE, instance.id, instance.display_name
            )
        else:
            callee = None
        app = directory.applications.get(to_app or "")
        if app is None or tenant_id not in app.tenants:
            raise BadRequest(f"Unknown application {to_app!r} in tenant {tenant_id}.")
        if not app.calling_webhook_url:
            raise BadRequest(f"The application {app.app_id} has no callingWebhookUrl.")
        if callee is None:
            callee = application_identity_set(
                IdentityKind.APPLICATION, app.app_id, app.display_name
            )
        caller = _caller_identity(directory, tenant_id, request)
        call_id = rt.ids.new()
        offer = IncomingOffer(
            callback_uri=app.calling_webhook_url,
            caller=caller,
            callee=callee,
            modalities=request.get("requestedModalities") or ["audio"],
            call_chain_id=rt.ids.new(),
            my_participant_id=rt.ids.new(),
            subject=request.get("subject"),
        )
        call = Call.offer_incoming(
            offer,
            id=call_id,
            tenant_id=tenant_id,
            app_id=app.app_id,
            api_version=request.get("apiVersion", "v1.0"),
            now=uow.now,
        )
        if request.get("hangUpAfterSeconds") is not None:
            call.caller_hang_up_after_seconds = float(request["hangUpAfterSeconds"])
        uow.add_call(call)
        simulation.schedule(
            rt, uow, call, "incomingTimeout", delay=rt.settings.incoming_answer_timeout_seconds
        )
        simulation.arm_keep_alive(rt, uow, call)
        uow.commit()
    return call


def _caller_identity(directory: Any, tenant_id: str, request: JsonObject) -> JsonObject:
    if request.get("fromPhone") and request.get("fromUserId"):
        raise BadRequest("Give fromUserId or fromPhone, not both.")
    if request.get("fromPhone"):
        number = require_e164(request["fromPhone"], "fromPhone")
        return {
            "@odata.type": "#microsoft.graph.identitySet",
            "phone": {"@odata.type": "#microsoft.graph.identity", "id": number},
        }
    user = directory.user(tenant_id, request.get("fromUserId") or "")
    if user is None:
        raise BadRequest("fromUserId must name a user of the tenant (or give fromPhone).")
    return user_identity_set(user, identity_provider=None)


def _load_incoming(rt: Runtime, uow: Any, principal: Principal, call_id: str) -> Call:
    call = load_call(uow, principal, call_id)
    if call.direction != "incoming":
        raise BadRequest("Only incoming calls can be answered, rejected or redirected.")
    return call


def answer_call(
    rt: Runtime,
    principal: Principal,
    call_id: str,
    *,
    callback_uri: str,
    media_config: JsonObject,
    app_hosted_media: bool,
    accepted_modalities: list[str],
    call_options: JsonObject | None,
) -> None:
    require_app(principal)
    require_any(principal, *ANY_CALLS_PERMISSION)
    if app_hosted_media:
        require_any(principal, ACCESS_MEDIA)
    check_callback_uri(rt, callback_uri)
    with rt.uow() as uow:
        call = _load_incoming(rt, uow, principal, call_id)
        call.answer(
            callback_uri=callback_uri,
            media_config=media_config,
            accepted_modalities=accepted_modalities,
            call_options=call_options,
        )
        transfers.offer_answered(uow, call)
        uow.save_call(call)
        simulation.schedule(rt, uow, call, "connect", delay=rt.settings.connect_delay_seconds)
        uow.commit()


def reject_call(
    rt: Runtime,
    principal: Principal,
    call_id: str,
    *,
    reason: str | None = None,
    callback_uri: str | None = None,
) -> None:
    require_app(principal)
    if callback_uri:
        check_callback_uri(rt, callback_uri)
    with rt.uow() as uow:
        call = _load_incoming(rt, uow, principal, call_id)
        call.reject(reason=reason or "none", callback_uri=callback_uri)
        transfers.offer_refused(uow, call)
        uow.save_call(call)
        uow.commit()


def redirect_call(
    rt: Runtime,
    principal: Principal,
    call_id: str,
    *,
    targets: list[JsonObject],
    callback_uri: str | None = None,
) -> None:
    """``targets``: Graph invitationParticipantInfo JSON, kept on the call as given."""
    require_app(principal)
    require_any(principal, INITIATE)
    if callback_uri:
        check_callback_uri(rt, callback_uri)
    for index, target in enumerate(targets):
        phone = InvitationTarget.parse(target).phone
        if phone is not None:
            require_e164(phone or None, f"targets[{index}].identity.phone.id")
    with rt.uow() as uow:
        call = _load_incoming(rt, uow, principal, call_id)
        call.redirect(targets=targets, callback_uri=callback_uri)
        transfers.offer_refused(uow, call)
        uow.save_call(call)
        uow.commit()


__all__ = ["ItemNotFound", "answer_call", "place_incoming_call", "redirect_call", "reject_call"]
