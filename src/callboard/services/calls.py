"""Call use cases: one function per Graph operation on ``/communications/calls``."""

from __future__ import annotations

from callboard import net
from callboard.domain.calls import (
    Call,
    CallKind,
    CallResource,
    CallState,
    MeetingInfo,
)
from callboard.domain.directory import Directory
from callboard.domain.identities import IdentityKind
from callboard.domain.invitations import InvitationTarget, SourceInfo
from callboard.domain.meetings import OnlineMeeting
from callboard.domain.new_call import MeetingJoin, NewCall
from callboard.domain.operations import CommsOperation
from callboard.domain.participants import Participant
from callboard.domain.phone_numbers import require_e164
from callboard.errors import AccessDenied, BadRequest, ItemNotFound
from callboard.json_types import JsonObject
from callboard.services import meeting_rosters, simulation
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

MAX_GROUP_TARGETS = 5
INITIATE = "Calls.Initiate.All"
INITIATE_GROUP = "Calls.InitiateGroupCall.All"
ACCESS_MEDIA = "Calls.AccessMedia.All"
JOIN_GROUP = "Calls.JoinGroupCall.All"
JOIN_GROUP_GUEST = "Calls.JoinGroupCallAsGuest.All"
ANY_CALLS_PERMISSION = (INITIATE, INITIATE_GROUP, JOIN_GROUP, JOIN_GROUP_GUEST, ACCESS_MEDIA)


def require_app(principal: Principal) -> None:
    if not principal.is_app_only:
        raise AccessDenied(
            "Delegated permissions are not supported for the calls API; use an application token."
        )


def require_any(principal: Principal, *permissions: str) -> None:
    if not principal.permissions.intersection(permissions):
        raise AccessDenied(
            f"The application needs one of these permissions: {', '.join(permissions)}."
        )


def check_callback_uri(rt: Runtime, uri: str, name: str = "callbackUri") -> None:
    url = net.check_callback_uri(
        uri, allow_http_loopback=bool(rt.settings.allow_http_loopback_callbacks), name=name
    )
    # Production: no callbacks into the server's own network (SSRF); checked again at
    # connect time, against DNS rebinding.
    reason = rt.settings.destinations.refusal(url.host, rt.resolve)
    if reason is not None:
        raise BadRequest(f"{name} is refused: {reason}.")


def _resolve_source(
    source: SourceInfo | None, principal: Principal, directory: Directory
) -> tuple[JsonObject, str | None]:
    """The call's source participantInfo, and the source application instance's phone."""
    app = directory.applications.get(principal.app_id)
    app_name = app.display_name if app else principal.app_id
    if source is None:
        return {
            "@odata.type": "#microsoft.graph.participantInfo",
            "identity": {
                "@odata.type": "#microsoft.graph.identitySet",
                "application": {
                    "@odata.type": "#microsoft.graph.identity",
                    "displayName": app_name,
                    "id": principal.app_id,
                },
            },
            "countryCode": None,
            "endpointType": None,
            "region": None,
            "languageId": None,
        }, None
    phone = None
    application = source.identity.member(IdentityKind.APPLICATION)
    if application is not None:
        if application.id != principal.app_id:
            raise AccessDenied(
                f"The source application {application.id} is not the application of the "
                f"token ({principal.app_id})."
            )
        source = source.with_display_name(IdentityKind.APPLICATION, app_name)
    own_instance = source.identity.member(IdentityKind.APPLICATION_INSTANCE)
    if own_instance is not None:
        instance_id = own_instance.id or ""
        instance = directory.instance(principal.tenant_id, instance_id)
        if instance is None:
            raise BadRequest(f"Unknown application instance {instance_id} in this tenant.")
        if instance.app_id != principal.app_id:
            raise AccessDenied(
                f"The application instance {instance_id} belongs to another application."
            )
        source = source.with_display_name(IdentityKind.APPLICATION_INSTANCE, instance.display_name)
        phone = instance.phone_number
    if application is None and own_instance is None:
        raise BadRequest("The source of a call must be the application or its instance.")
    return source.echo, phone


PARTICIPANT_INFO_DEFAULTS = {
    "countryCode": None,
    "endpointType": None,
    "region": None,
    "languageId": None,
}
TARGET_DEFAULTS = {"endpointType": None, "region": None, "replacesCallId": None, "languageId": None}


def _padded(value: JsonObject, defaults: JsonObject) -> JsonObject:
    """Graph renders unset properties of these types as nulls (*Create call* responses)."""
    return {**value, **{k: v for k, v in defaults.items() if k not in value}}


