"""Graph JSON of the call resources: one function per resource, from an allow-list.

Responses (``api/graph``) and notifications (``services/notifications``) both render here,
so a resource looks the same wherever a client sees it. Only Graph's properties are
written; the one free-form part is a call's echo of what its client sent.
"""

from __future__ import annotations

from callboard.domain.call_control import AudioRoutingGroup
from callboard.domain.call_core import CALL_TYPE, GRAPH_PROPERTIES, CallCore, CallResource
from callboard.domain.events import CallStateChanged
from callboard.domain.operations import CommsOperation, OperationKind, OperationStatus
from callboard.domain.participants import MediaStream, Participant, RecordingInfo
from callboard.domain.results import RESULT_INFO_TYPE, ResultInfo
from callboard.json_types import JsonObject

G = "#microsoft.graph."
PARTICIPANT_TYPE = G + "participant"


def result_info(info: ResultInfo | None) -> JsonObject | None:
    if info is None:
        return None
    return {
        "@odata.type": RESULT_INFO_TYPE,
        "code": info.code,
        "subcode": info.subcode,
        "message": info.message,
    }


def parse_result_info(data: JsonObject | None) -> ResultInfo | None:
    return None if data is None else ResultInfo.from_graph(data)


# -- call -----------------------------------------------------------------------------


def call_properties(r: CallResource) -> JsonObject:
    """The call's Graph properties it has (the stored shape too: ``CallResource.parse``
    reads it back); the parties and option objects as sent."""
    data: JsonObject = {
        "callbackUri": r.callback_uri,
        "source": r.source.echo,
        "targets": [t.echo for t in r.targets],
    }
    echo = r.echo
    if "incomingContext" in echo:  # next to the source it explains, as Graph has it
        data["incomingContext"] = echo["incomingContext"]
    data["myParticipantId"] = r.my_participant_id
    if r.requested_modalities is not None:
        data["requestedModalities"] = r.requested_modalities
    if r.active_modalities is not None:
        data["activeModalities"] = r.active_modalities
    if r.tenant_id is not None:
        data["tenantId"] = r.tenant_id
    if r.call_chain_id is not None:
        data["callChainId"] = r.call_chain_id
    if r.subject is not None:
        data["subject"] = r.subject
    if r.media_config is not None:
        data["mediaConfig"] = r.media_config.echo
    if r.call_options is not None:
        data["callOptions"] = r.call_options.echo
    if r.meeting_info is not None:
        data["meetingInfo"] = r.meeting_info.echo
    if r.chat_info is not None:
        data["chatInfo"] = r.chat_info
    if r.ringing_timeout_in_seconds is not None:
        data["ringingTimeoutInSeconds"] = r.ringing_timeout_in_seconds
    if r.termination_reason is not None:
        data["terminationReason"] = r.termination_reason
    answered_by = r.answered_by
    if answered_by is not None:
        data["answeredBy"] = {
            "@odata.type": G + "participantInfo",
            "identity": answered_by.identity,
            "languageId": answered_by.language_id,
            "region": answered_by.region,
            "countryCode": answered_by.country_code,
            "endpointType": answered_by.endpoint_type,
            "participantId": answered_by.participant_id,
        }
    data.update(echo)
    return data


def call(c: CallCore, *, state: str | None = None) -> JsonObject:
    """The call resource (``GET``, create and incoming-call responses): Graph's properties,
    null where unset as Graph renders them, then the client's echo."""
    body: JsonObject = {
        "@odata.type": CALL_TYPE,
        "id": c.id,
        "state": state or c.state.value,
        "direction": c.direction,
    }
    properties = call_properties(c.resource)
    for name in GRAPH_PROPERTIES:
        body[name] = properties.get(name)
    body["resultInfo"] = result_info(c.result_info)
    for name, value in c.echo.items():
        body.setdefault(name, value)
    return body


def call_state(c: CallCore, event: CallStateChanged) -> JsonObject:
    """A call-state notification's resource: ``created`` carries the whole call without
    null padding; ``updated`` and ``deleted`` carry the state and how the call is joined."""
    data: JsonObject = {"@odata.type": CALL_TYPE}
    resource = c.resource
    if event.change_type == "created":
        data.update(call_properties(resource))
        data.update({k: v for k, v in c.echo.items() if k not in data})
    data.update(state=event.state, direction=c.direction)
    if event.change_type != "created":
        if resource.chat_info is not None:
            data["chatInfo"] = resource.chat_info
        if resource.meeting_info is not None:
            data["meetingInfo"] = resource.meeting_info.echo
        if resource.call_chain_id is not None:
            data["callChainId"] = resource.call_chain_id
    if event.result_info is not None:
        data["resultInfo"] = result_info(event.result_info)
    data["id"] = c.id
    return data


