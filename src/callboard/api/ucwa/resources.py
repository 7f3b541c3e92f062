"""UCWA's wire resources: a rel, a self link, properties, links and embedded resources; and
the ones Callboard serves (application, onlineMeetings, myOnlineMeeting, extension)."""

from __future__ import annotations

from dataclasses import dataclass, field

from callboard.domain import ucwa_meetings as mapping
from callboard.domain.directory import User
from callboard.domain.meetings import OnlineMeeting
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


def meeting_href(base: str, app_id: str, meeting: OnlineMeeting) -> str:
    return f"{meetings_href(base, app_id)}/myOnlineMeetings/{meeting.id}"


def online_meetings(base: str, app_id: str) -> Resource:
    href = meetings_href(base, app_id)
    return Resource(
        "onlineMeetings", href, links=[(r, f"{href}/{r}") for r in ONLINE_MEETINGS_RELS]
    )


def application(base: str, app: JsonObject, user: User) -> Resource:
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
            "onlineMeetings": online_meetings(base, app["id"]),
            "communication": Resource("communication", f"{href}/communication"),
        },
    )


def meeting(
    base: str, app_id: str, user: User, meeting: OnlineMeeting, rel: str = "myOnlineMeeting"
) -> Resource:
    href = meeting_href(base, app_id, meeting)
    extensions = [extension(href, e) for e in mapping.extensions(meeting)]
    return Resource(
        rel,
        href,
        mapping.properties(meeting, user),
        links=[("onlineMeetingExtensions", f"{href}/onlineMeetingExtensions")],
        embedded={"onlineMeetingExtension": extensions},
    )


def extension(meeting_href: str, extension: JsonObject) -> Resource:
    return Resource(
        "onlineMeetingExtension",
        f"{meeting_href}/onlineMeetingExtensions/{extension['id']}",
        {"id": extension["id"], "type": extension["type"]},
    )


def extensions(meeting_href: str, meeting: OnlineMeeting) -> Resource:
    return Resource(
        "onlineMeetingExtensions",
        f"{meeting_href}/onlineMeetingExtensions",
        embedded={
            "onlineMeetingExtension": [
                extension(meeting_href, e) for e in mapping.extensions(meeting)
            ]
        },
    )
