"""UCWA applications, and who is asking: every UCWA request names one of them.

An application belongs to the user whose delegated token created it; the UCWA meeting
resources are reached through it (docs/ucwa.md, "Authentication").
"""

from __future__ import annotations

import uuid

from callboard.domain.directory import User
from callboard.domain.ucwa_applications import ApplicationRequest, UcwaApplication
from callboard.errors import UcwaError
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

# Delegated scopes that reach the UCWA meeting resources: UCWA's own (Meetings.ReadWrite) or
# Graph's (OnlineMeetings.ReadWrite), so one token serves both faces of the store.
SCOPES = ("Meetings.ReadWrite", "OnlineMeetings.ReadWrite")


def requesting_user(rt: Runtime, uow: UnitOfWork, principal: Principal) -> User:
    """The directory user of a delegated token with a UCWA scope; 403 otherwise."""
    if principal.is_app_only or principal.user_id is None:
        raise UcwaError(403, None, "UCWA needs a delegated (user) token.")
    if not principal.permissions.intersection(SCOPES):
        raise UcwaError(403, None, f"The token needs one of these scopes: {', '.join(SCOPES)}.")
    user = rt.directory(uow).user(principal.tenant_id, principal.user_id)
    if user is None:
        raise UcwaError(403, None, "The token's user is not in the directory.")
    return user


def _owned(uow: UnitOfWork, user: User, app_id: str) -> UcwaApplication:
    app = uow.ucwa_applications.get(app_id)
    if app is None or not app.belongs_to(user.tenant_id, user.id):
        raise UcwaError(404, "ApplicationNotFound", f"The application {app_id} does not exist.")
    return app


def application_user(rt: Runtime, uow: UnitOfWork, principal: Principal, app_id: str) -> User:
    """The requesting user, who must own the application ``app_id`` (404 otherwise)."""
    user = requesting_user(rt, uow, principal)
    _owned(uow, user, app_id)
    return user


def create_application(
    rt: Runtime, principal: Principal, request: ApplicationRequest
) -> tuple[UcwaApplication, User]:
    """The same user and endpointId again: the application made the first time."""
    with rt.uow() as uow:
        user = requesting_user(rt, uow, principal)
        existing = uow.ucwa_applications.find(user.tenant_id, user.id, request.endpoint_id)
        if existing is not None:
            return existing, user
        app = UcwaApplication(
            str(uuid.UUID(rt.ids.new()).int % 10**9), user.tenant_id, user.id, request
        )
        uow.ucwa_applications.add(app, uow.now)
        uow.commit()
    return app, user


def get_application(rt: Runtime, principal: Principal, app_id: str) -> tuple[UcwaApplication, User]:
    with rt.uow() as uow:
        user = requesting_user(rt, uow, principal)
        return _owned(uow, user, app_id), user
