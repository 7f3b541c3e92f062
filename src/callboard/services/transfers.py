"""``POST /communications/calls/{id}/transfer`` and the steps that carry a transfer out.

The transfer target is a simulated party like any callee (``docs/simulation.md``): its
behaviour decides whether it answers, declines, is busy, does not answer or is unreachable.
An application target (or its instance) with a callingWebhookUrl is offered the call as an
incoming call, whose answer or refusal settles the transfer (``offer_answered``,
``offer_refused``, called by ``services/incoming.py``). A consultative transfer
(``replacesCallId``) hands the other party to the target of that call without ringing.
Steps are ``call.transfer`` jobs; a step of a transfer that is no longer pending does nothing.
"""

from __future__ import annotations

from typing import Any

from callboard.domain import graph_json, results
from callboard.domain.call_control import Transfer, TransferSource
from callboard.domain.calls import Call, CallState, IncomingOffer
from callboard.domain.directory import Directory, Response
from callboard.domain.identities import IdentityKind, PartyIdentity, application_identity_set
from callboard.domain.party_scripts import TransferAnswer
from callboard.domain.results import ResultInfo
from callboard.domain.transfers import TransferCall
from callboard.errors import BadRequest
from callboard.json_types import JsonObject
from callboard.services import simulation
from callboard.services.calls import INITIATE, live_call, require_any, require_app
from callboard.services.directory_loading import behaviour_for
from callboard.services.runtime import Runtime
from callboard.store.jobs import NewJob
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

CALL_TRANSFER = "call.transfer"

NOT_CONSULTED = results.result_info(
    480, 10076, "The call named by replacesCallId is not an established call with the target."
)


def transfer_call(rt: Runtime, principal: Principal, call_id: str, request: TransferCall) -> None:
    require_app(principal)
    require_any(principal, INITIATE)
    request.check()
    target = request.target
    phone = target.phone
    replaces = target.replaces_call_id
    with rt.uow() as uow:
        call = live_call(uow, principal, call_id)
        if phone is not None and _bot_phone(rt.directory(uow), call) is None:
            raise BadRequest(
                "Transferring to a phone number needs a call whose application instance has "
                "an assigned phone number."
            )
        if replaces is not None:
            replaced = uow.calls.get(replaces) if replaces != call_id else None
            if (
                replaced is None
                or replaced.app_id != principal.app_id
                or replaced.tenant_id != principal.tenant_id
                or replaced.state is CallState.TERMINATED
            ):
                raise BadRequest(
                    "replacesCallId must name another active call of this application."
                )
        transferee = call.transfer_peer(request.transferee)
        transfer = Transfer(
            id=rt.ids.new(),
            target=target.echo,
            key=target.key,
            replaces_call_id=replaces,
            transferee_id=transferee.id,
        )
        call.start_transfer(transfer)
        action = "consult" if transfer.consultative else "ring"
        _schedule(uow, call, action, delay=rt.settings.connect_delay_seconds)
        uow.save_call(call)
        uow.commit()


def _bot_phone(directory: Directory, call: Call) -> str | None:
    bot = PartyIdentity.parse(call.bot_participant().identity)
    instance = directory.instance(
        call.tenant_id, bot.id_of(IdentityKind.APPLICATION_INSTANCE) or ""
    )
    return None if instance is None else instance.phone_number


def _schedule(uow: UnitOfWork, call: Call, action: str, *, delay: float, **extra: Any) -> None:
    assert call.transfer is not None
    uow.schedule(
        NewJob(
            kind=CALL_TRANSFER,
            payload={"callId": call.id, "transferId": call.transfer.id, "action": action, **extra},
            run_at=uow.now + max(delay, 0.0),
            max_attempts=10,
        )
    )


# -- the offered call of an application target ---------------------------------------


def offer_answered(uow: UnitOfWork, offered: Call) -> None:
    """The transferred-to application answered: the transfer is accepted."""
    _settle_offer(uow, offered, "offerAnswered")


def offer_refused(uow: UnitOfWork, offered: Call) -> None:
    """The transferred-to application rejected or redirected the call: the transfer fails."""
    _settle_offer(uow, offered, "offerRefused")


def _settle_offer(uow: UnitOfWork, offered: Call, action: str) -> None:
    source = offered.transfer_source
    if source is None:
        return
    uow.schedule(
        NewJob(
            kind=CALL_TRANSFER,
            payload={
                "callId": source.call_id,
                "transferId": source.transfer_id,
                "action": action,
                "reason": graph_json.result_info(offered.result_info),
            },
            run_at=uow.now,
            max_attempts=10,
        )
    )


