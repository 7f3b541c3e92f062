"""Calls and their operations: rows <-> the typed call aggregate, explicitly."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from callboard.domain import graph_json
from callboard.domain.call_control import (
    AudioRoutingGroup,
    RoutingMode,
    Transfer,
    TransferSource,
)
from callboard.domain.call_media import CallMedia
from callboard.domain.calls import (
    GRAPH_PROPERTIES,
    Call,
    CallKind,
    CallResource,
    CallState,
    MediaQueue,
)
from callboard.domain.invitations import Invitation, InvitationStatus
from callboard.domain.operations import CommsOperation
from callboard.errors import Conflict
from callboard.json_types import JsonObject
from callboard.store import tables

# Hot statements are built once. Building one per call (``.values(...)`` or ``== value``)
# makes SQLAlchemy derive a cache key from every bound value each time: that cost more than
# executing the statement (bench/README.md).
_INSERT_CALL = tables.calls.insert()
_GET_CALL = select(tables.calls).where(tables.calls.c.id == bindparam("call_id"))
_GET_CALL_FOR_UPDATE = _GET_CALL.with_for_update()
_SAVE_CALL = (
    update(tables.calls)
    .where(tables.calls.c.id == bindparam("b_id"), tables.calls.c.version == bindparam("b_version"))
    .values(
        state=bindparam("state"),
        modified_at=bindparam("modified_at"),
        version=bindparam("version"),
        document=bindparam("document", type_=tables.calls.c.document.type),
    )
)

_OPERATIONS = tables.operations
_INSERT_OPERATION = _OPERATIONS.insert()
_GET_OPERATION = select(_OPERATIONS.c.document).where(
    _OPERATIONS.c.id == bindparam("operation_id"), _OPERATIONS.c.call_id == bindparam("call_id")
)
_SAVE_OPERATION = (
    update(_OPERATIONS)
    .where(
        _OPERATIONS.c.id == bindparam("b_operation_id"),
        _OPERATIONS.c.call_id == bindparam("b_call_id"),
    )
    .values(
        status=bindparam("status"),
        document=bindparam("document", type_=_OPERATIONS.c.document.type),
    )
)


class CallRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, call: Call) -> None:
        call.version = 1
        self._conn.execute(
            _INSERT_CALL,
            {
                "id": call.id,
                "tenant_id": call.tenant_id,
                "app_id": call.app_id,
                "state": call.state.value,
                "created_at": call.created_at,
                "modified_at": call.modified_at,
                "version": call.version,
                "meeting_id": call.meeting_id,
                "document": _call_document(call),
            },
        )

    def get(self, call_id: str, *, for_update: bool = False) -> Call | None:
        query = _GET_CALL
        if for_update and self._conn.dialect.name == "postgresql":
            query = _GET_CALL_FOR_UPDATE
        row = self._conn.execute(query, {"call_id": call_id}).mappings().first()
        return None if row is None else _call_from_row(row)

    def in_meeting(self, meeting_id: str) -> list[Call]:
        """The calls that joined a meeting and have not ended, oldest first."""
        rows = self._conn.execute(
            select(tables.calls)
            .where(tables.calls.c.meeting_id == meeting_id, tables.calls.c.state != "terminated")
            .order_by(tables.calls.c.created_at, tables.calls.c.id)
        ).mappings()
        return [_call_from_row(r) for r in rows]

    def count_by_state(self) -> dict[str, int]:
        """How many calls are in each state (the metrics scrape)."""
        c = tables.calls.c
        rows = self._conn.execute(select(c.state, func.count()).group_by(c.state))
        return {state: int(n) for state, n in rows}

    def list_page(
        self, *, app_id: str | None, tenant_id: str | None, state: str | None, skip: int, top: int
    ) -> list[Call]:
        """Calls oldest first (then by id, so pages are stable), filtered."""
        c = tables.calls.c
        query = select(tables.calls).order_by(c.created_at, c.id).offset(skip).limit(top)
        if app_id:
            query = query.where(c.app_id == app_id)
        if tenant_id:
            query = query.where(c.tenant_id == tenant_id)
        if state:
            query = query.where(c.state == state)
        return [_call_from_row(r) for r in self._conn.execute(query).mappings()]

    def save(self, call: Call, now: float) -> None:
        """Write with an optimistic version check; a concurrent writer makes this a Conflict."""
        result = self._conn.execute(
            _SAVE_CALL,
            {
                "b_id": call.id,
                "b_version": call.version,
                "state": call.state.value,
                "modified_at": now,
                "version": call.version + 1,
                "document": _call_document(call),
            },
        )
        if result.rowcount != 1:
            raise Conflict(f"The call {call.id} was modified concurrently.")
        call.version += 1
        call.modified_at = now


def _call_document(call: Call) -> JsonObject:
    return {
        "apiVersion": call.api_version,
        "kind": call.kind.value,
        "direction": call.direction,
        # The Graph properties as rendered: the parties and option objects are kept as the
        # client sent them, and rows of every version read back through one reader.
        "resource": graph_json.call_properties(call.resource),
        "echo": call.echo,
        # Participants and operations are stored as Graph renders them (rows of every
        # version read back); invitations and bookkeeping in Callboard's own shape.
        "participants": [graph_json.participant(p) for p in call.participants],
        "invitations": {key: _invitation_document(i) for key, i in call.invitations.items()},
        "resultInfo": graph_json.result_info(call.result_info),
        "rosterSequence": call.roster_sequence,
        "internal": {
            "waitingForHost": call.waiting_for_host,
            "callerHangUpAfterSeconds": call.caller_hang_up_after_seconds,
            "redirectTargets": call.redirect_targets,
            "toneSubscribed": call.tone_subscribed,
            "screenSharingRole": call.screen_sharing_role,
            "mediaQueue": {
                "operations": call.media_queue.operations,
                "endsAt": call.media_queue.ends_at,
            },
            "keepAliveExpiresAt": call.keep_alive_expires_at,
            "media": call.media.to_document(),
        },
        "control": _control_document(call),
    }


# Bookkeeping that rows written before it had its own place kept inside ``resource``.
_LEGACY_INTERNAL_KEYS = frozenset(
    {
        "waitingForHost",
        "callerHangUpAfterSeconds",
        "redirectTargets",
        "toneSubscribed",
        "screenSharingRole",
        "mediaQueue",
    }
)


def _split_document(doc: JsonObject) -> tuple[JsonObject, JsonObject, JsonObject]:
    """The Graph properties, the client's echo and the bookkeeping of a stored call."""
    resource: JsonObject = doc["resource"]
    if "internal" in doc:
        return resource, doc.get("echo") or {}, doc["internal"]
    graph = {k: v for k, v in resource.items() if k in GRAPH_PROPERTIES}
    internal = {k: v for k, v in resource.items() if k in _LEGACY_INTERNAL_KEYS}
    echo = {k: v for k, v in resource.items() if k not in graph and k not in internal}
    return graph, echo, internal