def _check_targets(targets: list[InvitationTarget], source_phone: str | None) -> None:
    seen = set()
    for index, target in enumerate(targets):
        phone = target.phone
        if phone is not None:
            require_e164(phone or None, f"targets[{index}].identity.phone.id")
            if source_phone is None:
                raise BadRequest(
                    "Calling a phone number needs a source applicationInstance with an "
                    "assigned phone number."
                )
        key = target.key
        if key.endswith(":"):
            raise BadRequest(f"targets[{index}].identity needs an identity with an id.")
        if key in seen:
            raise BadRequest(f"targets[{index}] repeats {key}.")
        seen.add(key)


def create_call(
    rt: Runtime,
    principal: Principal,
    new: NewCall,
    *,
    api_version: str,
) -> Call:
    """``POST /communications/calls``: peer-to-peer and group calls, and meeting joins."""
    require_app(principal)
    targets = new.targets
    if new.joins_meeting:
        kind = CallKind.MEETING
        require_any(principal, JOIN_GROUP, JOIN_GROUP_GUEST, INITIATE_GROUP)
        if targets:
            raise BadRequest("A call that joins a meeting takes no targets.")
    else:
        if not targets:
            raise BadRequest("targets is required to place a peer-to-peer or group call.")
        if len(targets) > MAX_GROUP_TARGETS:
            raise BadRequest(f"A group call supports at most {MAX_GROUP_TARGETS} VoIP targets.")
        kind = CallKind.PEER_TO_PEER if len(targets) == 1 else CallKind.GROUP
        if kind is CallKind.PEER_TO_PEER:
            require_any(principal, INITIATE, INITIATE_GROUP)
        else:
            require_any(principal, INITIATE_GROUP)
    if kind is not CallKind.PEER_TO_PEER and new.ringing_timeout_in_seconds is not None:
        raise BadRequest("ringingTimeoutInSeconds applies to peer-to-peer calls only.")
    if new.media_config.app_hosted:
        require_any(principal, ACCESS_MEDIA)
    if new.tenant_id not in (None, principal.tenant_id):
        raise BadRequest("tenantId does not match the tenant of the access token.")
    check_callback_uri(rt, new.callback_uri)

    with rt.uow() as uow:
        directory = rt.directory(uow)
        source, source_phone = _resolve_source(new.source, principal, directory)
        _check_targets(targets, source_phone)
        join = new.meeting
        meeting = None if join is None else _meeting_to_join(uow, principal, join)
        call_chain_id = rt.ids.new()
        resource = CallResource(
            callback_uri=new.callback_uri,
            my_participant_id=rt.ids.new(),
            source=SourceInfo.parse(_padded(source, PARTICIPANT_INFO_DEFAULTS)),
            targets=[
                InvitationTarget(
                    t.identity,
                    _padded(t.echo, TARGET_DEFAULTS),
                    t.participant_id,
                    t.replaces_call_id,
                )
                for t in targets
            ],
            requested_modalities=new.requested_modalities,
            active_modalities=[],
            tenant_id=principal.tenant_id,
            call_chain_id=call_chain_id,
            subject=new.subject,
            media_config=new.media_config,
            call_options=new.call_options,
            meeting_info=(
                None
                if join is None or join.meeting_info is None
                else MeetingInfo.parse(join.meeting_info)
            ),
            chat_info=None if meeting is None else meeting.chat_info.to_graph(),
            ringing_timeout_in_seconds=new.ringing_timeout_in_seconds,
            echo={"callRoutes": [], "routingPolicies": new.routing_policies},
        )
        call = Call.place_outgoing(
            id=rt.ids.new(),
            tenant_id=principal.tenant_id,
            app_id=principal.app_id,
            api_version=api_version,
            kind=kind,
            resource=resource,
            now=uow.now,
            echo=new.echo,
        )
        call.meeting_id = meeting.id if meeting is not None else None
        uow.add_call(call)
        simulation.start_outgoing(rt, uow, call)
        uow.commit()
    return call