def _offer_to_application(rt: Runtime, uow: UnitOfWork, call: Call, transfer: Transfer) -> bool:
    """Place the transferee's call to the target application; False when there is none."""
    kind, _, identity_id = transfer.key.partition(":")
    directory = rt.directory(uow)
    if kind == IdentityKind.APPLICATION_INSTANCE:
        instance = directory.instance(call.tenant_id, identity_id)
        app = None if instance is None else directory.applications.get(instance.app_id)
        if instance is None or app is None:
            return False
        callee = application_identity_set(
            IdentityKind.APPLICATION_INSTANCE, instance.id, instance.display_name, annotated=False
        )
    else:
        app = directory.applications.get(identity_id)
        if app is None:
            return False
        callee = application_identity_set(
            IdentityKind.APPLICATION, app.app_id, app.display_name, annotated=False
        )
    if call.tenant_id not in app.tenants or not app.calling_webhook_url:
        return False
    transferee = call.participant(transfer.transferee_id or "")
    if transferee is None:
        return False
    offer = IncomingOffer(
        callback_uri=app.calling_webhook_url,
        caller=transferee.identity,
        callee=callee,
        modalities=call.modalities,
        call_chain_id=rt.ids.new(),
        my_participant_id=rt.ids.new(),
        transferee_id=transferee.id,
        transferor=call.bot_participant().identity,
    )
    offered = Call.offer_incoming(
        offer,
        id=rt.ids.new(),
        tenant_id=call.tenant_id,
        app_id=app.app_id,
        api_version="v1.0",
        now=uow.now,
    )
    offered.transfer_source = TransferSource(call.id, transfer.id)
    uow.add_call(offered)
    timeout = rt.settings.incoming_answer_timeout_seconds
    simulation.schedule(rt, uow, offered, "incomingTimeout", delay=timeout)
    simulation.arm_keep_alive(rt, uow, offered)
    # Unanswered when the offer times out (the offered call's own step ends it then).
    _schedule(uow, call, "offerCheck", delay=timeout, offeredCallId=offered.id)
    return True


# -- steps ----------------------------------------------------------------------------


def run_step(rt: Runtime, payload: JsonObject, job_id: int) -> None:
    """The ``call.transfer`` job handler: apply one step and finish the job atomically."""
    with rt.uow() as uow:
        call = uow.calls.get(payload["callId"], for_update=True)
        transfer = call.transfer if call is not None else None
        if call is not None and transfer is not None and transfer.id == payload["transferId"]:
            _apply(rt, uow, call, transfer, payload)
            uow.save_call(call)
        uow.jobs.finish([job_id], uow.now)
        uow.commit()


def _apply(
    rt: Runtime, uow: UnitOfWork, call: Call, transfer: Transfer, payload: JsonObject
) -> None:
    match payload["action"]:
        case "ring":
            _ring(rt, uow, call, transfer)
        case "answer" | "offerAnswered":
            _accept(rt, uow, call)
        case "decline":
            call.transfer_failed(transfer.id, results.DECLINED)
        case "timeout":
            call.transfer_failed(transfer.id, results.NOT_ANSWERED)
        case "offerRefused":
            reason = graph_json.parse_result_info(payload.get("reason")) or results.DECLINED
            call.transfer_failed(transfer.id, reason)
        case "offerCheck":
            offered = uow.calls.get(payload["offeredCallId"])
            if offered is None or offered.state in (CallState.INCOMING, CallState.TERMINATED):
                call.transfer_failed(transfer.id, results.NOT_ANSWERED)
        case "consult":
            replaced = uow.calls.get(transfer.replaces_call_id or "", for_update=True)
            consulted = replaced is not None and replaced.app_id == call.app_id
            if replaced is None or not consulted or replaced.peer_key() != transfer.key:
                call.transfer_failed(transfer.id, NOT_CONSULTED)
            else:
                _accept(rt, uow, call)
        case "complete":
            if call.transfer_completed(transfer.id) and transfer.consultative:
                replaced = uow.calls.get(transfer.replaces_call_id or "", for_update=True)
                if replaced is not None:
                    replaced.replaced_by_transfer()
                    uow.save_call(replaced)
        case action:
            raise ValueError(f"unknown call.transfer action {action!r}")


def _accept(rt: Runtime, uow: UnitOfWork, call: Call) -> None:
    assert call.transfer is not None
    if call.transfer_accepted(call.transfer.id):
        _schedule(uow, call, "complete", delay=rt.settings.terminate_delay_seconds)


def _ring(rt: Runtime, uow: UnitOfWork, call: Call, transfer: Transfer) -> None:
    """The target rings like any callee: it fails at once (unknown, busy, unreachable), or
    answers, declines or lets the ringing timeout pass, whichever its behaviour says."""
    kind, _, identity_id = transfer.key.partition(":")
    if kind in ("application", "applicationInstance"):
        if not _offer_to_application(rt, uow, call, transfer):
            call.transfer_failed(transfer.id, results.UNREACHABLE)
        return
    directory = rt.directory(uow)
    if kind == "user" and directory.user(call.tenant_id, identity_id) is None:
        call.transfer_failed(transfer.id, results.UNREACHABLE)
        return
    behaviour = behaviour_for(uow, directory, call.tenant_id, transfer.key)
    # A party's ``transfer`` answer (accept / refuse) is what it does when a call is
    # transferred to it, whatever its response to ordinary calls.
    response = {
        TransferAnswer.ACCEPT: Response.ANSWER,
        TransferAnswer.REFUSE: Response.DECLINE,
        None: behaviour.response,
    }[behaviour.transfer]
    failure: ResultInfo | None = {
        Response.BUSY: results.BUSY,
        Response.UNREACHABLE: results.UNREACHABLE,
    }.get(response)
    if failure is not None:
        call.transfer_failed(transfer.id, failure)
        return
    timeout = rt.settings.ringing_timeout_seconds
    after = behaviour.answer_after_seconds
    wait = rt.settings.answer_delay_seconds if after is None else after
    if response is Response.ANSWER and wait < timeout:
        _schedule(uow, call, "answer", delay=wait)
    elif response is Response.DECLINE and wait < timeout:
        _schedule(uow, call, "decline", delay=wait)
    else:
        _schedule(uow, call, "timeout", delay=timeout)
