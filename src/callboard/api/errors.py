"""One envelope for every error: ``{"error": {"code", "message", "innerError": {...}}}``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from callboard.api import deps, write_retry
from callboard.api.responses import json_response
from callboard.errors import (
    BadRequest,
    GraphError,
    MethodNotAllowed,
    Unauthenticated,
    UnknownRoute,
)
from callboard.json_types import JsonObject

log = logging.getLogger("callboard.api")

WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
    'authorize", client_id="00000003-0000-0000-c000-000000000000"'
)


def envelope(request: Request, error: GraphError) -> JsonObject:
    state = request.scope.get("state") or {}
    inner: JsonObject = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": state.get("request_id"),
        "client-request-id": state.get("client_request_id"),
    }
    if error.inner_code:
        inner["code"] = error.inner_code
    body: JsonObject = {"code": error.code, "message": error.detail, "innerError": inner}
    if error.details:
        body["details"] = error.details
    return {"error": body}


def render(request: Request, error: GraphError) -> Response:
    headers = dict(error.headers)
    if isinstance(error, Unauthenticated):
        headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
    return json_response(envelope(request, error), error.status_code, headers)


async def _graph_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GraphError)
    write_retry.mark(request, exc)
    return render(request, exc)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if deps.endpoint_authenticates_itself(request) or any(
        err.get("type") == "json_invalid" for err in exc.errors()
    ):
        # FastAPI parses the body before it runs the token dependency (and validates it
        # before an endpoint that checks the token itself); Graph checks the token first,
        # so an unreadable or invalid body without a valid token is a 401.
        missing = deps.unauthenticated(request)
        if missing is not None:
            return render(request, missing)
    details = []
    for err in exc.errors():
        target = _location(tuple(err.get("loc", ())))
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        details.append({"code": "invalidValue", "target": target, "message": message})
    first = details[0] if details else {"target": "body", "message": "invalid request"}
    error = BadRequest(
        f"Invalid request body: {first['target']}: {first['message']}", details=details
    )
    return render(request, error)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    error: GraphError
    if exc.status_code == 404:
        error = UnknownRoute(f"Resource not found for the segment '{request.url.path}'.")
    elif exc.status_code == 405:
        error = MethodNotAllowed()
    else:
        error = BadRequest(str(exc.detail))
        error.headers = dict(exc.headers or {})
    return render(request, error)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return render(request, GraphError())


def install(app: FastAPI) -> None:
    app.add_exception_handler(GraphError, _graph_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
