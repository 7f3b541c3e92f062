"""UCWA applications, content negotiation, the error envelope, authentication, hostile XML."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from tests.conftest import DEV_APP, DEV_TENANT
from tests.ucwa.support import (
    JSON,
    NS,
    XML,
    Auth,
    application,
    body,
    headers,
    parse_xml,
    xml_input,
)

MEDIA = [JSON, XML]
APP_PROPS = {"culture": "en-US", "endpointId": "ep-1", "userAgent": "tests/1.0"}


@pytest.mark.parametrize("prefix", ["/ucwa/oauth/v1", "/ucwa/v1"])
@pytest.mark.parametrize("media", MEDIA)
def test_create_application(app_client: TestClient, auth: Auth, media: str, prefix: str) -> None:
    response = app_client.post(
        f"{prefix}/applications", content=body(media, APP_PROPS), headers=headers(auth, media)
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"]
    if media == JSON:
        data = response.json()
        assert data["rel"] == "application"
        assert data["culture"] == "en-US"
        assert data["endpointId"] == "ep-1"
        assert data["userAgent"] == "tests/1.0"
        href = data["_links"]["self"]["href"]
        assert href.startswith(f"{prefix}/applications/")
        assert {"self", "batch", "events", "policies", "reportMyNetwork"} <= set(data["_links"])
        assert {"me", "onlineMeetings", "people", "communication"} <= set(data["_embedded"])
        meetings = data["_embedded"]["onlineMeetings"]["_links"]
        assert meetings["myOnlineMeetings"]["href"] == f"{href}/onlineMeetings/myOnlineMeetings"
        assert data["_embedded"]["me"]["uri"] == "sip:alice@callboard.dev"
    else:
        data = parse_xml(response.content)
        assert data["rel"] == "application"
        assert data["properties"]["endpointId"] == "ep-1"
        href = data["href"]
        (om,) = [r for r in data["resources"] if r["rel"] == "onlineMeetings"]
        assert om["links"]["myOnlineMeetings"] == f"{href}/onlineMeetings/myOnlineMeetings"
    got = app_client.get(href, headers=headers(auth, media))
    assert got.status_code == 200
    # The same endpoint again: the same application.
    again = app_client.post(
        f"{prefix}/applications", content=body(media, APP_PROPS), headers=headers(auth, media)
    )
    assert again.status_code == 201
    assert again.headers["etag"] == response.headers["etag"]


@pytest.mark.parametrize("media", MEDIA)
def test_application_needs_its_parameters(app_client: TestClient, auth: Auth, media: str) -> None:
    response = app_client.post(
        "/ucwa/oauth/v1/applications",
        content=body(media, {"culture": "en-US"}),
        headers=headers(auth, media),
    )
    assert response.status_code == 400
    if media == JSON:
        error = response.json()
        assert error["code"] == "BadRequest"
        assert error["subcode"] == "ParameterValidationFailure"
        assert error["parameters"] == [{"name": "endpointId"}, {"name": "userAgent"}]
    else:
        assert response.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
        assert f'<reason xmlns="{NS}">' in response.text
        assert "<code>BadRequest</code>" in response.text


def test_vendor_media_types(app_client: TestClient, auth: Auth) -> None:
    for kind in ("json", "xml"):
        media = f"application/vnd.microsoft.com.ucwa+{kind}"
        h = headers(auth, media)
        content = body(XML if kind == "xml" else JSON, APP_PROPS)
        response = app_client.post("/ucwa/oauth/v1/applications", content=content, headers=h)
        assert response.status_code == 201, response.text
        assert response.headers["content-type"].startswith(media)


def test_accept_and_content_type(app_client: TestClient, auth: Auth) -> None:
    meetings = application(app_client, auth)
    h = headers(auth, JSON)
    html = app_client.get(f"{meetings}/myOnlineMeetings", headers={**h, "Accept": "text/html"})
    assert html.status_code == 406
    assert html.json()["code"] == "NotAcceptable"
    anything = app_client.get(f"{meetings}/myOnlineMeetings", headers={**h, "Accept": "*/*"})
    assert anything.status_code == 200
    assert anything.headers["content-type"].startswith(JSON)
    plain = app_client.post(
        f"{meetings}/myOnlineMeetings", content=b"{}", headers={**h, "Content-Type": "text/plain"}
    )
    assert plain.status_code == 415
    assert plain.json()["code"] == "UnsupportedMediaType"
    xml_error = app_client.post(
        f"{meetings}/myOnlineMeetings",
        content=b"{}",
        headers={**h, "Content-Type": "text/plain", "Accept": XML},
    )
    assert xml_error.status_code == 415
    assert "<code>UnsupportedMediaType</code>" in xml_error.text
    broken = app_client.post(f"{meetings}/myOnlineMeetings", content=b"{nope", headers=h)
    assert broken.status_code == 400
    assert broken.json()["subcode"] == "DeserializationFailure"


@pytest.mark.parametrize("media", MEDIA)
def test_not_found_and_method_not_allowed(app_client: TestClient, auth: Auth, media: str) -> None:
    meetings = application(app_client, auth, media)
    h = headers(auth, media)
    missing = app_client.get(f"{meetings}/myOnlineMeetings/nope", headers=h)
    assert missing.status_code == 404
    unknown = app_client.get(f"{meetings}/nothingHere/at/all", headers=h)
    assert unknown.status_code == 404
    patch = app_client.patch(f"{meetings}/myOnlineMeetings", content=b"{}", headers=h)
    assert patch.status_code == 405
    assert patch.headers["allow"] == "GET, POST"
    head = app_client.request("OPTIONS", f"{meetings}/myOnlineMeetings/x", headers=h)
    assert head.status_code == 405
    for response, code in (
        (missing, "NotFound"),
        (unknown, "NotFound"),
        (patch, "MethodNotAllowed"),
    ):
        if media == JSON:
            assert response.json()["code"] == code
            assert "error" not in response.json()  # not Graph's envelope
        else:
            assert f"<code>{code}</code>" in response.text


def test_authentication_and_applications_of_others(app_client: TestClient, auth: Auth) -> None:
    meetings = application(app_client, auth)
    no_token = app_client.get(f"{meetings}/myOnlineMeetings", headers={"Accept": JSON})
    assert no_token.status_code == 401
    assert no_token.json()["code"] == "Unauthorized"
    app_only = auth(app=DEV_APP, tenant=DEV_TENANT)
    forbidden = app_client.get(f"{meetings}/myOnlineMeetings", headers=app_only)
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "Forbidden"
    bob = headers(auth, JSON, user="bob@callboard.dev")
    foreign = app_client.get(f"{meetings}/myOnlineMeetings", headers=bob)
    assert foreign.status_code == 404
    assert foreign.json()["subcode"] == "ApplicationNotFound"
    ghost = app_client.get("/ucwa/oauth/v1/applications/42/onlineMeetings", headers=bob)
    assert ghost.status_code == 404


def test_another_users_meeting_is_not_found(app_client: TestClient, auth: Auth) -> None:
    alice = application(app_client, auth)
    created = app_client.post(
        f"{alice}/myOnlineMeetings", content=b"{}", headers=headers(auth, JSON)
    )
    meeting_id = created.headers["location"].rsplit("/", 1)[1]
    bob = application(app_client, auth, user="bob@callboard.dev")
    h = headers(auth, JSON, user="bob@callboard.dev")
    assert app_client.get(f"{bob}/myOnlineMeetings/{meeting_id}", headers=h).status_code == 404
    assert app_client.delete(f"{bob}/myOnlineMeetings/{meeting_id}", headers=h).status_code == 404


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<input xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa">
  <property name="subject">&lol9;</property>
</input>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE input [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<input xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa">
  <property name="subject">&xxe;</property>
</input>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE input SYSTEM "http://127.0.0.1:9/evil.dtd">
<input xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa"/>"""


