"""UCWA 2.0 routes: applications, onlineMeetings, myOnlineMeetings (docs/ucwa.md).

Served under ``/ucwa/oauth/v1`` (online) and ``/ucwa/v1`` (on premises). Every answer, errors
included, is in the representation the client asked for; errors use UCWA's envelope.
Routes are thin: parse (representations, then schemas), call one service function, render.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Request, Response

from callboard.api import deps
from callboard.api.ucwa import errors
from callboard.api.ucwa import representations as rep
from callboard.api.ucwa import resources as res
from callboard.api.ucwa.errors import render_error
from callboard.api.ucwa.etags import entity_tags, quoted
from callboard.api.ucwa.resources import Resource
from callboard.api.ucwa.schemas import ApplicationBody, ExtensionBody, MeetingBody
from callboard.errors import CallboardError, UcwaError
from callboard.json_types import JsonObject
from callboard.services import ucwa_applications, ucwa_meetings, ucwa_settings
from callboard.services.runtime import Runtime
from callboard.tokens import Principal

PREFIXES = ("/ucwa/oauth/v1", "/ucwa/v1")
router = APIRouter(tags=["UCWA"])
fallback = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class UcwaRequest:
    """What every UCWA route's work needs: the runtime, who asks, the media type to answer
    in, the base of the links (the prefix the client used), and the body as sent (the wire
    edge: JSON or XML read into one object, parsed by api/ucwa/schemas.py)."""

    rt: Runtime
    principal: Principal
    media: str
    base: str
    body: JsonObject


Work = Callable[[UcwaRequest], Response]


def _base(request: Request) -> str:
    path = request.url.path
    return path[: path.index("/applications")]


def _media(request: Request) -> str:
    media = rep.negotiate(request.headers.get("accept"))
    if media is None:
        raise UcwaError(
            406, "NotAcceptable", "Accept must allow application/json or application/xml."
        )
    return media


async def _run(request: Request, work: Work, *, body: bool = False) -> Response:
    try:
        media = _media(request)
        principal = await deps.principal(request)
        data = {}
        if body:
            data = rep.parse(await request.body(), request.headers.get("content-type"))
        return work(UcwaRequest(deps.runtime(request), principal, media, _base(request), data))
    except CallboardError as exc:  # Graph's errors too: under /ucwa, UCWA's envelope
        return render_error(request, exc)


def _respond(
    resource: Resource, media: str, status: int = 200, etag: str | None = None
) -> Response:
    headers = {"ETag": quoted(etag)} if etag else {}
    content = rep.render_xml(resource) if rep.is_xml(media) else rep.render_json(resource)
    return Response(content, status, headers, media_type=media)


# -- applications -----------------------------------------------------------------------


@router.post("/applications")
async def create_application(request: Request) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        app, user = ucwa_applications.create_application(
            ucwa.rt, ucwa.principal, ApplicationBody.parse(ucwa.body).request()
        )
        return _respond(res.application(ucwa.base, app, user), ucwa.media, 201, app.etag)

    return await _run(request, work, body=True)


@router.get("/applications/{app_id}")
async def get_application(request: Request, app_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        app, user = ucwa_applications.get_application(ucwa.rt, ucwa.principal, app_id)
        return _respond(res.application(ucwa.base, app, user), ucwa.media, 200, app.etag)

    return await _run(request, work)


@router.get("/applications/{app_id}/onlineMeetings")
async def get_online_meetings(request: Request, app_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        ucwa_applications.get_application(ucwa.rt, ucwa.principal, app_id)
        return _respond(res.online_meetings(ucwa.base, app_id), ucwa.media)

    return await _run(request, work)


@router.get("/applications/{app_id}/onlineMeetings/onlineMeetingPolicies")
async def get_online_meeting_policies(request: Request, app_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        values = ucwa_settings.policies(ucwa.rt, ucwa.principal, app_id)
        href = f"{res.meetings_href(ucwa.base, app_id)}/onlineMeetingPolicies"
        return _respond(Resource("onlineMeetingPolicies", href, values), ucwa.media)

    return await _run(request, work)


# -- myOnlineMeetings -------------------------------------------------------------------


@router.get("/applications/{app_id}/onlineMeetings/myOnlineMeetings")
async def list_my_online_meetings(request: Request, app_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        assigned, others = ucwa_meetings.list_meetings(ucwa.rt, ucwa.principal, app_id)
        resource = Resource(
            "myOnlineMeetings",
            f"{res.meetings_href(ucwa.base, app_id)}/myOnlineMeetings",
            embedded={
                "myAssignedOnlineMeeting": [res.meeting(ucwa.base, app_id, assigned)],
                "myOnlineMeeting": [res.meeting(ucwa.base, app_id, m) for m in others],
            },
        )
        return _respond(resource, ucwa.media)

    return await _run(request, work)


@router.post("/applications/{app_id}/onlineMeetings/myOnlineMeetings")
async def create_my_online_meeting(request: Request, app_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        view = ucwa_meetings.create_meeting(
            ucwa.rt, ucwa.principal, app_id, MeetingBody.parse(ucwa.body).properties()
        )
        resource = res.meeting(ucwa.base, app_id, view)
        response = _respond(resource, ucwa.media, 201, view.etag)
        response.headers["Location"] = resource.href
        return response

    return await _run(request, work, body=True)


def _conditional_get(request: Request, resource: Resource, media: str, tag: str) -> Response:
    tags = entity_tags(request.headers.get("if-none-match"))
    if tag in tags or "*" in tags:
        return Response(status_code=304, headers={"ETag": quoted(tag)})
    return _respond(resource, media, 200, tag)


def _put(ucwa: UcwaRequest, request: Request, app_id: str, meeting_id: str | None) -> Response:
    """A PUT of a meeting (None: the assigned one). The answer's rel names the resource as
    the client addressed it."""
    parsed = MeetingBody.parse(ucwa.body)
    if_match = entity_tags(request.headers.get("if-match"))
    view = ucwa_meetings.put_meeting(
        ucwa.rt,
        ucwa.principal,
        app_id,
        meeting_id,
        parsed.properties(),
        parsed.put_values(),
        if_match,
    )
    rel = "myOnlineMeeting" if meeting_id is not None else "myAssignedOnlineMeeting"
    return _respond(res.meeting(ucwa.base, app_id, view, rel), ucwa.media, 200, view.etag)


@router.get("/applications/{app_id}/onlineMeetings/myOnlineMeetings/{meeting_id}")
async def get_my_online_meeting(request: Request, app_id: str, meeting_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        view = ucwa_meetings.get_meeting(ucwa.rt, ucwa.principal, app_id, meeting_id)
        resource = res.meeting(ucwa.base, app_id, view)
        return _conditional_get(request, resource, ucwa.media, view.etag)

    return await _run(request, work)


@router.put("/applications/{app_id}/onlineMeetings/myOnlineMeetings/{meeting_id}")
async def put_my_online_meeting(request: Request, app_id: str, meeting_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        return _put(ucwa, request, app_id, meeting_id)

    return await _run(request, work, body=True)


@router.delete("/applications/{app_id}/onlineMeetings/myOnlineMeetings/{meeting_id}")
async def delete_my_online_meeting(request: Request, app_id: str, meeting_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        ucwa_meetings.delete_meeting(ucwa.rt, ucwa.principal, app_id, meeting_id)
        return Response(status_code=204)

    return await _run(request, work)


@router.get("/applications/{app_id}/onlineMeetings/myAssignedOnlineMeeting")
async def get_my_assigned_online_meeting(request: Request, app_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        view = ucwa_meetings.get_assigned(ucwa.rt, ucwa.principal, app_id)
        resource = res.meeting(ucwa.base, app_id, view)
        return _conditional_get(request, resource, ucwa.media, view.etag)

    return await _run(request, work)


@router.put("/applications/{app_id}/onlineMeetings/myAssignedOnlineMeeting")
async def put_my_assigned_online_meeting(request: Request, app_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        return _put(ucwa, request, app_id, None)

    return await _run(request, work, body=True)


# -- onlineMeetingExtensions ------------------------------------------------------------

EXTENSIONS = (
    "/applications/{app_id}/onlineMeetings/myOnlineMeetings/{meeting_id}/onlineMeetingExtensions"
)


@router.get(EXTENSIONS)
async def get_online_meeting_extensions(request: Request, app_id: str, meeting_id: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        view = ucwa_meetings.get_meeting(ucwa.rt, ucwa.principal, app_id, meeting_id)
        meeting_href = res.meeting_href(ucwa.base, app_id, view.meeting_id)
        return _respond(res.extensions(meeting_href, view), ucwa.media)

    return await _run(request, work)


@router.post(EXTENSIONS)
async def create_online_meeting_extension(
    request: Request, app_id: str, meeting_id: str
) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        parsed = ExtensionBody.parse(ucwa.body)
        view, extension = ucwa_meetings.add_extension(
            ucwa.rt, ucwa.principal, app_id, meeting_id, parsed.id, parsed.type
        )
        meeting_href = res.meeting_href(ucwa.base, app_id, view.meeting_id)
        return _respond(res.extension(meeting_href, extension), ucwa.media, 201, extension.etag)

    return await _run(request, work, body=True)


# -- read-only settings (registered last: {rel} would shadow the routes above) ---------


@router.get("/applications/{app_id}/onlineMeetings/{rel}")
async def get_online_meeting_settings(request: Request, app_id: str, rel: str) -> Response:
    def work(ucwa: UcwaRequest) -> Response:
        if rel not in ucwa_settings.SETTINGS:
            raise UcwaError(404, "ResourceNotFound", f"No UCWA resource at {request.url.path}.")
        values = ucwa_settings.meeting_settings(ucwa.rt, ucwa.principal, app_id, rel)
        href = f"{res.meetings_href(ucwa.base, app_id)}/{rel}"
        return _respond(Resource(rel, href, values), ucwa.media)

    return await _run(request, work)


# -- anything else under /ucwa: UCWA's 404 and 405 --------------------------------------

_KNOWN = [
    (re.compile(r"^/applications$"), ("POST",)),
    (re.compile(r"^/applications/[^/]+$"), ("GET",)),
    (re.compile(r"^/applications/[^/]+/onlineMeetings$"), ("GET",)),
    (
        re.compile(
            r"^/applications/[^/]+/onlineMeetings/(onlineMeetingPolicies|onlineMeetingDefaultValues"
            r"|onlineMeetingEligibleValues|onlineMeetingInvitationCustomization"
            r"|phoneDialInInformation)$"
        ),
        ("GET",),
    ),
    (re.compile(r"^/applications/[^/]+/onlineMeetings/myOnlineMeetings$"), ("GET", "POST")),
    (
        re.compile(r"^/applications/[^/]+/onlineMeetings/myOnlineMeetings/[^/]+$"),
        ("GET", "PUT", "DELETE"),
    ),
    (
        re.compile(
            r"^/applications/[^/]+/onlineMeetings/myOnlineMeetings/[^/]+/onlineMeetingExtensions$"
        ),
        ("GET", "POST"),
    ),
    (re.compile(r"^/applications/[^/]+/onlineMeetings/myAssignedOnlineMeeting$"), ("GET", "PUT")),
]
_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]


@fallback.api_route("/ucwa/{rest:path}", methods=_ALL)
async def unknown(request: Request, rest: str) -> Response:
    path = request.url.path
    for prefix in PREFIXES:
        if path.startswith(prefix + "/"):
            tail = path[len(prefix) :]
            for pattern, methods in _KNOWN:
                if pattern.match(tail):
                    response = render_error(
                        request,
                        UcwaError(
                            405,
                            "MethodNotAllowed",
                            f"{request.method} is not allowed on this resource.",
                        ),
                    )
                    response.headers["Allow"] = ", ".join(methods)
                    return response
    return render_error(request, UcwaError(404, "ResourceNotFound", f"No UCWA resource at {path}."))


def install(app: FastAPI) -> None:
    errors.install(app)
    for prefix in PREFIXES:
        app.include_router(router, prefix=prefix)
    app.include_router(fallback)