def _call_from_row(row: Any) -> Call:
    doc = row["document"]
    resource, echo, internal = _split_document(doc)
    queue = internal.get("mediaQueue") or {}
    call = Call(
        id=row["id"],
        tenant_id=row["tenant_id"],
        app_id=row["app_id"],
        api_version=doc["apiVersion"],
        kind=CallKind(doc["kind"]),
        direction=doc["direction"],
        state=CallState(row["state"]),
        resource=CallResource.parse(resource),
        echo=echo,
        participants=[graph_json.parse_participant(p) for p in doc["participants"]],
        invitations={key: _invitation_from_document(i) for key, i in doc["invitations"].items()},
        result_info=graph_json.parse_result_info(doc["resultInfo"]),
        roster_sequence=doc["rosterSequence"],
        meeting_id=row["meeting_id"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        version=row["version"],
        waiting_for_host=bool(internal.get("waitingForHost")),
        caller_hang_up_after_seconds=internal.get("callerHangUpAfterSeconds"),
        redirect_targets=internal.get("redirectTargets") or [],
        tone_subscribed=bool(internal.get("toneSubscribed")),
        screen_sharing_role=internal.get("screenSharingRole"),
        media_queue=MediaQueue(
            operations=list(queue.get("operations") or []), ends_at=queue.get("endsAt") or 0.0
        ),
        keep_alive_expires_at=internal.get("keepAliveExpiresAt"),
        media=CallMedia.from_document(internal.get("media")),
    )
    _read_control(call, doc.get("control") or {})
    return call


def _control_document(call: Call) -> JsonObject:
    """Call control's state (domain/call_control.py), in Callboard's own shape."""
    transfer = call.transfer
    source = call.transfer_source
    return {
        "transfer": None
        if transfer is None
        else {
            "id": transfer.id,
            "target": transfer.target,
            "key": transfer.key,
            "replacesCallId": transfer.replaces_call_id,
            "transfereeId": transfer.transferee_id,
        },
        "transferSource": None
        if source is None
        else {"callId": source.call_id, "transferId": source.transfer_id},
        "heldParticipantId": call.held_participant_id,
        "audioRoutingGroups": [
            {
                "id": g.id,
                "routingMode": g.routing_mode.value,
                "sources": g.sources,
                "receivers": g.receivers,
            }
            for g in call.audio_routing_groups
        ],
    }


def _read_control(call: Call, doc: JsonObject) -> None:
    transfer = doc.get("transfer")
    if transfer is not None:
        call.transfer = Transfer(
            id=transfer["id"],
            target=transfer["target"],
            key=transfer["key"],
            replaces_call_id=transfer.get("replacesCallId"),
            transferee_id=transfer.get("transfereeId"),
        )
    source = doc.get("transferSource")
    if source is not None:
        call.transfer_source = TransferSource(source["callId"], source["transferId"])
    call.held_participant_id = doc.get("heldParticipantId")
    call.audio_routing_groups = [
        AudioRoutingGroup(g["id"], RoutingMode(g["routingMode"]), g["sources"], g["receivers"])
        for g in doc.get("audioRoutingGroups") or []
    ]


def _invitation_document(invitation: Invitation) -> JsonObject:
    return {
        "status": invitation.status.value,
        "participantId": invitation.participant_id,
        "operationId": invitation.operation_id,
        "target": invitation.target,
        "replacesCallId": invitation.replaces_call_id,
        "resultInfo": graph_json.result_info(invitation.result_info),
        "operationResult": graph_json.result_info(invitation.operation_result),
    }


def _invitation_from_document(doc: JsonObject) -> Invitation:
    return Invitation(
        status=InvitationStatus(doc["status"]),
        participant_id=doc.get("participantId"),
        operation_id=doc.get("operationId"),
        target=doc.get("target"),
        replaces_call_id=doc.get("replacesCallId"),
        result_info=graph_json.parse_result_info(doc.get("resultInfo")),
        operation_result=graph_json.parse_result_info(doc.get("operationResult")),
    )


class OperationRepository:
    """Operations are stored as Graph renders them; rows written before the status values
    followed Graph's schema (lower case) read back too."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, call_id: str, operation: CommsOperation, now: float) -> None:
        self._conn.execute(
            _INSERT_OPERATION,
            {
                "id": operation.id,
                "call_id": call_id,
                "status": operation.status.value,
                "created_at": now,
                "document": graph_json.operation(operation),
            },
        )

    def get(self, call_id: str, operation_id: str) -> CommsOperation | None:
        row = self._conn.execute(
            _GET_OPERATION, {"operation_id": operation_id, "call_id": call_id}
        ).first()
        return None if row is None else graph_json.parse_operation(row[0])

    def list(self, call_id: str) -> list[CommsOperation]:
        """The call's operations, oldest first (those of the same instant by id)."""
        rows = self._conn.execute(
            select(tables.operations.c.document)
            .where(tables.operations.c.call_id == call_id)
            .order_by(tables.operations.c.created_at, tables.operations.c.id)
        )
        return [graph_json.parse_operation(row[0]) for row in rows]

    def save(self, call_id: str, operation: CommsOperation) -> None:
        self._conn.execute(
            _SAVE_OPERATION,
            {
                "b_operation_id": operation.id,
                "b_call_id": call_id,
                "status": operation.status.value,
                "document": graph_json.operation(operation),
            },
        )
