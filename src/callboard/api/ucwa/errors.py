"""UCWA's error envelope: ``{code, subcode, message, parameters?}`` in JSON or
``<reason xmlns=UCWA>`` in XML, chosen by Accept (JSON when Accept allows neither).

Under ``/ucwa`` every error is rendered here, Graph errors included (a bad token, a
concurrent write); a ``UcwaError`` raised anywhere else reaches the handler ``install``
registers, so it never falls through to Graph's envelope or to a 500.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from callboard.api import write_retry
from callboard.api.ucwa import representations as rep
from callboard.errors import GraphError, UcwaError


def ucwa_error(exc: Exception) -> UcwaError:
    if isinstance(exc, UcwaError):
        return exc
    if isinstance(exc, GraphError):
        return UcwaError.from_graph(exc)
    return UcwaError(500, "ServiceFailure", "An unexpected error occurred.")


def render_error(request: Request, exc: Exception) -> Response:
    write_retry.mark(request, exc)
    error = ucwa_error(exc)
    media = rep.negotiate(request.headers.get("accept")) or rep.JSON_TYPES[0]
    headers = {}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="callboard"'
    if rep.is_xml(media):
        return Response(rep.error_xml(error), error.status_code, headers, media_type=media)
    body = rep.render_json(rep.error_json(error))
    return Response(body, error.status_code, headers, media_type=media)


async def _ucwa_error(request: Request, exc: Exception) -> Response:
    return render_error(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(UcwaError, _ucwa_error)
