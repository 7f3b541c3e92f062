"""Call records: each call's log follows its roster; when the call ends, its record is
published after ``call_record_delay_seconds`` (a durable ``callRecord.publish`` job) and
announced to the tenant's subscribers; read with ``GET /communications/callRecords`` (list)
and ``/{id}``, ``getPstnCalls`` and ``getDirectRoutingCalls``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from callboard.domain.call_record_json import pstn_rows
from callboard.domain.call_records import CallLog, CallParty, RecordFilter, Seen, record_start
from callboard.domain.calls import Call, CallKind, CallState
from callboard.domain.events import CallStateChanged, RosterChanged
from callboard.errors import AccessDenied, BadRequest, ItemNotFound
from callboard.json_types import JsonObject
from callboard.services import call_presence, change_notifications
from callboard.services.runtime import Runtime
from callboard.store.call_records import CLOSED, OPEN, PUBLISHED
from callboard.store.jobs import NewJob
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

CALL_RECORD_PUBLISH = "callRecord.publish"
READ_PERMISSIONS = ("CallRecords.Read.All",)
PSTN_PERMISSIONS = ("CallRecord-PstnCalls.Read.All", "CallRecords.Read.All")
DIRECT_ROUTING_PERMISSIONS = ("CallRecord-PstnCalls.Read.All", "CallRecords.Read.All")
# getPstnCalls / getDirectRoutingCalls: at most 90 days between fromDateTime and toDateTime.
MAX_RANGE_SECONDS = 90 * 86400.0


def _add_log(uow: UnitOfWork, call: Call) -> CallLog:
    """The call's new log, stored: its record id is the call's chain id, or the call's own id
    where another call's record already has that chain id."""
    log = _new_log(uow, call, call.resource.call_chain_id or call.id)
    if not uow.call_records.add_unless_taken(log):
        log.record_id = call.id
        uow.call_records.add(log)
    return log


def _new_log(uow: UnitOfWork, call: Call, record_id: str) -> CallLog:
    resource = call.resource
    organizer: JsonObject = resource.source.identity.echo
    join_web_url = None
    if call.meeting_id is not None:
        meeting = uow.meetings.get(call.meeting_id)
        if meeting is not None:
            people = meeting.resource.get("participants") or {}
            organizer = (people.get("organizer") or {}).get("identity") or organizer
            join_web_url = meeting.resource.get("joinWebUrl")
    return CallLog(
        record_id=record_id,
        call_id=call.id,
        tenant_id=call.tenant_id,
        app_id=call.app_id,
        kind=call.kind.value,
        direction=call.direction,
        started_at=call.created_at,
        organizer=CallParty.of(organizer),
        targets=[CallParty.of(t.identity.echo) for t in resource.targets],
        join_web_url=join_web_url,
        meeting_id=call.meeting_id if call.kind is CallKind.MEETING else None,
    )


def observe(rt: Runtime, uow: UnitOfWork, call: Call) -> None:
    """The unit of work's observer: the call's log follows its roster (and the people in
    it their presence); a call that ended has its record published later."""
    if not any(isinstance(e, CallStateChanged | RosterChanged) for e in call.events):
        return  # operations and content sharing: nobody came or went
    # A call placed in this transaction has no log yet: no query for one (create-call's path).
    found = None if uow.added_here(call) else uow.call_records.of_call(call.id)
    if found is None:
        log, status = _add_log(uow, call), OPEN
    else:
        log, status = found
    if status != OPEN:
        return
    roster = [
        Seen(p.id, p.identity, tuple(s.media_type for s in p.media_streams), p.is_in_lobby)
        for p in call.participants
    ]
    joined, left = log.observe(roster, uow.now)
    ended = call.state is CallState.TERMINATED
    if ended:
        reason = call.result_info.message if call.result_info is not None else None
        left.extend(log.close(uow.now, reason))
    if joined or left or ended:
        uow.call_records.save(log, CLOSED if ended else OPEN)
    call_presence.follow(rt, uow, log, joined, left)
    if ended:
        uow.schedule(
            NewJob(
                kind=CALL_RECORD_PUBLISH,
                payload={"recordId": log.record_id},
                run_at=uow.now + rt.settings.call_record_delay_seconds,
                max_attempts=10,
            )
        )


