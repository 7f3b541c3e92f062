"""Calls drive presence: a user of the tenant in a call is ``Busy/InACall`` (``InAMeeting``
in a meeting) through a session of Callboard's own, dropped when they leave, so their
presence returns to what it was. Presence subscribers hear of each change."""

from __future__ import annotations

from callboard.domain.call_records import CallLog, Leg
from callboard.services import change_notifications
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork


def _session_key(log: CallLog) -> str:
    return f"call:{log.call_id}"


def follow(rt: Runtime, uow: UnitOfWork, log: CallLog, joined: list[Leg], left: list[Leg]) -> None:
    directory = rt.directory(uow)
    activity = "InAMeeting" if log.kind == "meeting" else "InACall"
    still_in = {leg.user_id for leg in log.open_legs()}
    changes: dict[str, bool] = {}
    for leg in left:
        if leg.user_id and leg.user_id not in still_in:
            changes[leg.user_id] = False
    for leg in joined:
        if leg.user_id:
            changes[leg.user_id] = True
    for user_id, in_call in changes.items():
        if directory.user(log.tenant_id, user_id) is None:
            continue  # someone of another tenant: their presence is not this tenant's
        current = uow.presences.get(log.tenant_id, user_id)
        key = _session_key(log)
        if in_call:
            updated = current.join_call(key, activity, uow.now)
        elif key in current.sessions:
            updated = current.leave_call(key)
        else:
            continue
        uow.presences.save(updated, current.sequence)
        change_notifications.presence_changed(rt, uow, log.tenant_id, user_id)
