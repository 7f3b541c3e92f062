"""Incoming calls: placed by a simulated caller (admin API), then answered, rejected or
redirected by the application (``/communications/calls/{id}/answer|reject|redirect``)."""

from __future__ import annotations

from dataclasses import dataclass

from callboard.domain.calls import Call, CallOptions, IncomingOffer, MediaConfig
from callboard.domain.directory import Directory
from callboard.domain.identities import (
    IdentityKind,
    application_identity_set,
    phone_identity_set,
    user_identity_set,
)
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
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal


@dataclass(frozen=True, slots=True)
class IncomingCallRequest:
    """``POST /_callboard/incoming-calls`` as validated, read once: who calls (a user of the
    tenant or a phone), whom (an application or its instance), and how."""

    tenant_id: str | None
    from_user_id: str | None = None
    from_phone: str | None = None
    to_app_id: str | None = None
    to_instance_id: str | None = None
    modalities: tuple[str, ...] = ("audio",)
    subject: str | None = None
    hang_up_after_seconds: float | None = None
    api_version: str = "v1.0"

    @classmethod
    def parse(cls, request: JsonObject) -> IncomingCallRequest:
        hang_up = request.get("hangUpAfterSeconds")
        return cls(
            tenant_id=request.get("tenantId"),
            from_user_id=request.get("fromUserId") or None,
            from_phone=request.get("fromPhone") or None,
            to_app_id=request.get("toAppId") or None,
            to_instance_id=request.get("toApplicationInstanceId") or None,
            modalities=tuple(request.get("requestedModalities") or ["audio"]),
            subject=request.get("subject"),
            hang_up_after_seconds=None if hang_up is None else float(hang_up),
            api_version=request.get("apiVersion", "v1.0"),
        )


def place_incoming_call(rt: Runtime, body: JsonObject) -> Call:
    """A simulated user or phone calls an application (or its instance's number)."""
    request = IncomingCallRequest.parse(body)
    tenant_id = request.tenant_id
    to_app = request.to_app_id
    to_instance = request.to_instance_id
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
            modalities=list(request.modalities),
            call_chain_id=rt.ids.new(),
            my_participant_id=rt.ids.new(),
            subject=request.subject,
        )
        call = Call.offer_incoming(
            offer,
            id=call_id,
            tenant_id=tenant_id,
            app_id=app.app_id,
            api_version=request.api_version,
            now=uow.now,
        )
        call.caller_hang_up_after_seconds = request.hang_up_after_seconds
        uow.add_call(call)
        simulation.schedule(
            rt, uow, call, "incomingTimeout", delay=rt.settings.incoming_answer_timeout_seconds
        )
        simulation.arm_keep_alive(rt, uow, call)
        uow.commit()
    return call


def _caller_identity(
    directory: Directory, tenant_id: str, request: IncomingCallRequest
) -> JsonObject:
    """The caller's identitySet, as Graph shows a caller."""
    if request.from_phone and request.from_user_id:
        raise BadRequest("Give fromUserId or fromPhone, not both.")
    if request.from_phone:
        return phone_identity_set(require_e164(request.from_phone, "fromPhone"))
    user = directory.user(tenant_id, request.from_user_id or "")
    if user is None:
        raise BadRequest("fromUserId must name a user of the tenant (or give fromPhone).")
    return user_identity_set(user, identity_provider=None)


def _load_incoming(rt: Runtime, uow: UnitOfWork, principal: Principal, call_id: str) -> Call:
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
    media_config: MediaConfig,
    accepted_modalities: list[str],
    call_options: CallOptions | None,
) -> None:
    require_app(principal)
    require_any(principal, *ANY_CALLS_PERMISSION)
    if media_config.app_hosted:
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
    parsed = [InvitationTarget.parse(target) for target in targets]
    for index, target in enumerate(parsed):
        if target.phone is not None:
            require_e164(target.phone or None, f"targets[{index}].identity.phone.id")
    with rt.uow() as uow:
        call = _load_incoming(rt, uow, principal, call_id)
        call.redirect(targets=parsed, callback_uri=callback_uri)
        transfers.offer_refused(uow, call)
        uow.save_call(call)
        uow.commit()


__all__ = ["ItemNotFound", "answer_call", "place_incoming_call", "redirect_call", "reject_call"]