def _meeting_to_join(uow: UnitOfWork, principal: Principal, join: MeetingJoin) -> OnlineMeeting:
    """The meeting that chatInfo + organizerMeetingInfo, or joinMeetingIdMeetingInfo, names."""
    meeting: OnlineMeeting | None
    if join.kind == "joinMeetingIdMeetingInfo" and join.join_meeting_id is not None:
        meeting = uow.meetings.find_by_join_meeting_id(join.join_meeting_id)
        if meeting is None:
            raise ItemNotFound(f"No meeting has the joinMeetingId {join.join_meeting_id}.")
        if meeting.tenant_id != principal.tenant_id:
            raise AccessDenied("The meeting belongs to another tenant.")
        settings = meeting.join_settings
        if join.passcode is None and settings.is_passcode_required:
            raise BadRequest("This meeting requires a passcode.")
        if join.passcode is not None and join.passcode != settings.passcode:
            raise BadRequest("The passcode is not the meeting's passcode.")
        return meeting
    if join.kind == "tokenMeetingInfo":
        raise BadRequest(
            "tokenMeetingInfo is not supported by Callboard; join with chatInfo and "
            "organizerMeetingInfo, or joinMeetingIdMeetingInfo."
        )
    if join.kind != "organizerMeetingInfo" or not join.thread_id:
        raise BadRequest(
            "Joining a meeting needs chatInfo.threadId with organizerMeetingInfo, "
            "or joinMeetingIdMeetingInfo."
        )
    organizer = join.organizer.member(IdentityKind.USER)
    organizer_tenant = (organizer.tenant_id if organizer else None) or principal.tenant_id
    if organizer_tenant != principal.tenant_id:
        raise AccessDenied("The meeting belongs to another tenant.")
    meeting = uow.meetings.find_by_thread(principal.tenant_id, join.thread_id)
    if meeting is None or meeting.organizer_id != (organizer.id if organizer else None):
        raise ItemNotFound(f"No meeting of this organizer has the thread {join.thread_id}.")
    return meeting


def load_call(uow: UnitOfWork, principal: Principal, call_id: str) -> Call:
    """The call if the token's app placed or received it in the token's tenant; else 404."""
    call = uow.calls.get(call_id)
    if call is None or call.tenant_id != principal.tenant_id or call.app_id != principal.app_id:
        raise ItemNotFound(f"The call {call_id} does not exist.")
    return call


def live_call(uow: UnitOfWork, principal: Principal, call_id: str) -> Call:
    """``load_call``, and 404 once the call has ended: Graph forgets ended calls (their
    history stays in the admin API's ``GET /_callboard/calls``)."""
    call = load_call(uow, principal, call_id)
    if call.state is CallState.TERMINATED:
        raise ItemNotFound(f"The call {call_id} has already ended.")
    return call


def get_call(rt: Runtime, principal: Principal, call_id: str) -> Call:
    require_app(principal)
    with rt.uow(read_only=True) as uow:
        return live_call(uow, principal, call_id)


def delete_call(rt: Runtime, principal: Principal, call_id: str) -> None:
    """``DELETE /communications/calls/{id}``: terminating now, terminated right after."""
    require_app(principal)
    with rt.uow() as uow:
        call = load_call(uow, principal, call_id)
        if call.state is CallState.TERMINATED:
            raise ItemNotFound(f"The call {call_id} has already ended.")
        call.hang_up()
        uow.save_call(call)
        simulation.schedule(rt, uow, call, "terminate", delay=rt.settings.terminate_delay_seconds)
        uow.commit()


def list_participants(rt: Runtime, principal: Principal, call_id: str) -> list[Participant]:
    require_app(principal)
    with rt.uow(read_only=True) as uow:
        return live_call(uow, principal, call_id).participants


def get_participant(
    rt: Runtime, principal: Principal, call_id: str, participant_id: str
) -> Participant:
    require_app(principal)
    with rt.uow(read_only=True) as uow:
        participant = live_call(uow, principal, call_id).participant(participant_id)
    if participant is None:
        raise ItemNotFound(f"The participant {participant_id} is not in call {call_id}.")
    return participant


def get_content_sharing_sessions(
    rt: Runtime, principal: Principal, call_id: str
) -> list[JsonObject]:
    require_app(principal)
    with rt.uow(read_only=True) as uow:
        return meeting_rosters.sharing_sessions(uow, live_call(uow, principal, call_id))


def list_operations(rt: Runtime, principal: Principal, call_id: str) -> list[CommsOperation]:
    """Every operation of the call, running or finished (the ``operations`` collection)."""
    require_app(principal)
    with rt.uow(read_only=True) as uow:
        live_call(uow, principal, call_id)
        return uow.operations.list(call_id)


def get_operation(
    rt: Runtime, principal: Principal, call_id: str, operation_id: str
) -> CommsOperation:
    require_app(principal)
    with rt.uow(read_only=True) as uow:
        live_call(uow, principal, call_id)
        operation = uow.operations.get(call_id, operation_id)
    if operation is None:
        raise ItemNotFound(f"The operation {operation_id} does not exist in call {call_id}.")
    return operation
