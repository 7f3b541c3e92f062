"""Repositories: all SQL lives here. Rows are mapped to domain objects explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, func, or_, select, union_all, update
from sqlalchemy.orm import aliased

from callboard.domain import graph_json
from callboard.domain.appointments import MessageType, SmsMessage, SmsStatus
from callboard.domain.calls import GRAPH_PROPERTIES, Call, CallKind, CallState, MediaQueue
from callboard.domain.invitations import Invitation, InvitationStatus
from callboard.domain.meetings import OnlineMeeting
from callboard.domain.operations import CommsOperation
from callboard.errors import Conflict
from callboard.store import tables as t

# Hot statements are built once. Building one per call (``.values(...)`` or ``== value``)
# makes SQLAlchemy derive a cache key from every bound value each time: that cost more than
# executing the statement (bench/README.md, proposals in the benchmark report).
_INSERT_CALL = t.calls.insert()
_GET_CALL = select(t.calls).where(t.calls.c.id == bindparam("call_id"))
_GET_CALL_FOR_UPDATE = _GET_CALL.with_for_update()
_SAVE_CALL = (
    update(t.calls)
    .where(t.calls.c.id == bindparam("b_id"), t.calls.c.version == bindparam("b_version"))
    .values(
        state=bindparam("state"),
        modified_at=bindparam("modified_at"),
        version=bindparam("version"),
        document=bindparam("document", type_=t.calls.c.document.type),
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
            select(t.calls)
            .where(t.calls.c.meeting_id == meeting_id, t.calls.c.state != "terminated")
            .order_by(t.calls.c.created_at, t.calls.c.id)
        ).mappings()
        return [_call_from_row(r) for r in rows]

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


def _call_document(call: Call) -> dict[str, Any]:
    return {
        "apiVersion": call.api_version,
        "kind": call.kind.value,
        "direction": call.direction,
        "resource": call.resource,
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
        },
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


def _split_document(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The Graph properties, the client's echo and the bookkeeping of a stored call."""
    resource: dict[str, Any] = doc["resource"]
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
    return Call(
        id=row["id"],
        tenant_id=row["tenant_id"],
        app_id=row["app_id"],
        api_version=doc["apiVersion"],
        kind=CallKind(doc["kind"]),
        direction=doc["direction"],
        state=CallState(row["state"]),
        resource=resource,
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
    )


def _invitation_document(invitation: Invitation) -> dict[str, Any]:
    return {
        "status": invitation.status.value,
        "participantId": invitation.participant_id,
        "operationId": invitation.operation_id,
        "target": invitation.target,
        "replacesCallId": invitation.replaces_call_id,
        "resultInfo": graph_json.result_info(invitation.result_info),
        "operationResult": graph_json.result_info(invitation.operation_result),
    }


def _invitation_from_document(doc: dict[str, Any]) -> Invitation:
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
            t.operations.insert().values(
                id=operation.id,
                call_id=call_id,
                status=operation.status.value,
                created_at=now,
                document=graph_json.operation(operation),
            )
        )

    def get(self, call_id: str, operation_id: str) -> CommsOperation | None:
        row = self._conn.execute(
            select(t.operations.c.document).where(
                t.operations.c.id == operation_id, t.operations.c.call_id == call_id
            )
        ).first()
        return None if row is None else graph_json.parse_operation(row[0])

    def list(self, call_id: str) -> list[CommsOperation]:
        """The call's operations, oldest first (those of the same instant by id)."""
        rows = self._conn.execute(
            select(t.operations.c.document)
            .where(t.operations.c.call_id == call_id)
            .order_by(t.operations.c.created_at, t.operations.c.id)
        )
        return [graph_json.parse_operation(row[0]) for row in rows]

    def save(self, call_id: str, operation: CommsOperation) -> None:
        self._conn.execute(
            update(t.operations)
            .where(t.operations.c.id == operation.id, t.operations.c.call_id == call_id)
            .values(status=operation.status.value, document=graph_json.operation(operation))
        )


class DirectoryRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def entries(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        rows = self._conn.execute(
            select(t.directory_entries).order_by(t.directory_entries.c.position)
        ).all()
        return [(r.kind, r.tenant_id, r.id, r.document) for r in rows]

    def replace(self, entries: list[tuple[str, str, str, dict[str, Any]]]) -> None:
        self._conn.execute(t.directory_entries.delete())
        if entries:
            self._conn.execute(
                t.directory_entries.insert(),
                [
                    {"kind": k, "tenant_id": tid, "id": i, "position": n, "document": d}
                    for n, (k, tid, i, d) in enumerate(entries)
                ],
            )


_GET_BEHAVIOUR = select(t.behaviours.c.document).where(
    t.behaviours.c.identity_id == bindparam("identity_id")
)


class BehaviourRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, identity_id: str) -> dict[str, Any] | None:
        row = self._conn.execute(_GET_BEHAVIOUR, {"identity_id": identity_id}).first()
        return None if row is None else dict(row[0])

    def put(self, identity_id: str, document: dict[str, Any]) -> None:
        self.delete(identity_id)
        self._conn.execute(t.behaviours.insert().values(identity_id=identity_id, document=document))

    def delete(self, identity_id: str) -> bool:
        result = self._conn.execute(
            t.behaviours.delete().where(t.behaviours.c.identity_id == identity_id)
        )
        return result.rowcount > 0

    def all(self) -> dict[str, dict[str, Any]]:
        rows = self._conn.execute(select(t.behaviours)).all()
        return {r.identity_id: r.document for r in rows}


class ClockRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def offset(self) -> float:
        value = self._conn.execute(
            select(t.clock_state.c.offset_seconds).where(t.clock_state.c.id == 1)
        ).scalar()
        return 0.0 if value is None else float(value)

    def save_offset(self, offset: float) -> None:
        """Only ever forward: a slower writer cannot move the clock back."""
        updated = self._conn.execute(
            update(t.clock_state)
            .where(t.clock_state.c.id == 1, t.clock_state.c.offset_seconds < offset)
            .values(offset_seconds=offset)
        )
        if (
            updated.rowcount == 0
            and self._conn.execute(
                select(t.clock_state.c.id).where(t.clock_state.c.id == 1)
            ).first()
            is None
        ):
            self._conn.execute(t.clock_state.insert().values(id=1, offset_seconds=offset))


class KeyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def all(self) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            select(t.signing_keys.c.kid, t.signing_keys.c.private_pem).order_by(
                t.signing_keys.c.created_at
            )
        ).all()
        return [(r.kid, r.private_pem) for r in rows]

    def add(self, kid: str, private_pem: str, now: float) -> None:
        self._conn.execute(
            t.signing_keys.insert().values(kid=kid, private_pem=private_pem, created_at=now)
        )


@dataclass(frozen=True)
class NewJob:
    kind: str
    payload: dict[str, Any]
    run_at: float
    ordering_key: str | None = None
    max_attempts: int = 1


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    run_at: float
    attempts: int
    max_attempts: int
    ordering_key: str | None


_INSERT_JOB = t.jobs.insert()
_FINISH_JOB = (
    update(t.jobs)
    .where(t.jobs.c.id == bindparam("job_id"))
    .values(status="done", finished_at=bindparam("now"), locked_until=None)
)


class JobRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_all(self, jobs: list[NewJob], now: float) -> None:
        if not jobs:
            return
        self._conn.execute(
            _INSERT_JOB,
            [
                {
                    "kind": j.kind,
                    "payload": j.payload,
                    "run_at": j.run_at,
                    "status": "pending",
                    "attempts": 0,
                    "max_attempts": j.max_attempts,
                    "ordering_key": j.ordering_key,
                    "created_at": now,
                }
                for j in jobs
            ],
        )

    def claim_due(self, now: float, limit: int, lock_seconds: float) -> list[ClaimedJob]:
        """Lock due jobs for this runner. A job with an ordering key waits until every
        earlier job with that key is done or dead (FIFO per call)."""
        j = t.jobs
        k = aliased(t.jobs)
        earlier_open = exists().where(
            k.c.ordering_key == j.c.ordering_key,
            k.c.id < j.c.id,
            k.c.status.in_(("pending", "running")),
        )
        ready = or_(j.c.ordering_key.is_(None), ~earlier_open)
        if self._conn.dialect.name == "postgresql":
            due = (
                select(j.c.id)
                .where(
                    or_(
                        and_(j.c.status == "pending", j.c.run_at <= now),
                        and_(j.c.status == "running", j.c.locked_until < now),
                    ),
                    ready,
                )
                .order_by(j.c.run_at, j.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        else:
            # One OR over both states makes SQLite collect and sort every due job before
            # the LIMIT: O(backlog) per batch (30-80 ms at 20,000 queued). Each state alone
            # walks ix_jobs_status_run_at in order and stops after ``limit`` ready jobs; the
            # first ``limit`` of the two tops together are the same jobs.
            tops = [
                select(j.c.id, j.c.run_at)
                .where(state, ready)
                .order_by(j.c.run_at, j.c.id)
                .limit(limit)
                .subquery()
                for state in (
                    and_(j.c.status == "pending", j.c.run_at <= now),
                    and_(j.c.status == "running", j.c.locked_until < now),
                )
            ]
            both = union_all(*(select(top) for top in tops)).subquery()
            due = select(both.c.id).order_by(both.c.run_at, both.c.id).limit(limit)
        rows = self._conn.execute(
            update(j)
            .where(j.c.id.in_(due.scalar_subquery()))
            .values(status="running", locked_until=now + lock_seconds, attempts=j.c.attempts + 1)
            .returning(
                j.c.id,
                j.c.kind,
                j.c.payload,
                j.c.run_at,
                j.c.attempts,
                j.c.max_attempts,
                j.c.ordering_key,
            )
        ).all()
        jobs = [
            ClaimedJob(
                r.id, r.kind, r.payload, r.run_at, r.attempts, r.max_attempts, r.ordering_key
            )
            for r in rows
        ]
        # RETURNING promises no order: run timers in the order they fell due.
        return sorted(jobs, key=lambda job: (job.run_at, job.id))

    def finish(self, job_ids: list[int], now: float) -> None:
        if job_ids:
            self._conn.execute(_FINISH_JOB, [{"job_id": i, "now": now} for i in job_ids])

    def retry(self, job_id: int, run_at: float, error: str) -> None:
        self._conn.execute(
            update(t.jobs)
            .where(t.jobs.c.id == job_id)
            .values(status="pending", run_at=run_at, locked_until=None, last_error=error[:2000])
        )

    def dead(self, job_id: int, now: float, error: str) -> None:
        self._conn.execute(
            update(t.jobs)
            .where(t.jobs.c.id == job_id)
            .values(status="dead", finished_at=now, locked_until=None, last_error=error[:2000])
        )

    def next_run_at(self) -> float | None:
        value = self._conn.execute(
            select(func.min(t.jobs.c.run_at)).where(t.jobs.c.status == "pending")
        ).scalar()
        return None if value is None else float(value)

    def list_page(
        self, *, status: str | None, kind: str | None, skip: int, top: int
    ) -> list[dict[str, Any]]:
        query = select(t.jobs).order_by(t.jobs.c.id).offset(skip).limit(top)
        if status:
            query = query.where(t.jobs.c.status == status)
        if kind:
            query = query.where(t.jobs.c.kind == kind)
        return [dict(r) for r in self._conn.execute(query).mappings()]

    def fail_if_running(self, job_id: int, now: float, run_at: float | None, error: str) -> None:
        """A failed attempt of a job the runner still holds: pending again at ``run_at``, or
        dead when ``run_at`` is None. A job its handler already finished is left alone."""
        values: dict[str, Any] = (
            {"status": "dead", "finished_at": now}
            if run_at is None
            else {"status": "pending", "run_at": run_at}
        )
        self._conn.execute(
            update(t.jobs)
            .where(t.jobs.c.id == job_id, t.jobs.c.status == "running")
            .values(locked_until=None, last_error=error[:2000], **values)
        )


_INSERT_DELIVERY = t.deliveries.insert()


class DeliveryRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_all(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._conn.execute(_INSERT_DELIVERY, rows)

    def list_page(
        self, *, call_id: str | None, outcome: str | None, skip: int, top: int
    ) -> list[dict[str, Any]]:
        query = select(t.deliveries).order_by(t.deliveries.c.id).offset(skip).limit(top)
        if call_id:
            query = query.where(t.deliveries.c.call_id == call_id)
        if outcome:
            query = query.where(t.deliveries.c.outcome == outcome)
        return [dict(r) for r in self._conn.execute(query).mappings()]


class MeetingRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, meeting: OnlineMeeting) -> None:
        meeting.version = 1
        self._conn.execute(t.online_meetings.insert().values(**_meeting_row(meeting)))

    def save(self, meeting: OnlineMeeting, now: float) -> None:
        """Optimistic write: a concurrent writer makes this a Conflict."""
        meeting.modified_at = now
        values = _meeting_row(meeting)
        values["version"] = meeting.version + 1
        result = self._conn.execute(
            update(t.online_meetings)
            .where(
                t.online_meetings.c.id == meeting.id, t.online_meetings.c.version == meeting.version
            )
            .values(**values)
        )
        if result.rowcount != 1:
            raise Conflict(f"The meeting {meeting.id} was modified concurrently.")
        meeting.version += 1

    def delete(self, meeting_id: str) -> None:
        self._conn.execute(t.online_meetings.delete().where(t.online_meetings.c.id == meeting_id))

    def get(self, meeting_id: str) -> OnlineMeeting | None:
        return self._one(t.online_meetings.c.id == meeting_id)

    def find_by_join_meeting_id(self, join_meeting_id: str) -> OnlineMeeting | None:
        return self._one(t.online_meetings.c.join_meeting_id == join_meeting_id)

    def find_by_thread(self, tenant_id: str, thread_id: str) -> OnlineMeeting | None:
        return self._one(
            t.online_meetings.c.tenant_id == tenant_id, t.online_meetings.c.thread_id == thread_id
        )

    def find_by_external_id(
        self, tenant_id: str, organizer_id: str, external_id: str
    ) -> OnlineMeeting | None:
        return self._one(
            t.online_meetings.c.tenant_id == tenant_id,
            t.online_meetings.c.organizer_id == organizer_id,
            t.online_meetings.c.external_id == external_id,
        )

    def find(
        self,
        tenant_id: str,
        *,
        join_web_url: str | None = None,
        join_meeting_id: str | None = None,
        video_teleconference_id: str | None = None,
    ) -> list[OnlineMeeting]:
        m = t.online_meetings.c
        query = select(t.online_meetings).where(m.tenant_id == tenant_id).order_by(m.created_at)
        if join_web_url is not None:
            query = query.where(m.join_web_url == join_web_url)
        if join_meeting_id is not None:
            query = query.where(m.join_meeting_id == join_meeting_id)
        if video_teleconference_id is not None:
            query = query.where(m.video_teleconference_id == video_teleconference_id)
        return [_meeting_from_row(r) for r in self._conn.execute(query).mappings()]

    def _one(self, *conditions: Any) -> OnlineMeeting | None:
        row = self._conn.execute(select(t.online_meetings).where(*conditions)).mappings().first()
        return None if row is None else _meeting_from_row(row)


def _meeting_row(meeting: OnlineMeeting) -> dict[str, Any]:
    resource = meeting.resource
    return {
        "id": meeting.id,
        "tenant_id": meeting.tenant_id,
        "organizer_id": meeting.organizer_id,
        "join_meeting_id": meeting.join_meeting_id,
        "thread_id": meeting.thread_id,
        "join_web_url": resource["joinWebUrl"],
        "external_id": resource.get("externalId"),
        "video_teleconference_id": resource.get("videoTeleconferenceId"),
        "created_at": meeting.created_at,
        "modified_at": meeting.modified_at,
        "version": meeting.version,
        "document": {"resource": resource, "live": meeting.live},
    }


def _meeting_from_row(row: Any) -> OnlineMeeting:
    doc = row["document"]
    return OnlineMeeting(
        id=row["id"],
        tenant_id=row["tenant_id"],
        organizer_id=row["organizer_id"],
        resource=doc["resource"],
        live=doc["live"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        version=row["version"],
    )


# -- virtual-appointment SMS ------------------------------------------------------------


class SmsRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_all(self, messages: list[SmsMessage]) -> None:
        if messages:
            self._conn.execute(t.sms_messages.insert(), [_sms_row(m) for m in messages])

    def save(self, message: SmsMessage) -> None:
        self._conn.execute(
            update(t.sms_messages)
            .where(t.sms_messages.c.id == message.id)
            .values(_sms_row(message))
        )

    def get(self, message_id: str, *, for_update: bool = False) -> SmsMessage | None:
        query = select(t.sms_messages).where(t.sms_messages.c.id == message_id)
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).mappings().first()
        return None if row is None else _sms_from_row(row)

    def get_many(self, message_ids: list[str], *, for_update: bool = False) -> list[SmsMessage]:
        if not message_ids:
            return []
        query = select(t.sms_messages).where(t.sms_messages.c.id.in_(message_ids))
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.order_by(t.sms_messages.c.id).with_for_update()
        return [_sms_from_row(r) for r in self._conn.execute(query).mappings()]

    def save_many(self, messages: list[SmsMessage]) -> None:
        """One executemany for a batch (the runner's claim and outcome transactions)."""
        if not messages:
            return
        c = t.sms_messages.c
        self._conn.execute(
            update(t.sms_messages)
            .where(c.id == bindparam("b_id"))
            .values(
                status=bindparam("b_status"),
                due_at=bindparam("b_due_at"),
                updated_at=bindparam("b_updated_at"),
                document=bindparam("b_document"),
            ),
            [
                {
                    "b_id": row["id"],
                    "b_status": row["status"],
                    "b_due_at": row["due_at"],
                    "b_updated_at": row["updated_at"],
                    "b_document": row["document"],
                }
                for row in map(_sms_row, messages)
            ],
        )

    def scheduled_reminders(self, meeting_id: str) -> list[SmsMessage]:
        rows = self._conn.execute(
            select(t.sms_messages)
            .where(
                t.sms_messages.c.meeting_id == meeting_id,
                t.sms_messages.c.kind == "reminder",
                t.sms_messages.c.status == "scheduled",
            )
            .order_by(t.sms_messages.c.seq)
        ).mappings()
        return [_sms_from_row(r) for r in rows]

    def list_page(
        self,
        *,
        meeting_id: str | None,
        status: str | None,
        to: str | None,
        skip: int,
        top: int,
    ) -> list[SmsMessage]:
        c = t.sms_messages.c
        query = select(t.sms_messages).order_by(c.seq).offset(skip).limit(top)
        if meeting_id:
            query = query.where(c.meeting_id == meeting_id)
        if status:
            query = query.where(c.status == status)
        if to:
            query = query.where(c.to_number == to)
        return [_sms_from_row(r) for r in self._conn.execute(query).mappings()]


def _sms_row(message: SmsMessage) -> dict[str, Any]:
    document = {
        "timeZone": message.time_zone,
        "language": message.language,
        "text": message.text,
        "reason": message.reason,
        "attempts": message.attempts,
        "remindBeforeMinutes": message.remind_before_minutes,
        "sentAt": message.sent_at,
        "deliveredAt": message.delivered_at,
        "providerId": message.provider_id,
        "history": message.history,
    }
    return {
        "id": message.id,
        "meeting_id": message.meeting_id,
        "tenant_id": message.tenant_id,
        "kind": message.kind.value,
        "to_number": message.to,
        "status": message.status.value,
        "due_at": message.due_at,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
        "document": document,
    }


def _sms_from_row(row: Any) -> SmsMessage:
    d = row["document"]
    return SmsMessage(
        id=row["id"],
        meeting_id=row["meeting_id"],
        tenant_id=row["tenant_id"],
        kind=MessageType(row["kind"]),
        to=row["to_number"],
        time_zone=d["timeZone"],
        language=d["language"],
        text=d["text"],
        status=SmsStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        reason=d.get("reason"),
        attempts=d.get("attempts", 0),
        remind_before_minutes=d.get("remindBeforeMinutes"),
        due_at=row["due_at"],
        sent_at=d.get("sentAt"),
        delivered_at=d.get("deliveredAt"),
        provider_id=d.get("providerId"),
        history=list(d.get("history") or []),
    )
