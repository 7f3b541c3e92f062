"""UCWA's error envelope on ``/ucwa`` paths: ``{code, subcode, message}`` in JSON or
``<reason xmlns=UCWA>`` in XML, chosen by Accept (JSON when Accept allows neither)."""

from __future__ import annotations

from fastapi import Request, Response

from callboard.api.ucwa import representations as rep
from callboard.errors import GraphError
from callboard.services.ucwa import UcwaError


def ucwa_error(exc: Exception) -> UcwaError:
    if isinstance(exc, UcwaError):
        return exc
    if isinstance(exc, GraphError):
        return UcwaError.from_graph(exc)
    return UcwaError(500, "ServiceFailure", "An unexpected error occurred.")


def render_error(request: Request, exc: Exception) -> Response:
    error = ucwa_error(exc)
    media = rep.negotiate(request.headers.get("accept")) or rep.JSON_TYPES[0]
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="callboard"'
    if rep.is_xml(media):
        return Response(rep.error_xml(error), error.status, headers, media_type=media)
    body = rep.render_json(rep.error_json(error))
    return Response(body, error.status, headers, media_type=media)
