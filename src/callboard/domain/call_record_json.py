"""Call records as Graph renders them: a ``callRecord`` with its sessions (and their
segments) and participants, and the ``pstnCallLogRow`` of each phone leg, all from a closed
``CallLog`` (``domain/call_records.py``)."""

from __future__ import annotations

import uuid

from callboard.clock import iso
from callboard.domain.call_records import (
    ID_NAMESPACE,
    MODALITIES,
    CallLog,
    CallParty,
    Session,
    record_start,
)
from callboard.json_types import JsonObject

ENDPOINT_TYPE = "#microsoft.graph.callRecords.participantEndpoint"


def render_record(
    log: CallLog, *, expand_sessions: bool, expand_participants: bool = False
) -> JsonObject:
    """The callRecord as Graph renders it; ``sessions`` (with their segments) and
    ``participants_v2`` only when asked for with ``$expand``, as Graph does."""
    assert log.ended_at is not None
    start = record_start(log)
    parties = log.parties()
    body: JsonObject = {
        "id": log.record_id,
        "version": log.version,
        "type": log.record_type,
        "modalities": log.modalities,
        "startDateTime": iso(start),
        "endDateTime": iso(log.ended_at),
        "lastModifiedDateTime": iso(log.ended_at),
        "joinWebUrl": log.join_web_url,
        "organizer": log.organizer.identity_set,
        "participants": [p.identity_set for p in parties],
        "organizer_v2": _participant(log.organizer),
    }
    if expand_participants:
        body["participants_v2"] = [_participant(p) for p in parties]
    if expand_sessions:
        body["sessions"] = [_session(log, session) for session in log.sessions()]
    return body


def _session(log: CallLog, session: Session) -> JsonObject:
    session_id = str(uuid.uuid5(ID_NAMESPACE, f"{log.record_id}/{session.index}"))
    failure = (
        None
        if log.failure is None
        else {
            "@odata.type": "#microsoft.graph.callRecords.failureInfo",
            "stage": "callSetup",
            "reason": log.failure,
        }
    )
    callee = session.callee
    ends = {
        "caller": _endpoint(session.caller),
        # An identitySet the call had empty is no endpoint either.
        "callee": _endpoint(callee) if callee and callee.identity_set else _service_endpoint(),
        "startDateTime": iso(session.start),
        "endDateTime": iso(session.end),
        "failureInfo": failure,
    }
    segment: JsonObject = {"id": session_id, **ends, "media": []}
    return {
        "id": session_id,
        **ends,
        "modalities": [m for m in MODALITIES if m in (session.modalities or ["audio"])],
        "isTest": False,
        "segments": [segment],
    }


def _endpoint(party: CallParty) -> JsonObject:
    return {"@odata.type": ENDPOINT_TYPE, "identity": party.identity_set}


def _service_endpoint() -> JsonObject:
    return {"@odata.type": "#microsoft.graph.callRecords.serviceEndpoint"}


def _participant(party: CallParty) -> JsonObject:
    """A ``participant`` / ``organizer`` entity: its identity is a communicationsIdentitySet."""
    members = {k: v for k, v in party.identity_set.items() if k != "@odata.type"}
    return {
        "id": party.id,
        "identity": {"@odata.type": "#microsoft.graph.communicationsIdentitySet", **members},
    }


def pstn_rows(log: CallLog) -> list[JsonObject]:
    """A ``pstnCallLogRow`` for each phone leg of the call (docs/call-records.md)."""
    rows = []
    # The organizer's first identity, as the call had it.
    named = log.organizer.identity.members[:1]
    organizer_id = named[0].id if named else None
    organizer_name = named[0].display_name if named else None
    for index, leg in enumerate(log.legs):
        phone = leg.phone
        if phone is None or leg.left_at is None:
            continue
        if log.kind == "meeting":
            call_type, caller, callee = "conf_in", phone, None
        elif log.direction == "incoming":
            call_type, caller, callee = "ucap_in", phone, None
        else:
            call_type, caller, callee = "ucap_out", None, phone
        rows.append(
            {
                "id": str(uuid.uuid5(ID_NAMESPACE, f"{log.record_id}/pstn/{index}")),
                "callId": log.record_id,
                "userId": organizer_id,
                "userPrincipalName": None,
                "userDisplayName": organizer_name,
                "startDateTime": iso(leg.joined_at),
                "endDateTime": iso(leg.left_at),
                "duration": int(round(leg.left_at - leg.joined_at)),
                "charge": 0,
                "callType": call_type,
                "currency": "USD",
                "calleeNumber": callee,
                "callerNumber": caller,
                "usageCountryCode": "US",
                "tenantCountryCode": "US",
                "connectionCharge": 0,
                "destinationContext": None,
                "destinationName": "United States",
                "conferenceId": log.meeting_id,
                "licenseCapability": "MCOPSTNU",
                "inventoryType": "Service",
                "operator": "Microsoft",
                "callDurationSource": "microsoft",
            }
        )
    return rows
