"""Who may reach whose meetings: the owner a path names (``me`` or a user id / UPN), checked
against the token's permissions, the app's access policy and the meeting's people.

Shared by the onlineMeeting operations and the virtual-appointment SMS operations.
"""

from __future__ import annotations

from dataclasses import dataclass

from callboard.domain.directory import Directory, User
from callboard.domain.meetings import OnlineMeeting
from callboard.errors import AccessDenied, BadRequest, ItemNotFound
from callboard.services.runtime import Runtime
from callboard.store.uow import UnitOfWork
from callboard.tokens import Principal

ME = "me"


@dataclass(frozen=True)
class Permissions:
    """Any one of ``delegated`` (user tokens) or of ``application`` (app-only tokens);
    ``application`` None: the operation refuses app-only tokens."""

    delegated: tuple[str, ...]
    application: tuple[str, ...] | None


MEETINGS_READ = Permissions(
    ("OnlineMeetings.Read", "OnlineMeetings.ReadWrite"),
    ("OnlineMeetings.Read.All", "OnlineMeetings.ReadWrite.All"),
)
MEETINGS_WRITE = Permissions(("OnlineMeetings.ReadWrite",), ("OnlineMeetings.ReadWrite.All",))


def require(principal: Principal, permissions: tuple[str, ...]) -> None:
    if not principal.permissions.intersection(permissions):
        raise AccessDenied(f"The token needs one of these permissions: {', '.join(permissions)}.")


def policy_allows(directory: Directory, principal: Principal, user: User) -> bool:
    """Whether an application access policy lets the token's app act for ``user``."""
    for policy in directory.access_policies.get(principal.tenant_id, []):
        if principal.app_id in policy.app_ids and (policy.all_users or user.id in policy.users):
            return True
    return False


def resolve_owner(
    rt: Runtime, uow: UnitOfWork, principal: Principal, user_ref: str, needs: Permissions
) -> User:
    """The user the path names, after the permission, policy and self checks."""
    if principal.is_app_only:
        if needs.application is None:
            raise AccessDenied("This operation does not support application permissions.")
        if user_ref == ME:
            raise BadRequest("/me request is only valid with delegated authentication flow.")
        require(principal, needs.application)
    else:
        require(principal, needs.delegated)
    ref = principal.user_id or "" if user_ref == ME else user_ref
    directory = rt.directory(uow)
    user = directory.user(principal.tenant_id, ref)
    if user is None:
        raise ItemNotFound(f"The user {ref} does not exist in this tenant.")
    if principal.is_app_only:
        if not policy_allows(directory, principal, user):
            raise AccessDenied("No application access policy found for this app.")
    elif user.id != principal.user_id:
        raise AccessDenied("A delegated token can only reach its own user's meetings.")
    return user


def load_meeting(uow: UnitOfWork, user: User, meeting_id: str) -> OnlineMeeting:
    """A meeting ``user`` organizes or is invited to; 404 for any other."""
    meeting = uow.meetings.get(meeting_id)
    if (
        meeting is None
        or meeting.tenant_id != user.tenant_id
        or not (meeting.organizer_id == user.id or meeting.is_invited(user.id))
    ):
        raise ItemNotFound(f"The onlineMeeting {meeting_id} does not exist.")
    return meeting


def load_organized(uow: UnitOfWork, user: User, meeting_id: str, action: str) -> OnlineMeeting:
    """A meeting ``user`` organizes: 404 when it cannot see it, 403 when only invited."""
    meeting = load_meeting(uow, user, meeting_id)
    if meeting.organizer_id != user.id:
        raise AccessDenied(f"Only the organizer can {action} a meeting.")
    return meeting
