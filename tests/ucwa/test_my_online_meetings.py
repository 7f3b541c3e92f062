"""UCWA myOnlineMeetings in JSON and XML, against the seed examples in tests/data."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support import seed
from tests.ucwa.support import (
    JSON,
    SEED_CREATE_XML,
    XML,
    Auth,
    application,
    body,
    headers,
    parse_xml,
    properties,
    put_name,
)

BOB = "sip:bob@callboard.dev"
CAROL = "sip:carol@callboard.dev"
MEDIA = [JSON, XML]
HOUR = 3600.0
YEAR = 365 * 24 * HOUR


def seed_request(clock: Any) -> dict[str, Any]:
    """The seed's POST body with people of our directory and an expiry in range."""
    props = seed("ucwa-create")["body"]
    props["attendees"] = [BOB]
    props["leaders"] = [CAROL]
    props["expirationTime"] = f"/Date({int((clock.now() + 86400) * 1000)})/"
    props["description"] = "We'll be meeting to review the sales numbers."
    props["subject"] = "Quarterly sales numbers"
    return props


def xml_props(props: dict[str, Any], expiration: str) -> dict[str, Any]:
    return {**props, "expirationTime": expiration}


def create(client: TestClient, auth: Auth, media: str, props: dict[str, Any]) -> Any:
    meetings = application(client, auth, media)
    return meetings, client.post(
        f"{meetings}/myOnlineMeetings", content=body(media, props), headers=headers(auth, media)
    )


def test_create_json_reproduces_the_seed(app_client: TestClient, auth: Auth, clock: Any) -> None:
    _, response = create(app_client, auth, JSON, seed_request(clock))
    assert response.status_code == 201, response.text
    assert response.headers["etag"]
    assert response.headers["content-type"].startswith(JSON)
    expected = seed("ucwa-create", "response")["body"]
    data = response.json()
    for key in expected:
        assert key in data, key
    assert set(data["_links"]) == set(expected["_links"])
    assert set(data["_embedded"]) == set(expected["_embedded"])
    assert data["rel"] == "myOnlineMeeting"
    assert data["accessLevel"] == "None"
    assert data["automaticLeaderAssignment"] == "SameEnterprise"
    assert data["attendees"] == [BOB]
    assert data["leaders"] == [CAROL]
    assert data["organizerUri"] == "sip:alice@callboard.dev"
    assert data["onlineMeetingRel"] == "myOnlineMeetings"
    assert re.fullmatch(r"[A-Z2-7]{8}", data["onlineMeetingId"])
    assert data["onlineMeetingUri"] == (
        f"sip:alice@callboard.dev;gruu;opaque=app:conf:focus:id:{data['onlineMeetingId']}"
    )
    assert data["legacyOnlineMeetingUri"].startswith(f"conf:{data['onlineMeetingUri']}?conv")
    # Dates in the ASP.NET AJAX form, escaped as in the seed.
    assert re.search(r'"expirationTime": "\\/Date\(\d+\)\\/"', response.text)
    assert data["_links"]["self"]["href"] == response.headers["location"]
    assert data["_links"]["onlineMeetingExtensions"]["href"].endswith("/onlineMeetingExtensions")


