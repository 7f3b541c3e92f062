"""Errors that reach a client as Graph's error envelope.

Domain and service code raise only these (or plain bugs); one handler in
``callboard.api.errors`` renders them as
``{"error": {"code", "message", "innerError": {...}}}`` with ``status_code``.

GraphError
 ├── BadRequest               400 invalidRequest
 │    └── InvalidStateTransition   400 invalidRequest (a call action in the wrong state)
 ├── Unauthenticated          401 InvalidAuthenticationToken
 ├── InvalidClient            401 invalid_client (the token endpoint renders it as OAuth does)
 ├── AccessDenied             403 accessDenied
 ├── ItemNotFound             404 itemNotFound
 ├── UnknownRoute             404 UnknownError
 ├── MethodNotAllowed         405 methodNotAllowed
 ├── Conflict                 409 conflict
 └── NotImplementedOperation  501 notImplemented
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AccessDenied",
    "BadRequest",
    "Conflict",
    "GraphError",
    "InvalidClient",
    "InvalidStateTransition",
    "ItemNotFound",
    "MethodNotAllowed",
    "NotImplementedOperation",
    "Unauthenticated",
    "UnknownRoute",
]


class GraphError(Exception):
    """Base of every error rendered as a Graph error envelope."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "generalException"
    message: ClassVar[str] = "An unexpected error occurred."

    def __init__(
        self,
        message: str | None = None,
        *,
        inner_code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail = message or self.message
        self.inner_code = inner_code
        self.details = details
        self.headers = headers or {}
        super().__init__(self.detail)


class BadRequest(GraphError):
    """The request is malformed or breaks a documented rule."""

    status_code = 400
    # Graph's documented code for a malformed or rule-breaking request (SPEC-NOTES section 9).
    code = "invalidRequest"
    message = "The request is invalid."


class InvalidStateTransition(BadRequest):
    """A call action that the call's current state does not allow."""

    message = "The call is not in a state that allows this action."


class Unauthenticated(GraphError):
    """A missing, expired or badly signed bearer token."""

    status_code = 401
    code = "InvalidAuthenticationToken"
    message = "Access token is empty."


class InvalidClient(GraphError):
    """Unknown client id, wrong secret, or an app not registered in the tenant: the token
    endpoint answers with OAuth's ``{"error": "invalid_client", "error_description"}``."""

    status_code = 401
    code = "invalid_client"
    message = "Invalid client id or secret."


class AccessDenied(GraphError):
    """The token lacks a permission the operation needs."""

    status_code = 403
    code = "accessDenied"
    message = "Insufficient privileges to complete the operation."


class ItemNotFound(GraphError):
    """The resource does not exist, or the caller's tenant or app cannot see it."""

    status_code = 404
    code = "itemNotFound"
    message = "The requested resource was not found."


class UnknownRoute(GraphError):
    """No Graph operation lives at this path."""

    status_code = 404
    code = "UnknownError"
    message = "Resource not found for the segment."


class MethodNotAllowed(GraphError):
    """The path exists but not with this HTTP method."""

    status_code = 405
    code = "methodNotAllowed"
    message = "The HTTP method is not allowed on this resource."


class Conflict(GraphError):
    """A concurrent change won; the caller may retry."""

    status_code = 409
    code = "conflict"
    message = "The resource was modified concurrently; retry the request."


class NotImplementedOperation(GraphError):
    """A Graph operation that Callboard knows of but does not implement yet."""

    status_code = 501
    code = "notImplemented"
    message = "This Graph operation is not implemented by Callboard."
