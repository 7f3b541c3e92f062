"""UCWA 2.0 routes: applications, onlineMeetings, myOnlineMeetings (SPEC-NOTES 10, seed 004).

Served under ``/ucwa/oauth/v1`` (online) and ``/ucwa/v1`` (on premises). Every answer, errors
included, is in the representation the client asked for; errors use UCWA's envelope.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response

from callboard.api import deps
from callboard.api.ucwa import representations as rep
from callboard.api.ucwa.errors import render_error
from callboard.domain.directory import User
from callboard.domain.meetings import OnlineMeeting
from callboard.errors import GraphError
from callboard.services import ucwa
from callboard.services.runtime import Runtime
from callboard.services.ucwa import Resource, UcwaError
from callboard.tokens import Principal

PREFIXES = ("/ucwa/oauth/v1", "/ucwa/v1")
router = APIRouter(tags=["UCWA"])
fallback = APIRouter(include_in_schema=False)

Work = Callable[[Runtime, Principal, str, dict[str, Any]], Response]


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
        data: dict[str, Any] = {}
        if body:
            data = rep.parse(await request.body(), request.headers.get("content-type"))
        return work(deps.runtime(request), principal, media, data)
    except (UcwaError, GraphError) as exc:
        return render_error(request, exc)


def _respond(
    resource: Resource, media: str, status: int = 200, etag: str | None = None
) -> Response:
    headers = {"ETag": f'"{etag}"'} if etag else {}
    content = rep.render_xml(resource) if rep.is_xml(media) else rep.render_json(resource)
    return Response(content, status, headers, media_type=media)


# -- resources --------------------------------------------------------------------------


def _meetings_href(base: str, app_id: str) -> str:
    return f"{base}/applications/{app_id}/onlineMeetings"


def _online_meetings(base: str, app_id: str) -> Resource:
    href = _meetings_href(base, app_id)
    rels = (
        "myAssignedOnlineMeeting",
        "myOnlineMeetings",
        "onlineMeetingDefaultValues",
        "onlineMeetingEligibleValues",
        "onlineMeetingInvitationCustomization",
        "onlineMeetingPolicies",
        "phoneDialInInformation",
    )
    return Resource("onlineMeetings", href, links=[(r, f"{href}/{r}") for r in rels])


def _application(base: str, app: dict[str, Any], user: User) -> Resource:
    href = f"{base}/applications/{app['id']}"
    props = {
        "culture": app["culture"],
        "endpointId": app["endpointId"],
        "id": app["id"],
        "instanceId": app.get("instanceId"),
        "type": "Browser",
        "userAgent": app["userAgent"],
    }
    me = Resource(
        "me",
        f"{href}/me",
        {"name": user.display_name, "uri": f"sip:{user.user_principal_name}"},
    )
    return Resource(
        "application",
        href,
        props,
        links=[
            ("policies", f"{href}/policies"),
            ("batch", f"{href}/batch"),
            ("events", f"{href}/events?ack=1"),
            ("reportMyNetwork", f"{href}/reportMyNetwork"),
        ],
        embedded={
            "me": me,
            "people": Resource("people", f"{href}/people"),
            "onlineMeetings": _online_meetings(base, app["id"]),
            "communication": Resource("communication", f"{href}/communication"),
        },
    )


def _meeting(
    base: str, app_id: str, user: User, meeting: OnlineMeeting, rel: str = "myOnlineMeeting"
) -> Resource:
    href = f"{_meetings_href(base, app_id)}/myOnlineMeetings/{meeting.id}"
    extensions = [_extension(href, e) for e in ucwa.extensions(meeting)]
    return Resource(
        rel,
        href,
        ucwa.properties(meeting, user),
        links=[("onlineMeetingExtensions", f"{href}/onlineMeetingExtensions")],
        embedded={"onlineMeetingExtension": extensions},
    )


def _extension(meeting_href: str, extension: dict[str, Any]) -> Resource:
    return Resource(
        "onlineMeetingExtension",
        f"{meeting_href}/onlineMeetingExtensions/{extension['id']}",
        {"id": extension["id"], "type": extension["type"]},
    )


# -- applications -----------------------------------------------------------------------


@router.post("/applications")
async def create_application(request: Request) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        app, user = ucwa.create_application(rt, principal, body)
        resource = _application(_base(request), app, user)
        return _respond(resource, media, 201, ucwa.resource_etag(app))

    return await _run(request, work, body=True)


@router.get("/applications/{app_id}")
async def get_application(request: Request, app_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        app, user = ucwa.get_application(rt, principal, app_id)
        return _respond(
            _application(_base(request), app, user), media, 200, ucwa.resource_etag(app)
        )

    return await _run(request, work)


@router.get("/applications/{app_id}/onlineMeetings")
async def get_online_meetings(request: Request, app_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        ucwa.get_application(rt, principal, app_id)
        return _respond(_online_meetings(_base(request), app_id), media)

    return await _run(request, work)


@router.get("/applications/{app_id}/onlineMeetings/onlineMeetingPolicies")
async def get_online_meeting_policies(request: Request, app_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        values = ucwa.policies(rt, principal, app_id)
        href = f"{_meetings_href(_base(request), app_id)}/onlineMeetingPolicies"
        return _respond(Resource("onlineMeetingPolicies", href, values), media)

    return await _run(request, work)


# -- myOnlineMeetings -------------------------------------------------------------------


@router.get("/applications/{app_id}/onlineMeetings/myOnlineMeetings")
async def list_my_online_meetings(request: Request, app_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        user, assigned, others = ucwa.list_meetings(rt, principal, app_id)
        base = _base(request)
        resource = Resource(
            "myOnlineMeetings",
            f"{_meetings_href(base, app_id)}/myOnlineMeetings",
            embedded={
                "myAssignedOnlineMeeting": [
                    _meeting(base, app_id, user, assigned, "myAssignedOnlineMeeting")
                ],
                "myOnlineMeeting": [_meeting(base, app_id, user, m) for m in others],
            },
        )
        return _respond(resource, media)

    return await _run(request, work)


@router.post("/applications/{app_id}/onlineMeetings/myOnlineMeetings")
async def create_my_online_meeting(request: Request, app_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        user, meeting = ucwa.create_meeting(rt, principal, app_id, body)
        resource = _meeting(_base(request), app_id, user, meeting)
        response = _respond(resource, media, 201, ucwa.etag(meeting, user))
        response.headers["Location"] = resource.href
        return response

    return await _run(request, work, body=True)


def _conditional_get(request: Request, resource: Resource, media: str, tag: str) -> Response:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match:
        tags = [t.strip().removeprefix("W/").strip('"') for t in if_none_match.split(",")]
        if tag in tags or "*" in tags:
            return Response(status_code=304, headers={"ETag": f'"{tag}"'})
    return _respond(resource, media, 200, tag)


@router.get("/applications/{app_id}/onlineMeetings/myOnlineMeetings/{meeting_id}")
async def get_my_online_meeting(request: Request, app_id: str, meeting_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        user, meeting = ucwa.get_meeting(rt, principal, app_id, meeting_id)
        rel = "myAssignedOnlineMeeting" if ucwa.is_assigned(meeting) else "myOnlineMeeting"
        resource = _meeting(_base(request), app_id, user, meeting, rel)
        return _conditional_get(request, resource, media, ucwa.etag(meeting, user))

    return await _run(request, work)


@router.put("/applications/{app_id}/onlineMeetings/myOnlineMeetings/{meeting_id}")
async def put_my_online_meeting(request: Request, app_id: str, meeting_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        if_match = request.headers.get("if-match")
        user, meeting = ucwa.put_meeting(rt, principal, app_id, meeting_id, body, if_match)
        resource = _meeting(_base(request), app_id, user, meeting)
        return _respond(resource, media, 200, ucwa.etag(meeting, user))

    return await _run(request, work, body=True)


@router.delete("/applications/{app_id}/onlineMeetings/myOnlineMeetings/{meeting_id}")
async def delete_my_online_meeting(request: Request, app_id: str, meeting_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        ucwa.delete_meeting(rt, principal, app_id, meeting_id)
        return Response(status_code=204)

    return await _run(request, work)


@router.get("/applications/{app_id}/onlineMeetings/myAssignedOnlineMeeting")
async def get_my_assigned_online_meeting(request: Request, app_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        user, meeting = ucwa.get_assigned(rt, principal, app_id)
        resource = _meeting(_base(request), app_id, user, meeting, "myAssignedOnlineMeeting")
        return _conditional_get(request, resource, media, ucwa.etag(meeting, user))

    return await _run(request, work)


@router.put("/applications/{app_id}/onlineMeetings/myAssignedOnlineMeeting")
async def put_my_assigned_online_meeting(request: Request, app_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        if_match = request.headers.get("if-match")
        user, meeting = ucwa.put_meeting(rt, principal, app_id, None, body, if_match)
        resource = _meeting(_base(request), app_id, user, meeting, "myAssignedOnlineMeeting")
        return _respond(resource, media, 200, ucwa.etag(meeting, user))

    return await _run(request, work, body=True)


# -- onlineMeetingExtensions ------------------------------------------------------------

EXTENSIONS = (
    "/applications/{app_id}/onlineMeetings/myOnlineMeetings/{meeting_id}/onlineMeetingExtensions"
)


@router.get(EXTENSIONS)
async def get_online_meeting_extensions(request: Request, app_id: str, meeting_id: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        user, meeting = ucwa.get_meeting(rt, principal, app_id, meeting_id)
        meeting_href = f"{_meetings_href(_base(request), app_id)}/myOnlineMeetings/{meeting.id}"
        resource = Resource(
            "onlineMeetingExtensions",
            f"{meeting_href}/onlineMeetingExtensions",
            embedded={
                "onlineMeetingExtension": [
                    _extension(meeting_href, e) for e in ucwa.extensions(meeting)
                ]
            },
        )
        return _respond(resource, media)

    return await _run(request, work)


@router.post(EXTENSIONS)
async def create_online_meeting_extension(
    request: Request, app_id: str, meeting_id: str
) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        user, meeting, extension = ucwa.add_extension(rt, principal, app_id, meeting_id, body)
        meeting_href = f"{_meetings_href(_base(request), app_id)}/myOnlineMeetings/{meeting.id}"
        resource = _extension(meeting_href, extension)
        return _respond(resource, media, 201, ucwa.resource_etag(extension))

    return await _run(request, work, body=True)


# -- read-only settings (registered last: {rel} would shadow the routes above) ---------

SETTINGS = (
    "onlineMeetingDefaultValues",
    "onlineMeetingEligibleValues",
    "onlineMeetingInvitationCustomization",
    "phoneDialInInformation",
)


@router.get("/applications/{app_id}/onlineMeetings/{rel}")
async def get_online_meeting_settings(request: Request, app_id: str, rel: str) -> Response:
    def work(rt: Runtime, principal: Principal, media: str, body: dict[str, Any]) -> Response:
        if rel not in SETTINGS:
            raise UcwaError(404, "ResourceNotFound", f"No UCWA resource at {request.url.path}.")
        values = ucwa.meeting_settings(rt, principal, app_id, rel)
        href = f"{_meetings_href(_base(request), app_id)}/{rel}"
        return _respond(Resource(rel, href, values), media)

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
    for prefix in PREFIXES:
        app.include_router(router, prefix=prefix)
    app.include_router(fallback)