def test_create_xml_reproduces_the_seed(app_client: TestClient, auth: Auth, clock: Any) -> None:
    props = seed_request(clock)
    from datetime import UTC, datetime, timedelta, timezone

    when = datetime.fromtimestamp(int(clock.now()) + 86400, tz=timezone(timedelta(hours=-7)))
    props["expirationTime"] = when.isoformat(timespec="milliseconds")  # as in the seed
    _, response = create(app_client, auth, XML, props)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith(XML)
    assert response.headers["etag"]
    assert response.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    got = parse_xml(response.content)
    want = parse_xml(SEED_CREATE_XML)
    assert got["rel"] == want["rel"]
    assert set(want["properties"]) <= set(got["properties"])
    assert set(got["links"]) == set(want["links"])
    assert got["properties"]["attendees"] == [BOB]
    assert got["properties"]["leaders"] == [CAROL]
    assert got["properties"]["accessLevel"] == "None"
    expiration = got["properties"]["expirationTime"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", expiration)
    assert expiration == when.astimezone(UTC).isoformat(timespec="milliseconds")


@pytest.mark.parametrize("media", MEDIA)
def test_defaults(app_client: TestClient, auth: Auth, clock: Any, media: str) -> None:
    _, response = create(app_client, auth, media, {})
    assert response.status_code == 201, response.text
    props = properties(response.content, media)
    assert props["accessLevel"] == "SameEnterprise"
    assert props["automaticLeaderAssignment"] == "Disabled"
    assert props["entryExitAnnouncement"] == "Disabled"
    assert props["lobbyBypassForPhoneUsers"] == "Disabled"
    assert props["phoneUserAdmission"] == "Disabled"
    assert props["attendees"] in ([], None)
    expected_ms = round((clock.now() + 8 * HOUR) * 1000)
    if media == JSON:
        match = re.fullmatch(r"/Date\((\d+)\)/", props["expirationTime"])
        assert match is not None
        assert abs(int(match[1]) - expected_ms) <= 1  # stored to the millisecond
    else:
        from datetime import datetime

        assert datetime.fromisoformat(props["expirationTime"]).timestamp() == pytest.approx(
            expected_ms / 1000, abs=0.002
        )


@pytest.mark.parametrize("media", MEDIA)
@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"accessLevel": "Public"}, "accessLevel"),
        ({"automaticLeaderAssignment": "Nobody"}, "automaticLeaderAssignment"),
        ({"entryExitAnnouncement": "Loud"}, "entryExitAnnouncement"),
        ({"lobbyBypassForPhoneUsers": "Yes"}, "lobbyBypassForPhoneUsers"),
        ({"phoneUserAdmission": "Yes"}, "phoneUserAdmission"),
        ({"attendees": ["sip:nobody@callboard.dev"]}, "attendees"),
        ({"leaders": ["bob@callboard.dev"]}, "leaders"),
        ({"attendees": ["sip:john@contoso.com"]}, "attendees"),  # another organisation
        ({"expirationTime": "past"}, "expirationTime"),
        ({"expirationTime": "future"}, "expirationTime"),
    ],
)
def test_validation(
    app_client: TestClient,
    auth: Auth,
    clock: Any,
    media: str,
    change: dict[str, Any],
    parameter: str,
) -> None:
    props = dict(change)
    if props.get("expirationTime") in ("past", "future"):
        seconds = clock.now() + (
            -YEAR - 60 if props["expirationTime"] == "past" else 10 * YEAR + 86400
        )
        if media == JSON:
            props["expirationTime"] = f"/Date({int(seconds * 1000)})/"
        else:
            from datetime import UTC, datetime

            props["expirationTime"] = datetime.fromtimestamp(seconds, tz=UTC).isoformat()
    meetings, response = create(app_client, auth, media, props)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(media)
    if media == JSON:
        error = response.json()
        assert error["code"] == "BadRequest"
        assert error["subcode"] == "ParameterValidationFailure"
        assert error["message"]
        assert {"name": parameter} in error["parameters"]
    else:
        assert "<reason" in response.text
        assert "<subcode>ParameterValidationFailure</subcode>" in response.text
        assert f'name="{parameter}"' in response.text
    listing = app_client.get(f"{meetings}/myOnlineMeetings", headers=headers(auth, JSON))
    assert listing.json()["_embedded"]["myOnlineMeeting"] == []  # nothing stored


@pytest.mark.parametrize("media", MEDIA)
def test_expiration_limits_are_inclusive_enough(
    app_client: TestClient, auth: Auth, clock: Any, media: str
) -> None:
    seconds = clock.now() - YEAR + 60
    value: Any = f"/Date({int(seconds * 1000)})/"
    if media == XML:
        from datetime import UTC, datetime

        value = datetime.fromtimestamp(int(seconds), tz=UTC).isoformat()
    _, response = create(app_client, auth, media, {"expirationTime": value})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("media", MEDIA)
def test_list_reproduces_the_seed(
    app_client: TestClient, auth: Auth, clock: Any, media: str
) -> None:
    meetings, created = create(app_client, auth, media, {"subject": "one"})
    assert created.status_code == 201
    response = app_client.get(f"{meetings}/myOnlineMeetings", headers=headers(auth, media))
    assert response.status_code == 200, response.text
    expected = seed("ucwa-list", "response")["body"]
    if media == JSON:
        data = response.json()
        assert set(data) == set(expected)
        assert data["rel"] == "myOnlineMeetings"
        assert data["_links"]["self"]["href"] == f"{meetings}/myOnlineMeetings"
        assert set(data["_embedded"]) == {"myAssignedOnlineMeeting", "myOnlineMeeting"}
        for rel in ("myAssignedOnlineMeeting", "myOnlineMeeting"):
            (item,) = data["_embedded"][rel]
            (want,) = expected["_embedded"][rel]
            assert set(want) <= set(item), rel
            assert item["rel"] == rel
        assert data["_embedded"]["myOnlineMeeting"][0]["subject"] == "one"
    else:
        got = parse_xml(response.content)
        assert got["rel"] == "myOnlineMeetings"
        assert got["href"] == f"{meetings}/myOnlineMeetings"
        assert [r["rel"] for r in got["resources"]] == [
            "myAssignedOnlineMeeting",
            "myOnlineMeeting",
        ]
        want_props = set(expected["_embedded"]["myOnlineMeeting"][0]) - {"_links", "_embedded"}
        for resource in got["resources"]:
            assert want_props <= set(resource["properties"])
            assert "onlineMeetingExtensions" in resource["links"]


