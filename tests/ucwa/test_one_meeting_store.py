"""UCWA and Graph share one meeting store: visibility and edits both ways, a bot joining a
UCWA meeting by its conferenceId, and the per-user quota."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import DEV_APP, DEV_TENANT
from tests.support import Receiver
from tests.ucwa.support import ALICE, ALICE_ID, JSON, XML, Auth, application, body, headers

GRAPH = f"/v1.0/users/{ALICE_ID}/onlineMeetings"


def graph(auth: Auth) -> dict[str, str]:
    return auth(app=DEV_APP, tenant=None, user=ALICE)


@pytest.mark.parametrize("media", [JSON, XML])
def test_ucwa_meeting_is_a_graph_meeting(app_client: TestClient, auth: Auth, media: str) -> None:
    meetings = application(app_client, auth, media)
    created = app_client.post(
        f"{meetings}/myOnlineMeetings",
        content=body(
            media,
            {
                "subject": "From UCWA",
                "attendees": ["sip:bob@callboard.dev"],
                "leaders": ["sip:carol@callboard.dev"],
                "accessLevel": "Everyone",
                "entryExitAnnouncement": "Enabled",
                "lobbyBypassForPhoneUsers": "Enabled",
            },
        ),
        headers=headers(auth, media),
    )
    assert created.status_code == 201, created.text
    meeting_id = created.headers["location"].rsplit("/", 1)[1]
    found = app_client.get(f"{GRAPH}/{meeting_id}", headers=graph(auth))
    assert found.status_code == 200, found.text
    resource = found.json()
    assert resource["subject"] == "From UCWA"
    assert resource["isEntryExitAnnounced"] is True
    assert resource["lobbyBypassSettings"] == {"scope": "everyone", "isDialInBypassEnabled": True}
    roles = {a["upn"]: a["role"] for a in resource["participants"]["attendees"]}
    assert roles == {"bob@callboard.dev": "attendee", "carol@callboard.dev": "presenter"}
    ucwa = app_client.get(created.headers["location"], headers=headers(auth, JSON)).json()
    assert ucwa["joinUrl"] == resource["joinWebUrl"]
    assert ucwa["conferenceId"] == resource["joinMeetingIdSettings"]["joinMeetingId"]
    by_id = app_client.get(
        GRAPH,
        params={"$filter": f"joinMeetingIdSettings/joinMeetingId eq '{ucwa['conferenceId']}'"},
        headers=graph(auth),
    )
    assert [m["id"] for m in by_id.json()["value"]] == [meeting_id]


def test_graph_meeting_in_ucwa_list_and_edits_both_ways(app_client: TestClient, auth: Auth) -> None:
    made = app_client.post(
        "/v1.0/me/onlineMeetings", json={"subject": "From Graph"}, headers=graph(auth)
    )
    assert made.status_code == 201, made.text
    meeting = made.json()
    meetings = application(app_client, auth)
    h = headers(auth, JSON)
    listing = app_client.get(f"{meetings}/myOnlineMeetings", headers=h).json()
    (item,) = listing["_embedded"]["myOnlineMeeting"]
    assert item["subject"] == "From Graph"
    assert item["joinUrl"] == meeting["joinWebUrl"]
    assert item["accessLevel"] == "SameEnterprise"  # Graph's default scope: organization
    assert item["entryExitAnnouncement"] == "Enabled"  # Graph's default
    href = item["_links"]["self"]["href"]
    before = app_client.get(href, headers=h)
    tag = before.headers["etag"]

    # Graph edits show in UCWA, and change the ETag.
    patched = app_client.patch(
        f"{GRAPH}/{meeting['id']}", json={"subject": "Renamed in Graph"}, headers=graph(auth)
    )
    assert patched.status_code == 200, patched.text
    after = app_client.get(href, headers=h)
    assert after.json()["subject"] == "Renamed in Graph"
    assert after.headers["etag"] != tag
    stale = dict(before.json())
    stale.pop("_links")
    stale.pop("_embedded")
    refused = app_client.put(href, content=json.dumps(stale), headers={**h, "If-Match": tag})
    assert refused.status_code == 412

    # UCWA edits show in Graph.
    data = {k: v for k, v in after.json().items() if not k.startswith("_")}
    data.update(
        subject="Renamed in UCWA", accessLevel="Locked", attendees=["sip:bob@callboard.dev"]
    )
    put = app_client.put(
        href, content=json.dumps(data), headers={**h, "If-Match": after.headers["etag"]}
    )
    assert put.status_code == 200, put.text
    resource = app_client.get(f"{GRAPH}/{meeting['id']}", headers=graph(auth)).json()
    assert resource["subject"] == "Renamed in UCWA"
    assert resource["lobbyBypassSettings"]["scope"] == "organizer"
    assert [a["upn"] for a in resource["participants"]["attendees"]] == ["bob@callboard.dev"]

    # A UCWA delete removes the Graph meeting.
    assert app_client.delete(href, headers=h).status_code == 204
    assert app_client.get(f"{GRAPH}/{meeting['id']}", headers=graph(auth)).status_code == 404


def test_bot_joins_a_ucwa_meeting_by_conference_id(
    app_client: TestClient,
    auth: Auth,
    receiver: Receiver,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    rt: Any,
) -> None:
    meetings = application(app_client, auth, XML)
    created = app_client.post(
        f"{meetings}/myOnlineMeetings",
        content=body(XML, {"subject": "Bots welcome"}),
        headers=headers(auth, XML),
    )
    assert created.status_code == 201, created.text
    ucwa = app_client.get(created.headers["location"], headers=headers(auth, JSON)).json()
    bot = auth(app=DEV_APP, tenant=DEV_TENANT)
    call = app_client.post(
        "/v1.0/communications/calls",
        json={
            "callbackUri": f"{receiver.url}/bot",
            "requestedModalities": ["audio"],
            "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
            "meetingInfo": {
                "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo",
                "joinMeetingId": ucwa["conferenceId"],
            },
            "tenantId": DEV_TENANT,
        },
        headers=bot,
    )
    assert call.status_code == 201, call.text
    call_id = call.json()["id"]
    run_jobs()
    advance(rt.settings.connect_delay_seconds)
    assert receiver.states(call_id) == ["establishing", "established"]
    meeting_id = created.headers["location"].rsplit("/", 1)[1]
    roster = app_client.get(f"/_callboard/meetings/{meeting_id}").json()
    assert roster["roster"]


class TestQuota:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ucwa_meeting_quota_per_user": 2}

    @pytest.mark.parametrize("media", [JSON, XML])
    def test_too_many_online_meetings(self, app_client: TestClient, auth: Auth, media: str) -> None:
        meetings = application(app_client, auth, media)
        h = headers(auth, media)
        for _ in range(2):
            ok = app_client.post(f"{meetings}/myOnlineMeetings", content=body(media, {}), headers=h)
            assert ok.status_code == 201
        # The assigned meeting does not count.
        assert app_client.get(f"{meetings}/myAssignedOnlineMeeting", headers=h).status_code == 200
        refused = app_client.post(
            f"{meetings}/myOnlineMeetings", content=body(media, {}), headers=h
        )
        assert refused.status_code == 409
        assert "TooManyOnlineMeetings" in refused.text
        assert "Conflict" in refused.text
