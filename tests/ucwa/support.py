"""Helpers for the UCWA tests: a user's application, both representations, the seed's XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from fastapi.testclient import TestClient

from tests.conftest import DEV_APP

NS = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
Q = f"{{{NS}}}"
JSON = "application/json"
XML = "application/xml"
ALICE = "alice@callboard.dev"
ALICE_ID = "a11ce000-0000-4000-8000-000000000001"
Auth = Callable[..., dict[str, str]]


def headers(auth: Auth, media: str = JSON, user: str = ALICE, **extra: str) -> dict[str, str]:
    h = auth(app=DEV_APP, tenant=None, user=user)
    h.update({"Accept": media, "Content-Type": media, **extra})
    return h


def xml_input(props: dict[str, Any]) -> str:
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<input xmlns="{NS}">']
    for name, value in props.items():
        if isinstance(value, list):
            items = "".join(f"<item>{escape(v)}</item>" for v in value)
            parts.append(f'<propertyList name="{name}">{items}</propertyList>')
        else:
            parts.append(f'<property name="{name}">{escape(str(value))}</property>')
    parts.append("</input>")
    return "\n".join(parts)


def body(media: str, props: dict[str, Any]) -> bytes:
    if media == XML:
        return xml_input(props).encode()
    import json

    return json.dumps(props).encode()


def parse_xml(text: str | bytes) -> dict[str, Any]:
    """An XML resource as ``{rel, href, properties, links, resources}``."""
    root = ET.fromstring(text)
    return _resource(root)


def _resource(element: ET.Element) -> dict[str, Any]:
    assert element.tag == f"{Q}resource", element.tag
    props: dict[str, Any] = {}
    links: dict[str, str] = {}
    children = []
    for child in element:
        if child.tag == f"{Q}property":
            props[child.get("name", "")] = child.text or ""
        elif child.tag == f"{Q}propertyList":
            props[child.get("name", "")] = [i.text for i in child]
        elif child.tag == f"{Q}link":
            links[child.get("rel", "")] = child.get("href", "")
        elif child.tag == f"{Q}resource":
            children.append(_resource(child))
    return {
        "rel": element.get("rel"),
        "href": element.get("href"),
        "properties": props,
        "links": links,
        "resources": children,
    }


def properties(response_text: str | bytes, media: str) -> dict[str, Any]:
    """The properties of a meeting response in either representation (JSON dates raw)."""
    if media == XML:
        return dict(parse_xml(response_text)["properties"])
    import json

    data: dict[str, Any] = json.loads(response_text)
    return {k: v for k, v in data.items() if not k.startswith("_")}


def application(client: TestClient, auth: Auth, media: str = JSON, user: str = ALICE) -> str:
    """Create an application; the href of its onlineMeetings resource."""
    props = {"culture": "en-US", "endpointId": f"ep-{user}", "userAgent": "callboard-tests"}
    response = client.post(
        "/ucwa/oauth/v1/applications",
        content=body(media, props),
        headers=headers(auth, media, user),
    )
    assert response.status_code == 201, response.text
    if media == XML:
        href = parse_xml(response.content)["href"]
    else:
        href = response.json()["_links"]["self"]["href"]
    return f"{href}/onlineMeetings"


def put_name(props: dict[str, Any]) -> str:
    return next(k for k, v in props.items() if v == "please pass me in a PUT request")


# The XML response to the seed example's POST, as served by Skype for Business (tests/data).
SEED_CREATE_XML = (Path(__file__).parent.parent / "data" / "ucwa-seed-create.xml").read_bytes()