@pytest.mark.parametrize("media", MEDIA)
def test_get_put_delete(app_client: TestClient, auth: Auth, clock: Any, media: str) -> None:
    meetings, created = create(app_client, auth, media, {"subject": "before"})
    assert created.status_code == 201
    href = created.headers["location"]
    h = headers(auth, media)
    got = app_client.get(href, headers=h)
    assert got.status_code == 200
    tag = got.headers["etag"]
    assert tag == created.headers["etag"]
    assert app_client.get(href, headers={**h, "If-None-Match": tag}).status_code == 304
    assert app_client.get(href, headers={**h, "If-None-Match": '"other"'}).status_code == 200

    props = properties(got.content, media)
    name = put_name(props)
    assert re.fullmatch(r"x[0-9a-f]{10}", name)
    writable = {
        k: v
        for k, v in props.items()
        if k not in ("conferenceId", "joinUrl", "onlineMeetingId", "organizerUri", "rel")
    }
    writable["subject"] = "after"
    writable["attendees"] = [BOB]

    missing = app_client.put(href, content=body(media, writable), headers=h)
    assert missing.status_code == 428
    assert "PreconditionRequired" in missing.text

    stale = app_client.put(href, content=body(media, writable), headers={**h, "If-Match": '"x"'})
    assert stale.status_code == 412
    assert "PreconditionFailed" in stale.text

    without = {k: v for k, v in writable.items() if k != name}
    refused = app_client.put(href, content=body(media, without), headers={**h, "If-Match": tag})
    assert refused.status_code == 400
    assert "ParameterValidationFailure" in refused.text

    ok = app_client.put(href, content=body(media, writable), headers={**h, "If-Match": tag})
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] != tag
    after = properties(ok.content, media)
    assert after["subject"] == "after"
    assert after["attendees"] == [BOB]
    assert after["onlineMeetingId"] == props["onlineMeetingId"]

    assert app_client.delete(href, headers=h).status_code == 204
    gone = app_client.get(href, headers=h)
    assert gone.status_code == 404
    assert "ResourceNotFound" in gone.text


def test_two_writers_one_gets_412(app_client: TestClient, auth: Auth) -> None:
    _, created = create(app_client, auth, JSON, {"subject": "start"})
    href = created.headers["location"]
    h = headers(auth, JSON)
    first = app_client.get(href, headers=h)
    second = app_client.get(href, headers=h)
    assert first.headers["etag"] == second.headers["etag"]

    def edit(response: Any, subject: str) -> Any:
        data = {k: v for k, v in response.json().items() if not k.startswith("_")}
        data["subject"] = subject
        return app_client.put(
            href, content=json.dumps(data), headers={**h, "If-Match": response.headers["etag"]}
        )

    assert edit(first, "writer one").status_code == 200
    loser = edit(second, "writer two")
    assert loser.status_code == 412
    assert loser.json()["code"] == "PreConditionFailed"
    assert app_client.get(href, headers=h).json()["subject"] == "writer one"


@pytest.mark.parametrize("media", MEDIA)
def test_online_meeting_extensions(app_client: TestClient, auth: Auth, media: str) -> None:
    _, created = create(app_client, auth, media, {})
    href = created.headers["location"]
    h = headers(auth, media)
    tag = created.headers["etag"]
    posted = app_client.post(
        f"{href}/onlineMeetingExtensions",
        content=body(media, {"id": "917823", "type": "RoamedParticipantData"}),
        headers=h,
    )
    assert posted.status_code == 201, posted.text
    assert posted.headers["etag"]
    bad = app_client.post(
        f"{href}/onlineMeetingExtensions", content=body(media, {"type": "Other"}), headers=h
    )
    assert bad.status_code == 400
    dup = app_client.post(
        f"{href}/onlineMeetingExtensions", content=body(media, {"id": "917823"}), headers=h
    )
    assert dup.status_code == 409
    listed = app_client.get(f"{href}/onlineMeetingExtensions", headers=h)
    assert listed.status_code == 200
    meeting = app_client.get(href, headers=h)
    assert meeting.headers["etag"] == tag  # embedded resources do not change the ETag
    if media == JSON:
        (ext,) = listed.json()["_embedded"]["onlineMeetingExtension"]
        assert ext == {
            "rel": "onlineMeetingExtension",
            "id": "917823",
            "type": "RoamedParticipantData",
            "_links": {"self": {"href": f"{href}/onlineMeetingExtensions/917823"}},
        }
        expected = seed("ucwa-create", "response")["body"]["_embedded"]
        got = meeting.json()["_embedded"]
        assert set(got["onlineMeetingExtension"][0]) == set(expected["onlineMeetingExtension"][0])
    else:
        (ext,) = parse_xml(listed.content)["resources"]
        assert ext["properties"] == {
            "rel": "onlineMeetingExtension",
            "id": "917823",
            "type": "RoamedParticipantData",
        }
        (nested,) = parse_xml(meeting.content)["resources"]
        assert nested["rel"] == "onlineMeetingExtension"


