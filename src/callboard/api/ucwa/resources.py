"""UCWA's wire resources: a rel, a self link, properties, links and embedded resources; and
the ones Callboard serves (application, onlineMeetings, myOnlineMeeting, extension)."""

from __future__ import annotations

from dataclasses import dataclass, field

from callboard.domain.directory import User
from callboard.domain.ucwa_applications import UcwaApplication
from callboard.domain.ucwa_meetings import MyOnlineMeeting
from callboard.domain.ucwa_state import Extension
from callboard.json_types import JsonObject


@dataclass
class Resource:
    """A UCWA resource: rel, href (the self link), properties, links and embedded resources."""

    rel: str
    href: str
    properties: JsonObject = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)
    embedded: dict[str, Resource | list[Resource]] = field(default_factory=dict)


# The resources linked from onlineMeetings.
ONLINE_MEETINGS_RELS = (
    "myAssignedOnlineMeeting",
    "myOnlineMeetings",
    "onlineMeetingDefaultValues",
    "onlineMeetingEligibleValues",
    "onlineMeetingInvitationCustomization",
    "onlineMeetingPolicies",
    "phoneDialInInformation",
)


def meetings_href(base: str, app_id: str) -> str:
    return f"{base}/applications/{app_id}/onlineMeetings"


def meeting_href(base: str, app_id: str, meeting_id: str) -> str:
    return f"{meetings_href(base, app_id)}/myOnlineMeetings/{meeting_id}"


def online_meetings(base: str, app_id: str) -> Resource:
    href = meetings_href(base, app_id)
    return Resource(
        "onlineMeetings", href, links=[(r, f"{href}/{r}") for r in ONLINE_MEETINGS_RELS]
    )


def application(base: str, app: UcwaApplication, user: User) -> Resource:
    href = f"{base}/applications/{app.id}"
    request = app.request
    props: JsonObject = {
        "culture": request.culture,
        "endpointId": request.endpoint_id,
        "id": app.id,
        "instanceId": request.instance_id,
        "type": "Browser",
        "userAgent": request.user_agent,
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
            "onlineMeetings": online_meetings(base, app.id),
            "communication": Resource("communication", f"{href}/communication"),
        },
    )


def meeting(base: str, app_id: str, view: MyOnlineMeeting, rel: str | None = None) -> Resource:
    """``rel`` None: the meeting's own (myAssignedOnlineMeeting or myOnlineMeeting)."""
    href = meeting_href(base, app_id, view.meeting_id)
    return Resource(
        rel or view.rel,
        href,
        dict(view.properties()),
        links=[("onlineMeetingExtensions", f"{href}/onlineMeetingExtensions")],
        embedded={"onlineMeetingExtension": [extension(href, e) for e in view.extensions]},
    )


def extension(meeting_href: str, extension: Extension) -> Resource:
    return Resource(
        "onlineMeetingExtension",
        f"{meeting_href}/onlineMeetingExtensions/{extension.id}",
        {"id": extension.id, "type": extension.type},
    )


def extensions(meeting_href: str, view: MyOnlineMeeting) -> Resource:
    return Resource(
        "onlineMeetingExtensions",
        f"{meeting_href}/onlineMeetingExtensions",
        embedded={"onlineMeetingExtension": [extension(meeting_href, e) for e in view.extensions]},
    )
