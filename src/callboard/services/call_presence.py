"""Calls drive presence: a user of the tenant in a call is ``Busy/InACall``, in a meeting
``Busy/InAMeeting``, through a session of Callboard's own, dropped when they leave, so their
presence returns to what it was. Presence subscribers hear of each change.

Peer-to-peer and group calls are followed through their call-record log (``follow``); a
meeting through its roster's attendance (``follow_meeting``), bots or not."""

from __future__ import annotations

from callboard.domain.call_records import CallLog, Leg
from callboard.domain.presence import IN_A_CALL, IN_A_MEETING
from callboard.services import change_notifications
from callboard.services.runtime import Runtime
from callboard.store.meetings import AttendanceChange
from callboard.store.uow import UnitOfWork


def follow(rt: Runtime, uow: UnitOfWork, log: CallLog, joined: list[Leg], left: list[Leg]) -> None:
    if log.kind == "meeting":
        return  # the meeting's roster says who is in it (follow_meeting)
    still_in = {leg.user_id for leg in log.open_legs()}
    changes: dict[str, bool] = {}
    for leg in left:
        if leg.user_id and leg.user_id not in still_in:
            changes[leg.user_id] = False
    for leg in joined:
        if leg.user_id:
            changes[leg.user_id] = True
    _apply(rt, uow, log.tenant_id, IN_A_CALL, changes)


def follow_meeting(rt: Runtime, uow: UnitOfWork, change: AttendanceChange) -> None:
    """People came into or left a meeting (the unit of work's attendance observer)."""
    changes: dict[str, bool] = {}
    for key, present in [(k, False) for k in change.left] + [(k, True) for k in change.joined]:
        kind, _, user_id = key.partition(":")
        if kind == "user":
            changes[user_id] = present
    _apply(rt, uow, change.tenant_id, IN_A_MEETING, changes)


def _apply(
    rt: Runtime,
    uow: UnitOfWork,
    tenant_id: str,
    activity: str,
    changes: dict[str, bool],
) -> None:
    directory = rt.directory(uow)
    for user_id, present in changes.items():
        if directory.user(tenant_id, user_id) is None:
            continue  # someone of another tenant: their presence is not this tenant's
        current = uow.presences.get(tenant_id, user_id)
        if present:
            updated = current.join_call(activity)
        elif current.in_call(activity):
            updated = current.leave_call(activity)
        else:
            continue
        uow.presences.save(updated, current.sequence)
        change_notifications.presence_changed(rt, uow, tenant_id, user_id)
