"""The test control plane: reset, directory, behaviours, jobs, the clock (deliveries:
``services/deliveries.py``)."""

from __future__ import annotations

from callboard.domain.calls import Call
from callboard.domain.directory import Behaviour, Directory
from callboard.errors import BadRequest, ItemNotFound
from callboard.json_types import JsonObject
from callboard.services import clock_sync, directory_loading, meetings
from callboard.services.runtime import Runtime
from callboard.store.db import reset_state


def reset(rt: Runtime) -> None:
    """Forget every call, meeting, job, delivery and behaviour; put the virtual clock back to
    real time; reload the configured directory (and its meeting fixtures). The signing keys
    stay, so tokens issued before a reset stay valid."""
    reset_state(rt.engine)
    clock_sync.reset(rt)
    rt.directory_cache.invalidate()
    with rt.uow() as uow:
        directory_loading.ensure_directory(uow, rt.settings.directory_file)
        uow.commit()
    # Again: a request between the two transactions may have cached the empty directory.
    rt.directory_cache.invalidate()
    meetings.load_fixtures(rt)


# What the admin API shows instead of a client secret. Sent back in a PUT, it keeps the stored
# secret of that application, so a GET-edit-PUT round trip changes no secret.
MASKED_SECRET = "********"


def get_directory(rt: Runtime) -> JsonObject:
    """The directory document, client secrets masked: the admin API never returns them."""
    with rt.uow() as uow:
        document = directory_loading.directory_document(uow)
    for app in document.get("applications", []):
        if app.get("clientSecret"):
            app["clientSecret"] = MASKED_SECRET
    return document


def load_directory(rt: Runtime, document: JsonObject) -> None:
    """Validate and store a directory; an invalid one changes nothing."""
    with rt.uow() as uow:
        stored = Directory.parse(directory_loading.directory_document(uow))
        document = _unmask_secrets(document, stored)
        directory_loading.replace_directory(uow, document)
        uow.commit()
    rt.directory_cache.invalidate()
    meetings.load_fixtures(rt)


def set_behaviour(rt: Runtime, identity_id: str, behaviour: Behaviour) -> None:
    with rt.uow() as uow:
        uow.behaviours.put(identity_id, behaviour)
        uow.commit()


def list_behaviours(rt: Runtime) -> dict[str, Behaviour]:
    with rt.uow() as uow:
        return uow.behaviours.all()


def delete_behaviour(rt: Runtime, identity_id: str) -> None:
    with rt.uow() as uow:
        if not uow.behaviours.delete(identity_id):
            raise ItemNotFound(f"No behaviour is set for {identity_id}.")
        uow.commit()


def list_jobs(
    rt: Runtime, *, status: str | None, kind: str | None, skip: int, top: int
) -> tuple[list[JsonObject], bool]:
    """One page of jobs, oldest first, and whether more follow."""
    with rt.uow() as uow:
        rows = uow.jobs.list_page(status=status, kind=kind, skip=skip, top=top + 1)
    return rows[:top], len(rows) > top


def list_calls(
    rt: Runtime,
    *,
    app_id: str | None,
    tenant_id: str | None,
    state: str | None,
    skip: int,
    top: int,
) -> tuple[list[Call], bool]:
    """One page of calls, oldest first, and whether more follow."""
    with rt.uow(read_only=True) as uow:
        calls = uow.calls.list_page(
            app_id=app_id, tenant_id=tenant_id, state=state, skip=skip, top=top + 1
        )
    return calls[:top], len(calls) > top


def advance_clock(rt: Runtime, seconds: float) -> float:
    if not rt.settings.virtual_clock:
        raise BadRequest("The clock is the system clock here (production mode); it cannot move.")
    if seconds < 0:
        raise BadRequest("The clock only moves forward.")
    return clock_sync.advance(rt, seconds)


def _unmask_secrets(document: JsonObject, stored: Directory) -> JsonObject:
    """``document`` (the admin body, not parsed yet) with each masked secret replaced by the
    stored one of the same app."""
    apps = document.get("applications") if isinstance(document, dict) else None
    if not isinstance(apps, list):
        return document
    secrets = {app_id: app.client_secret for app_id, app in stored.applications.items()}
    unmasked = []
    for app in apps:
        if isinstance(app, dict) and app.get("clientSecret") == MASKED_SECRET:
            app_id = app.get("appId")
            kept = secrets.get(app_id) if isinstance(app_id, str) else None
            if not kept:
                raise BadRequest(
                    f"applications: {app_id} has the masked secret {MASKED_SECRET} "
                    "but no stored secret to keep; give its clientSecret."
                )
            app = {**app, "clientSecret": kept}
        unmasked.append(app)
    return {**document, "applications": unmasked}


def get_call(rt: Runtime, call_id: str) -> Call:
    """Any call, ended ones included (Graph's GET forgets a call once it has ended)."""
    with rt.uow() as uow:
        call = uow.calls.get(call_id)
    if call is None:
        raise ItemNotFound(f"The call {call_id} does not exist.")
    return call