@pytest.mark.parametrize(
    "payload",
    [BILLION_LAUGHS, XXE, EXTERNAL_DTD, "<input", "<other xmlns='urn:x'/>"],
    ids=["billion-laughs", "xxe", "external-dtd", "malformed", "wrong-root"],
)
def test_hostile_xml_is_refused(app_client: TestClient, auth: Auth, payload: str) -> None:
    meetings = application(app_client, auth, XML)
    started = time.perf_counter()
    response = app_client.post(
        f"{meetings}/myOnlineMeetings", content=payload.encode(), headers=headers(auth, XML)
    )
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 400, response.text
    assert "<subcode>DeserializationFailure</subcode>" in response.text
    assert "root:" not in response.text
    listing = app_client.get(f"{meetings}/myOnlineMeetings", headers=headers(auth, JSON))
    assert listing.json()["_embedded"]["myOnlineMeeting"] == []


def test_xml_size_limit(app_client: TestClient, auth: Auth) -> None:
    meetings = application(app_client, auth, XML)
    huge = xml_input({"description": "x" * 70_000})
    response = app_client.post(
        f"{meetings}/myOnlineMeetings", content=huge.encode(), headers=headers(auth, XML)
    )
    assert response.status_code == 413
    assert "<code>EntityTooLarge</code>" in response.text


def test_https_namespace_is_accepted(app_client: TestClient, auth: Auth) -> None:
    meetings = application(app_client, auth, XML)
    text = xml_input({"subject": "https ns"}).replace("http://", "https://")
    response = app_client.post(
        f"{meetings}/myOnlineMeetings", content=text.encode(), headers=headers(auth, XML)
    )
    assert response.status_code == 201, response.text
    assert parse_xml(response.content)["properties"]["subject"] == "https ns"
