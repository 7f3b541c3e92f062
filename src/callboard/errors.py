"""Errors that reach a client: one hierarchy, one envelope per API.

Domain and service code raise only these (or plain bugs). Every one carries ``status_code``,
``code`` and ``message``; each API's handler renders its own branch: ``callboard.api.errors``
renders ``GraphError`` as Graph's ``{"error": {"code", "message", "innerError": {...}}}``,
``callboard.api.ucwa.errors`` renders ``UcwaError`` as UCWA's ``{code, subcode, message}``
(and a ``GraphError`` raised under ``/ucwa`` in UCWA's envelope too).

CallboardError
 ├── GraphError               500 generalException
 │    ├── BadRequest          400 invalidRequest
 │    │    ├── InvalidStateTransition   400 invalidRequest (a call action in the wrong state)
 │    │    └── SubscriptionValidationFailed  400 ValidationError (endpoint handshake failed)
 │    ├── Unauthenticated     401 InvalidAuthenticationToken
 │    ├── InvalidClient       401 invalid_client (the token endpoint renders it as OAuth does)
 │    ├── AccessDenied        403 accessDenied
 │    ├── ItemNotFound        404 itemNotFound
 │    ├── UnknownRoute        404 UnknownError
 │    ├── MethodNotAllowed    405 methodNotAllowed
 │    ├── Conflict            409 conflict
 │    ├── PayloadTooLarge     413 requestEntityTooLarge
 │    └── NotImplementedOperation  501 notImplemented
 └── UcwaError                any status; code from the status, plus subcode and parameters
"""

from __future__ import annotations

from callboard.json_types import JsonObject

__all__ = [
    "AccessDenied",
    "BadRequest",
    "CallboardError",
    "Conflict",
    "GraphError",
    "InvalidClient",
    "InvalidStateTransition",
    "ItemNotFound",
    "MethodNotAllowed",
    "NotImplementedOperation",
    "PayloadTooLarge",
    "SubscriptionValidationFailed",
    "Unauthenticated",
    "UcwaError",
    "UnknownRoute",
]


class CallboardError(Exception):
    """Base of every error a client sees: an HTTP status, a code and a message.

    Subclasses choose the envelope: each API registers a handler for its own branch.
    """

    status_code: int = 500
    code: str = "generalException"
    message: str = "An unexpected error occurred."

    def __init__(self, message: str | None = None) -> None:
        # The class attribute is the default text; an instance carries its own.
        self.message = message or type(self).message
        super().__init__(self.message)


class GraphError(CallboardError):
    """Base of every error rendered as a Graph error envelope."""

    def __init__(
        self,
        message: str | None = None,
        *,
        inner_code: str | None = None,
        details: list[JsonObject] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.inner_code = inner_code
        self.details = details
        self.headers = headers or {}

    @property
    def detail(self) -> str:
        """The message this error carries (the class's default when none was given)."""
        return self.message


class BadRequest(GraphError):
    """The request is malformed or breaks a documented rule."""

    status_code = 400
    # Graph's documented code for a malformed or rule-breaking request ("Microsoft Graph error
    # responses and resource types").
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


class PayloadTooLarge(GraphError):
    """A request body over the size limit."""

    status_code = 413
    code = "requestEntityTooLarge"
    message = "The request body is too large."


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


class SubscriptionValidationFailed(BadRequest):
    """A subscription's notification endpoint failed Graph's validation handshake."""

    code = "ValidationError"
    message = "Subscription validation request failed."


class UcwaError(CallboardError):
    """An error in UCWA's envelope: ``{code, subcode, message, parameters?}``.

    ``code`` follows from the HTTP status; ``subcode`` narrows it (``ParameterValidationFailure``,
    ``ApplicationNotFound`` ...) and ``parameters`` names the offending input properties, as
    the UCWA 2.0 documentation's "Errors and informational messages" page describes.
    """

    CODES = {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        405: "MethodNotAllowed",
        406: "NotAcceptable",
        408: "ClientTimeout",
        409: "Conflict",
        410: "Gone",
        412: "PreConditionFailed",
        413: "EntityTooLarge",
        415: "UnsupportedMediaType",
        428: "PreConditionRequired",
        429: "TooManyRequests",
        500: "ServiceFailure",
        503: "ServiceUnavailable",
        504: "Timeout",
    }

    def __init__(
        self,
        status_code: int,
        subcode: str | None,
        message: str,
        *,
        parameters: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = self.CODES.get(status_code, "ServiceFailure")
        self.subcode = subcode
        self.parameters = parameters or []

    @classmethod
    def from_graph(cls, exc: GraphError) -> UcwaError:
        """A Graph error raised under ``/ucwa`` (authentication, a concurrent write)."""
        subcode = {
            400: "BadRequest",
            403: None,
            404: "ResourceNotFound",
            405: "MethodNotAllowed",
            409: None,
        }.get(exc.status_code)
        return cls(exc.status_code, subcode, exc.message)


def invalid_parameter(message: str, *names: str) -> UcwaError:
    """UCWA's 400 for input properties that break a rule (named in ``parameters``)."""
    return UcwaError(400, "ParameterValidationFailure", message, parameters=list(names))
