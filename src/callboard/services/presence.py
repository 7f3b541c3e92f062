"""Presence use cases: read one or many users' presence; the set/clear actions.

Permissions follow Graph's presence pages: reading needs ``Presence.Read`` (own presence)
or ``Presence.Read.All``; ``setPresence`` / ``clearPresence`` are application-only
(``Presence.ReadWrite.All``, and the session id must be the application's id); the
preferred presence and the status message accept ``Presence.ReadWrite`` (own) or
``Presence.ReadWrite.All``.
"""

from __future__ import annotations

from collections.abc import Callable

from callboard.domain.directory import User
from callboard.domain.presence import Presence, StatusMessage
from callboard.errors import AccessDenied, BadRequest, Conflict, ItemNotFound
from callboard.services import change_notifications
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

ME = "me"
MAX_IDS = 650
# A concurrent writer of the same user's presence: the change is retried this often.
_ATTEMPTS = 3


def _allow(principal: Principal, user: User, own: str, every: str) -> None:
    if every in principal.permissions:
        return
    if not principal.is_app_only and own in principal.permissions and user.id == principal.user_id:
        return
    wanted = every if principal.is_app_only else f"{own} (own presence) or {every}"
    raise AccessDenied(f"The token needs the permission {wanted}.")


def _user(rt: Runtime, uow: UnitOfWork, principal: Principal, user_ref: str) -> User:
    if user_ref == ME:
        if principal.is_app_only:
            raise BadRequest("/me request is only valid with delegated authentication flow.")
        user_ref = principal.user_id or ""
    user = rt.directory(uow).user(principal.tenant_id, user_ref)
    if user is None:
        raise ItemNotFound(f"The user {user_ref} does not exist in this tenant.")
    return user


def get_presence(rt: Runtime, principal: Principal, user_ref: str) -> tuple[Presence, float]:
    """The user's presence and the time it is evaluated at."""
    with rt.uow() as uow:
        user = _user(rt, uow, principal, user_ref)
        _allow(principal, user, "Presence.Read", "Presence.Read.All")
        return uow.presences.get(user.tenant_id, user.id), uow.now


def get_presences_by_user_id(
    rt: Runtime, principal: Principal, ids: list[str]
) -> tuple[list[Presence], float]:
    """``getPresencesByUserId``: in the order asked; ids of no user in the tenant are left
    out (Graph answers for the users it knows)."""
    if not ids:
        raise BadRequest("ids must name at least one user.")
    if len(ids) > MAX_IDS:
        raise BadRequest(f"At most {MAX_IDS} user ids can be asked for at once.")
    if "Presence.Read.All" not in principal.permissions:
        raise AccessDenied("The token needs the permission Presence.Read.All.")
    with rt.uow() as uow:
        directory = rt.directory(uow)
        users = [u for u in (directory.user(principal.tenant_id, i) for i in ids) if u]
        stored = uow.presences.get_many(principal.tenant_id, [u.id for u in users])
        found = [stored.get(u.id) or Presence(u.tenant_id, u.id) for u in users]
        return list({p.user_id: p for p in found}.values()), uow.now


def _change(
    rt: Runtime,
    principal: Principal,
    user_ref: str,
    permissions: tuple[str, str],
    change: Callable[[Presence, float], Presence],
) -> None:
    for attempt in range(_ATTEMPTS):
        try:
            with rt.uow() as uow:
                user = _user(rt, uow, principal, user_ref)
                _allow(principal, user, *permissions)
                current = uow.presences.get(user.tenant_id, user.id)
                uow.presences.save(change(current, uow.now), current.sequence)
                change_notifications.presence_changed(rt, uow, user.tenant_id, user.id)
                uow.commit()
            return
        except Conflict:
            if attempt == _ATTEMPTS - 1:
                raise


def _app_session(principal: Principal, session_id: str | None) -> str:
    if not principal.is_app_only:
        raise AccessDenied("setPresence and clearPresence need an application token.")
    if session_id != principal.app_id:
        raise BadRequest("sessionId must be the id of the calling application.")
    return session_id


def set_presence(
    rt: Runtime,
    principal: Principal,
    user_ref: str,
    *,
    session_id: str | None,
    availability: str,
    activity: str,
    duration: float | None,
) -> None:
    session = _app_session(principal, session_id)
    _change(
        rt,
        principal,
        user_ref,
        ("Presence.ReadWrite.All", "Presence.ReadWrite.All"),
        lambda p, now: p.set_session(session, availability, activity, duration, now),
    )


def clear_presence(
    rt: Runtime, principal: Principal, user_ref: str, *, session_id: str | None
) -> None:
    session = _app_session(principal, session_id)
    _change(
        rt,
        principal,
        user_ref,
        ("Presence.ReadWrite.All", "Presence.ReadWrite.All"),
        lambda p, now: p.clear_session(session, now),
    )


def set_user_preferred_presence(
    rt: Runtime,
    principal: Principal,
    user_ref: str,
    *,
    availability: str,
    activity: str,
    duration: float | None,
) -> None:
    _change(
        rt,
        principal,
        user_ref,
        ("Presence.ReadWrite", "Presence.ReadWrite.All"),
        lambda p, now: p.set_preferred(availability, activity, duration, now),
    )


def clear_user_preferred_presence(rt: Runtime, principal: Principal, user_ref: str) -> None:
    _change(
        rt,
        principal,
        user_ref,
        ("Presence.ReadWrite", "Presence.ReadWrite.All"),
        lambda p, now: p.clear_preferred(),
    )


def set_status_message(
    rt: Runtime,
    principal: Principal,
    user_ref: str,
    message: Callable[[float], StatusMessage | None],
) -> None:
    """``message(now)`` builds the status message (its publishedDateTime is now)."""
    _change(
        rt,
        principal,
        user_ref,
        ("Presence.ReadWrite", "Presence.ReadWrite.All"),
        lambda p, now: p.set_status_message(message(now)),
    )
