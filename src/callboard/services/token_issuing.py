"""Issuing access tokens for the directory's applications and users."""

from __future__ import annotations

import hmac
import time

from callboard.errors import BadRequest, InvalidClient
from callboard.services.runtime import Runtime

__all__ = ["InvalidClient", "client_credentials", "issue_token"]


def issue_token(
    rt: Runtime, *, app_id: str | None = None, user: str | None = None, tenant_id: str | None = None
) -> str:
    """An app-only token (``roles``) or, with ``user``, a delegated one (``scp``)."""
    with rt.uow() as uow:
        directory = rt.directory(uow)
    if app_id is None:
        app = next(iter(directory.applications.values()), None)
    else:
        app = directory.applications.get(app_id)
    if app is None:
        raise BadRequest(f"Unknown application {app_id!r}.")
    now = rt.clock.now()
    lifetime = rt.settings.token_lifetime_seconds
    if user is not None:
        found = directory.user(tenant_id, user) if tenant_id else directory.find_user_anywhere(user)
        if found is None:
            raise BadRequest(f"Unknown user {user!r}.")
        if found.tenant_id not in app.tenants:
            raise BadRequest(
                f"The application {app.app_id} is not registered in the user's "
                f"tenant {found.tenant_id}."
            )
        return rt.keyring.issue_access_token(
            tenant_id=found.tenant_id,
            app_id=app.app_id,
            app_name=app.display_name,
            now=now,
            wall_now=time.time(),
            lifetime=lifetime,
            user_id=found.id,
            upn=found.user_principal_name,
            scopes=sorted(app.delegated_permissions),
        )
    tenant = tenant_id or app.tenants[0]
    if tenant not in app.tenants:
        raise BadRequest(f"The application {app.app_id} is not registered in tenant {tenant}.")
    return rt.keyring.issue_access_token(
        tenant_id=tenant,
        app_id=app.app_id,
        app_name=app.display_name,
        now=now,
        wall_now=time.time(),
        lifetime=lifetime,
        roles=sorted(app.application_permissions),
    )


def client_credentials(rt: Runtime, tenant_id: str, client_id: str, secret: str) -> str:
    with rt.uow() as uow:
        app = rt.directory(uow).applications.get(client_id)
    if app is None or not hmac.compare_digest(app.client_secret, secret):
        raise InvalidClient("Invalid client id or secret.")
    if tenant_id not in app.tenants:
        raise InvalidClient(f"The application is not registered in tenant {tenant_id}.")
    return issue_token(rt, app_id=client_id, tenant_id=tenant_id)