@pytest.mark.parametrize("media", MEDIA)
def test_my_assigned_online_meeting(app_client: TestClient, auth: Auth, media: str) -> None:
    meetings = application(app_client, auth, media)
    h = headers(auth, media)
    first = app_client.get(f"{meetings}/myAssignedOnlineMeeting", headers=h)
    assert first.status_code == 200, first.text
    again = app_client.get(f"{meetings}/myAssignedOnlineMeeting", headers=h)
    props = properties(first.content, media)
    assert properties(again.content, media)["onlineMeetingId"] == props["onlineMeetingId"]
    assert props["rel"] == "myAssignedOnlineMeeting"
    props["subject"] = "my room"
    put = app_client.put(
        f"{meetings}/myAssignedOnlineMeeting",
        content=body(media, props),
        headers={**h, "If-Match": first.headers["etag"]},
    )
    assert put.status_code == 200, put.text
    listing = app_client.get(f"{meetings}/myOnlineMeetings", headers=headers(auth, JSON)).json()
    (assigned,) = listing["_embedded"]["myAssignedOnlineMeeting"]
    assert assigned["subject"] == "my room"
    assert listing["_embedded"]["myOnlineMeeting"] == []


@pytest.mark.parametrize("media", MEDIA)
def test_online_meetings_and_policies(app_client: TestClient, auth: Auth, media: str) -> None:
    meetings = application(app_client, auth, media)
    h = headers(auth, media)
    response = app_client.get(meetings, headers=h)
    assert response.status_code == 200
    rels = {
        "myAssignedOnlineMeeting",
        "myOnlineMeetings",
        "onlineMeetingDefaultValues",
        "onlineMeetingEligibleValues",
        "onlineMeetingInvitationCustomization",
        "onlineMeetingPolicies",
        "phoneDialInInformation",
    }
    if media == JSON:
        assert rels | {"self"} == set(response.json()["_links"])
    else:
        assert rels == set(parse_xml(response.content)["links"])
    policies = app_client.get(f"{meetings}/onlineMeetingPolicies", headers=h)
    assert policies.status_code == 200
    props = properties(policies.content, media)
    assert {
        "entryExitAnnouncement",
        "externalUserMeetingRecording",
        "meetingRecording",
        "meetingSize",
        "phoneUserAdmission",
        "voipAudio",
    } <= set(props)


@pytest.mark.parametrize("media", MEDIA)
@pytest.mark.parametrize(
    ("rel", "names"),
    [
        ("onlineMeetingDefaultValues", {"defaultAccessLevel", "defaultOnlineMeetingRel"}),
        ("onlineMeetingEligibleValues", {"accessLevels", "automaticLeaderAssignments"}),
        ("onlineMeetingInvitationCustomization", {"rel"}),
        ("phoneDialInInformation", {"conferenceId", "tollNumber"}),
    ],
)
def test_online_meeting_settings(
    app_client: TestClient, auth: Auth, media: str, rel: str, names: set[str]
) -> None:
    meetings = application(app_client, auth, media)
    h = headers(auth, media)
    links = app_client.get(meetings, headers=headers(auth, JSON)).json()["_links"]
    response = app_client.get(links[rel]["href"], headers=h)
    assert response.status_code == 200, response.text
    props = properties(response.content, media)
    assert props["rel"] == rel
    assert names <= set(props)
    if rel == "onlineMeetingEligibleValues":
        assert props["accessLevels"] == ["None", "SameEnterprise", "Locked", "Invited", "Everyone"]
    if rel == "phoneDialInInformation":
        assigned = app_client.get(f"{meetings}/myAssignedOnlineMeeting", headers=h)
        assert props["conferenceId"] == properties(assigned.content, media)["conferenceId"]
    wrong = app_client.post(links[rel]["href"], content=body(media, {}), headers=h)
    assert wrong.status_code == 405