def publish(rt: Runtime, payload: JsonObject, job_id: int) -> None:
    """The ``callRecord.publish`` job: the record becomes readable and is announced, once."""
    with rt.uow() as uow:
        found = uow.call_records.get(payload["recordId"])
        if found is not None and found[1] == CLOSED:
            log = found[0]
            uow.call_records.save(log, PUBLISHED)
            participants = tuple(leg.user_id for leg in log.legs if leg.user_id)
            if log.organizer.user_id:
                participants += (log.organizer.user_id,)
            change_notifications.call_record_created(
                rt, uow, log.tenant_id, log.record_id, participants
            )
        uow.jobs.finish([job_id], uow.now)
        uow.commit()


def _require(principal: Principal, permissions: tuple[str, ...]) -> None:
    if not principal.is_app_only:
        raise AccessDenied("Call records are available to application tokens only.")
    if not principal.permissions.intersection(permissions):
        raise AccessDenied(f"The token needs one of these permissions: {', '.join(permissions)}.")


def get_call_record(rt: Runtime, principal: Principal, record_id: str) -> CallLog:
    _require(principal, READ_PERMISSIONS)
    with rt.uow() as uow:
        found = uow.call_records.get(record_id)
    if found is None or found[1] != PUBLISHED or found[0].tenant_id != principal.tenant_id:
        raise ItemNotFound(f"The callRecord {record_id} does not exist.")
    return found[0]


def list_call_records(rt: Runtime, principal: Principal, odata_filter: str | None) -> list[CallLog]:
    """``GET /communications/callRecords``: the tenant's published records, oldest first,
    filtered as Graph's *List callRecords* allows."""
    _require(principal, READ_PERMISSIONS)
    wanted = RecordFilter.parse(odata_filter)
    moment = _moment("$filter")
    with rt.uow() as uow:
        logs = uow.call_records.published(principal.tenant_id)
    return [log for log in logs if wanted.matches(log, record_start(log), moment)]


def _moment(name: str) -> Callable[[str], float]:
    return lambda text: _timestamp(text, name)


def parse_range(from_text: str | None, to_text: str | None) -> tuple[float, float]:
    """``fromDateTime`` and ``toDateTime`` (dates or date-times, UTC when no offset), both
    required, in order, at most 90 days apart."""
    if not from_text or not to_text:
        raise BadRequest("fromDateTime and toDateTime are both required.")
    start, end = _timestamp(from_text, "fromDateTime"), _timestamp(to_text, "toDateTime")
    if end < start:
        raise BadRequest("toDateTime must not be earlier than fromDateTime.")
    if end - start > MAX_RANGE_SECONDS:
        raise BadRequest("The range between fromDateTime and toDateTime cannot exceed 90 days.")
    return start, end


def _timestamp(text: str, name: str) -> float:
    value = text.strip().strip("'")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} is not a valid DateTimeOffset: {text!r}.") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def get_pstn_calls(rt: Runtime, principal: Principal, start: float, end: float) -> list[JsonObject]:
    """Every PSTN leg of the tenant's calls that started in the range, oldest first."""
    _require(principal, PSTN_PERMISSIONS)
    with rt.uow() as uow:
        logs = uow.call_records.published_between(principal.tenant_id, start, end)
    return [row for log in logs for row in pstn_rows(log)]


def get_direct_routing_calls(
    rt: Runtime, principal: Principal, start: float, end: float
) -> list[JsonObject]:
    """Callboard simulates no session border controller: every phone leg is a Calling Plan
    leg (``getPstnCalls``), so this log is empty (docs/call-records.md)."""
    _require(principal, DIRECT_ROUTING_PERMISSIONS)
    return []
