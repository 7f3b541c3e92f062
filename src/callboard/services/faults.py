"""Fault injection (docs/fault-injection.md): the rules through the admin API, and the
decisions the job runner and the request middleware take from them.

Rules are read on every notification and Graph request, so each process keeps them in
memory and reloads them at most once a second (at once after a change it made itself):
with no rule, injection costs a list check.
"""

from __future__ import annotations

from callboard.domain.faults import Fault, FaultBook, first_notification_fault
from callboard.errors import GraphError, ItemNotFound
from callboard.json_types import JsonObject
from callboard.services.runtime import Runtime


def book(rt: Runtime) -> FaultBook:
    return rt.fault_book


def create_fault(rt: Runtime, body: JsonObject) -> Fault:
    fault = Fault.parse(rt.ids.new(), body)
    with rt.uow() as uow:
        uow.faults.add(fault, uow.now)
        uow.commit()
    book(rt).invalidate()
    return fault


def list_faults(rt: Runtime) -> list[Fault]:
    with rt.uow() as uow:
        return uow.faults.list_all()


def delete_fault(rt: Runtime, fault_id: str) -> None:
    with rt.uow() as uow:
        if not uow.faults.delete(fault_id):
            raise ItemNotFound(f"The fault {fault_id} does not exist.")
        uow.commit()
    book(rt).invalidate()


def clear_faults(rt: Runtime) -> None:
    with rt.uow() as uow:
        uow.faults.clear()
        uow.commit()
    book(rt).invalidate()


def notification_fault(rt: Runtime, payload: JsonObject, job_id: int) -> Fault | None:
    """The fault to inject into this notification's first attempt, if any."""
    rules = book(rt).rules(lambda: list_faults(rt))
    if not rules:
        return None
    return first_notification_fault(rules, payload.get("appId"), payload.get("callId"), job_id)


def request_fault(rt: Runtime, app_id: str | None, path: str) -> GraphError | None:
    """The error to answer this Graph request with instead, if a rule says so."""
    rules = book(rt).rules(lambda: list_faults(rt))
    for fault in rules:
        if fault.matches_request(app_id, path) and fault.fires(
            f"request:{book(rt).request_number(fault.id)}"
        ):
            return fault.error()
    return None


def has_rules(rt: Runtime) -> bool:
    return bool(book(rt).rules(lambda: list_faults(rt)))