def tone_info(sequence_id: int, tone: str) -> JsonObject:
    return {"@odata.type": G + "toneInfo", "sequenceId": sequence_id, "tone": tone}


# -- participant ----------------------------------------------------------------------


def participant(p: Participant) -> JsonObject:
    return {
        "@odata.type": PARTICIPANT_TYPE,
        "id": p.id,
        "info": {
            "@odata.type": G + "participantInfo",
            "identity": p.identity,
            "languageId": p.language_id,
            "region": p.region,
            "countryCode": p.country_code,
            "endpointType": p.endpoint_type,
            "participantId": p.id,
        },
        "mediaStreams": [
            {
                "@odata.type": G + "mediaStream",
                "mediaType": s.media_type,
                "label": s.label,
                "sourceId": s.source_id,
                "direction": s.direction,
                "serverMuted": s.server_muted,
            }
            for s in p.media_streams
        ],
        "isMuted": p.is_muted,
        "isInLobby": p.is_in_lobby,
        "metadata": None,
        "recordingInfo": None
        if p.recording_info is None
        else {
            "recordingStatus": p.recording_info.status,
            "initiator": p.recording_info.initiator,
        },
        "removedState": None,
        "restrictedExperience": None,
        "rosterSequenceNumber": p.roster_sequence_number,
    }


def parse_participant(data: JsonObject) -> Participant:
    """A participant rendered by ``participant`` (stored calls, a meeting's live roster)."""
    info = data.get("info") or {}
    recording = data.get("recordingInfo")
    return Participant(
        id=data["id"],
        identity=info.get("identity") or {},
        media_streams=[
            MediaStream(
                media_type=s["mediaType"],
                label=s["label"],
                source_id=s["sourceId"],
                direction=s["direction"],
                server_muted=bool(s.get("serverMuted")),
            )
            for s in data.get("mediaStreams") or []
        ],
        is_muted=bool(data.get("isMuted")),
        is_in_lobby=bool(data.get("isInLobby")),
        language_id=info.get("languageId"),
        region=info.get("region"),
        country_code=info.get("countryCode"),
        endpoint_type=info.get("endpointType"),
        recording_info=None
        if not recording
        else RecordingInfo(recording["recordingStatus"], recording["initiator"]),
        roster_sequence_number=int(data.get("rosterSequenceNumber") or 0),
    )


# -- operation ------------------------------------------------------------------------


def operation(op: CommsOperation) -> JsonObject:
    data: JsonObject = {
        "@odata.type": G + op.kind.value,
        "id": op.id,
        "status": op.status.value,
        "clientContext": op.client_context,
        "resultInfo": result_info(op.result_info),
    }
    if op.kind is OperationKind.SEND_DTMF_TONES:
        data["completionReason"] = op.completion_reason
    if op.kind is OperationKind.RECORD_RESPONSE:
        data["recordingLocation"] = op.recording_location
        data["recordingAccessToken"] = op.recording_access_token
        if op.completion_reason is not None:
            data["completionReason"] = op.completion_reason
    if op.kind is OperationKind.INVITE_PARTICIPANTS:
        data["participants"] = op.participants
    return data


def parse_operation(data: JsonObject) -> CommsOperation:
    return CommsOperation(
        id=data["id"],
        kind=OperationKind(str(data["@odata.type"]).removeprefix(G)),
        status=OperationStatus.parse(data["status"]),
        client_context=data.get("clientContext"),
        result_info=parse_result_info(data.get("resultInfo")),
        completion_reason=data.get("completionReason"),
        participants=list(data.get("participants") or []),
        recording_location=data.get("recordingLocation"),
        recording_access_token=data.get("recordingAccessToken"),
    )


# -- audioRoutingGroup ----------------------------------------------------------------


def audio_routing_group(group: AudioRoutingGroup) -> JsonObject:
    return {
        "@odata.type": G + "audioRoutingGroup",
        "id": group.id,
        "routingMode": group.routing_mode.value,
        "sources": list(group.sources),
        "receivers": list(group.receivers),
    }
