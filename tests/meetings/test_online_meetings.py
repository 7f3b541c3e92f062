"""Graph onlineMeetings: create, get, $filter, update, delete, createOrGet, permissions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CALLING_BOT, CONTOSO, DEV_APP, DEV_TENANT

ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
CAROL = "ca201000-0000-4000-8000-000000000003"
ME = "/v1.0/me/onlineMeetings"
Auth = Callable[..., dict[str, str]]


@pytest.fixture
def alice(auth: Auth) -> dict[str, str]:
    return auth(app=DEV_APP, tenant=None, user="alice@callboard.dev")


@pytest.fixture
def app_token(auth: Auth) -> dict[str, str]:
    return auth(app=DEV_APP, tenant=DEV_TENANT)


def _create(
    client: TestClient, headers: dict[str, str], body: dict[str, Any] | None = None, path: str = ME
) -> dict[str, Any]:
    response = client.post(path, json=body or {"subject": "Planning"}, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_created_meeting_has_everything_a_client_reads(
    app_client: TestClient, alice: dict[str, str], clock: Any
) -> None:
    meeting = _create(
        app_client,
        alice,
        {
            "subject": "Planning",
            "startDateTime": "2030-01-01T10:00:00+00:00",
            "endDateTime": "2030-01-01T11:00:00Z",
            "participants": {"attendees": [{"identity": {"user": {"id": BOB}}}]},
            "joinMeetingIdSettings": {"isPasscodeRequired": True},
        },
    )
    assert meeting["@odata.type"] == "#microsoft.graph.onlineMeeting"
    assert meeting["@odata.context"].endswith("$metadata#me/onlineMeetings/$entity")
    assert meeting["id"] and meeting["subject"] == "Planning"
    # Teams' form, with lower-case escapes: .../meetup-join/19%3ameeting_...%40thread.v2/0?...
    assert meeting["joinWebUrl"].startswith("https://teams.microsoft.com/l/meetup-join/19%3a")
    assert "%40thread.v2/0?context=%7b%22Tid%22%3a%22" in meeting["joinWebUrl"]
    settings = meeting["joinMeetingIdSettings"]
    assert settings["isPasscodeRequired"] is True
    assert settings["joinMeetingId"].isdigit() and len(settings["joinMeetingId"]) == 12
    assert len(settings["passcode"]) == 6
    assert meeting["chatInfo"]["threadId"].startswith("19:meeting_")
    assert meeting["chatInfo"]["messageId"] == "0"
    assert meeting["startDateTime"] == "2030-01-01T10:00:00.000Z"
    assert meeting["endDateTime"] == "2030-01-01T11:00:00.000Z"
    organizer = meeting["participants"]["organizer"]
    assert organizer["identity"]["user"]["id"] == ALICE
    assert organizer["upn"] == "alice@callboard.dev"
    [attendee] = meeting["participants"]["attendees"]
    assert attendee["identity"]["user"]["displayName"] == "Bob Brown"
    assert attendee["role"] == "attendee"
    assert attendee["@odata.type"] == organizer["@odata.type"]
    assert organizer["@odata.type"] == "#microsoft.graph.meetingParticipantInfo"
    assert meeting["lobbyBypassSettings"] == {
        "scope": "organization",
        "isDialInBypassEnabled": False,
    }
    assert meeting["allowedPresenters"] == "everyone"
    assert meeting["isEntryExitAnnounced"] is True
    assert meeting["audioConferencing"]["conferenceId"]
    assert meeting["joinInformation"]["contentType"] == "html"
    assert meeting["creationDateTime"]
    assert meeting["videoTeleconferenceId"]


def test_start_and_end_default_to_now_and_an_hour_later(
    app_client: TestClient, alice: dict[str, str]
) -> None:
    meeting = _create(app_client, alice)
    from datetime import datetime

    start = datetime.fromisoformat(meeting["startDateTime"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(meeting["endDateTime"].replace("Z", "+00:00"))
    assert (end - start).total_seconds() == 3600


@pytest.mark.parametrize(
    "body",
    [
        {"startDateTime": "2030-01-01T11:00:00Z", "endDateTime": "2030-01-01T10:00:00Z"},
        {"startDateTime": "2030-01-01T11:00:00Z", "endDateTime": "2030-01-01T11:00:00Z"},
        {"startDateTime": "tomorrow"},
        {"startDateTime": "2030-01-01T11:00:00"},
        {"allowedPresenters": "nobody"},
        {"lobbyBypassSettings": {"scope": "friends"}},
        {"allowMeetingChat": "sometimes"},
        {"participants": {"attendees": [{"role": "boss", "identity": {"user": {"id": "x"}}}]}},
        {"participants": {"attendees": [{"role": "attendee"}]}},
        {"participants": {"attendees": [{"identity": {}}]}},
        {"participants": "everyone"},
        {"joinMeetingIdSettings": {"passcode": "mine"}},
        {"@odata.type": "#microsoft.graph.call"},
        {"lobbyBypassSettings": {"scope": "invited"}},
    ],
)
def test_invalid_meeting_is_a_400(
    app_client: TestClient, alice: dict[str, str], body: dict[str, Any]
) -> None:
    response = app_client.post(ME, json=body, headers=alice)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalidRequest"


def test_evolvable_enum_members_need_the_prefer_header(
    app_client: TestClient, alice: dict[str, str]
) -> None:
    prefer = {**alice, "Prefer": "include-unknown-enum-members"}
    body = {
        "lobbyBypassSettings": {"scope": "invited"},
        "participants": {"attendees": [{"identity": {"user": {"id": BOB}}, "role": "coorganizer"}]},
    }
    meeting = _create(app_client, prefer, body)
    assert meeting["lobbyBypassSettings"]["scope"] == "invited"
    plain = app_client.get(f"{ME}/{meeting['id']}", headers=alice).json()
    assert plain["lobbyBypassSettings"]["scope"] == "unknownFutureValue"
    assert plain["participants"]["attendees"][0]["role"] == "unknownFutureValue"
    opted = app_client.get(f"{ME}/{meeting['id']}", headers=prefer).json()
    assert opted["participants"]["attendees"][0]["role"] == "coorganizer"


def test_get_by_organizer_and_by_invited_attendee(
    app_client: TestClient, alice: dict[str, str], auth: Auth
) -> None:
    meeting = _create(
        app_client, alice, {"participants": {"attendees": [{"upn": "bob@callboard.dev"}]}}
    )
    assert app_client.get(f"{ME}/{meeting['id']}", headers=alice).status_code == 200
    bob = auth(app=DEV_APP, tenant=None, user="bob@callboard.dev")
    assert app_client.get(f"{ME}/{meeting['id']}", headers=bob).status_code == 200
    carol = auth(app=DEV_APP, tenant=None, user="carol@callboard.dev")
    response = app_client.get(f"{ME}/{meeting['id']}", headers=carol)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "itemNotFound"


def test_filters_find_one_meeting(app_client: TestClient, alice: dict[str, str]) -> None:
    meeting = _create(app_client, alice)
    _create(app_client, alice)
    url = meeting["joinWebUrl"]
    by_url = app_client.get(ME, params={"$filter": f"JoinWebUrl eq '{url}'"}, headers=alice)
    assert by_url.status_code == 200, by_url.text
    assert [m["id"] for m in by_url.json()["value"]] == [meeting["id"]]
    assert by_url.json()["@odata.context"].endswith("$metadata#me/onlineMeetings")
    join_id = meeting["joinMeetingIdSettings"]["joinMeetingId"]
    query = quote(f"joinMeetingIdSettings/joinMeetingId eq '{join_id}'")
    by_id = app_client.get(f"{ME}?$filter={query}", headers=alice)
    assert [m["id"] for m in by_id.json()["value"]] == [meeting["id"]]
    upper = re.sub(r"%[0-9a-f]{2}", lambda m: m.group(0).upper(), url)
    by_upper = app_client.get(ME, params={"$filter": f"JoinWebUrl eq '{upper}'"}, headers=alice)
    assert [m["id"] for m in by_upper.json()["value"]] == [meeting["id"]]
    none = app_client.get(ME, params={"$filter": "JoinWebUrl eq 'https://nowhere'"}, headers=alice)
    assert none.json()["value"] == []


@pytest.mark.parametrize("query", [None, "subject eq 'x'", "JoinWebUrl eq unquoted"])
def test_listing_needs_a_supported_filter(
    app_client: TestClient, alice: dict[str, str], query: str | None
) -> None:
    params = {} if query is None else {"$filter": query}
    assert app_client.get(ME, params=params, headers=alice).status_code == 400


class TestUpdate:
    def test_patch_changes_updatable_properties(
        self, app_client: TestClient, alice: dict[str, str]
    ) -> None:
        meeting = _create(app_client, alice)
        response = app_client.patch(
            f"{ME}/{meeting['id']}",
            headers=alice,
            json={
                "subject": "Renamed",
                "startDateTime": "2031-05-01T09:00:00Z",
                "endDateTime": "2031-05-01T09:30:00Z",
                "participants": {
                    "attendees": [{"identity": {"user": {"id": CAROL}}, "role": "presenter"}]
                },
                "lobbyBypassSettings": {"scope": "everyone"},
            },
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["subject"] == "Renamed"
        assert updated["startDateTime"] == "2031-05-01T09:00:00.000Z"
        assert [a["identity"]["user"]["id"] for a in updated["participants"]["attendees"]] == [
            CAROL
        ]
        assert updated["participants"]["organizer"]["identity"]["user"]["id"] == ALICE
        assert updated["joinWebUrl"] == meeting["joinWebUrl"]
        again = app_client.get(f"{ME}/{meeting['id']}", headers=alice).json()
        assert again["subject"] == "Renamed"

    @pytest.mark.parametrize(
        "patch",
        [
            {"startDateTime": "2031-05-01T09:00:00Z"},
            {"endDateTime": "2031-05-01T09:00:00Z"},
            {"startDateTime": "2031-05-01T10:00:00Z", "endDateTime": "2031-05-01T09:00:00Z"},
            {"joinMeetingIdSettings": {"isPasscodeRequired": True}},
            {"participants": {"organizer": {"identity": {"user": {"id": BOB}}}}},
            {"allowedPresenters": "nobody"},
            {"externalId": "new"},
        ],
    )
    def test_refused_patches_change_nothing(
        self, app_client: TestClient, alice: dict[str, str], patch: dict[str, Any]
    ) -> None:
        meeting = _create(app_client, alice)
        response = app_client.patch(f"{ME}/{meeting['id']}", headers=alice, json=patch)
        assert response.status_code == 400, response.text
        after = app_client.get(f"{ME}/{meeting['id']}", headers=alice).json()
        assert after == {**meeting, "@odata.context": after["@odata.context"]}

    def test_attendee_cannot_update_or_delete(
        self, app_client: TestClient, alice: dict[str, str], auth: Auth
    ) -> None:
        meeting = _create(
            app_client,
            alice,
            {"participants": {"attendees": [{"identity": {"user": {"id": BOB}}}]}},
        )
        bob = auth(app=DEV_APP, tenant=None, user="bob@callboard.dev")
        assert (
            app_client.patch(
                f"{ME}/{meeting['id']}", json={"subject": "x"}, headers=bob
            ).status_code
            == 403
        )
        assert app_client.delete(f"{ME}/{meeting['id']}", headers=bob).status_code == 403


def test_delete(app_client: TestClient, alice: dict[str, str]) -> None:
    meeting = _create(app_client, alice)
    assert app_client.delete(f"{ME}/{meeting['id']}", headers=alice).status_code == 204
    assert app_client.get(f"{ME}/{meeting['id']}", headers=alice).status_code == 404
    assert app_client.delete(f"{ME}/{meeting['id']}", headers=alice).status_code == 404


class TestCreateOrGet:
    def test_created_then_got(self, app_client: TestClient, alice: dict[str, str]) -> None:
        body = {"externalId": "appointment-42", "subject": "Visit"}
        first = app_client.post(f"{ME}/createOrGet", json=body, headers=alice)
        assert first.status_code == 201
        second = app_client.post(
            f"{ME}/createOrGet", json={**body, "subject": "Other"}, headers=alice
        )
        assert second.status_code == 200
        assert second.json()["id"] == first.json()["id"]
        assert second.json()["subject"] == "Visit"
        assert second.json()["externalId"] == "appointment-42"

    def test_keyed_per_organizer(
        self, app_client: TestClient, alice: dict[str, str], auth: Auth
    ) -> None:
        body = {"externalId": "shared-key"}
        a = app_client.post(f"{ME}/createOrGet", json=body, headers=alice).json()
        bob = auth(app=DEV_APP, tenant=None, user="bob@callboard.dev")
        b = app_client.post(f"{ME}/createOrGet", json=body, headers=bob)
        assert b.status_code == 201
        assert b.json()["id"] != a["id"]

    @pytest.mark.parametrize(
        "body", [{}, {"externalId": ""}, {"externalId": "x", "endDateTime": "2030-01-01T00:00:00Z"}]
    )
    def test_invalid(
        self, app_client: TestClient, alice: dict[str, str], body: dict[str, Any]
    ) -> None:
        response = app_client.post(f"{ME}/createOrGet", json=body, headers=alice)
        assert response.status_code == 400


class TestPermissions:
    def test_app_token_on_users_path_with_a_policy(
        self, app_client: TestClient, app_token: dict[str, str]
    ) -> None:
        path = f"/v1.0/users/{ALICE}/onlineMeetings"
        meeting = _create(app_client, app_token, path=path)
        assert meeting["participants"]["organizer"]["identity"]["user"]["id"] == ALICE
        by_upn = app_client.get(
            f"/v1.0/users/alice@callboard.dev/onlineMeetings/{meeting['id']}", headers=app_token
        )
        assert by_upn.status_code == 200

    def test_the_path_names_the_owner_not_a_user_id_query(
        self, app_client: TestClient, alice: dict[str, str], app_token: dict[str, str]
    ) -> None:
        meeting = _create(app_client, alice)
        mine = app_client.get(f"{ME}/{meeting['id']}?user_id={BOB}", headers=alice)
        assert mine.status_code == 200, mine.text
        assert mine.json()["@odata.context"].endswith("$metadata#me/onlineMeetings/$entity")
        theirs = app_client.get(
            f"/v1.0/users/{ALICE}/onlineMeetings/{meeting['id']}", headers=app_token
        )
        assert theirs.status_code == 200, theirs.text
        assert theirs.json()["@odata.context"].endswith(
            f"$metadata#users('{ALICE}')/onlineMeetings/$entity"
        )

    def test_app_token_without_a_policy_is_refused(
        self, app_client: TestClient, auth: Auth
    ) -> None:
        directory = app_client.get("/_callboard/directory").json()
        directory["applicationAccessPolicies"] = []
        assert app_client.put("/_callboard/directory", json=directory).status_code == 204
        response = app_client.post(
            f"/v1.0/users/{ALICE}/onlineMeetings",
            json={},
            headers=auth(app=DEV_APP, tenant=DEV_TENANT),
        )
        assert response.status_code == 403
        assert "application access policy" in response.json()["error"]["message"]

    def test_app_token_on_me_is_refused(
        self, app_client: TestClient, app_token: dict[str, str]
    ) -> None:
        response = app_client.post(ME, json={}, headers=app_token)
        assert response.status_code == 400
        assert "delegated" in response.json()["error"]["message"]

    def test_delegated_token_for_someone_else(
        self, app_client: TestClient, alice: dict[str, str]
    ) -> None:
        response = app_client.post(f"/v1.0/users/{BOB}/onlineMeetings", json={}, headers=alice)
        assert response.status_code == 403

    def test_missing_scope(self, app_client: TestClient, auth: Auth) -> None:
        directory = app_client.get("/_callboard/directory").json()
        for app in directory["applications"]:
            if app["appId"] == DEV_APP:
                app["delegatedPermissions"] = ["OnlineMeetings.Read"]
                app["applicationPermissions"] = ["OnlineMeetings.Read.All"]
        assert app_client.put("/_callboard/directory", json=directory).status_code == 204
        user = auth(app=DEV_APP, tenant=None, user="alice@callboard.dev")
        response = app_client.post(ME, json={}, headers=user)
        assert response.status_code == 403
        assert "OnlineMeetings.ReadWrite" in response.json()["error"]["message"]
        app_only = auth(app=DEV_APP, tenant=DEV_TENANT)
        assert (
            app_client.post(
                f"/v1.0/users/{ALICE}/onlineMeetings", json={}, headers=app_only
            ).status_code
            == 403
        )

    def test_other_tenant_cannot_see_the_meeting(
        self, app_client: TestClient, alice: dict[str, str], auth: Auth
    ) -> None:
        meeting = _create(app_client, alice)
        contoso = auth(app=CALLING_BOT, tenant=CONTOSO)
        response = app_client.get(
            f"/v1.0/users/{ALICE}/onlineMeetings/{meeting['id']}", headers=contoso
        )
        assert response.status_code == 404  # Alice is not a user of Contoso

    def test_unknown_user(self, app_client: TestClient, app_token: dict[str, str]) -> None:
        response = app_client.get("/v1.0/users/nobody/onlineMeetings/x", headers=app_token)
        assert response.status_code == 404


def test_msgraph_placeholder_path_means_me(app_client: TestClient, alice: dict[str, str]) -> None:
    response = app_client.post(
        "/v1.0/users/me-token-to-replace/onlineMeetings", json={}, headers=alice
    )
    assert response.status_code == 201


def test_video_teleconference_id_lookup(
    app_client: TestClient, alice: dict[str, str], app_token: dict[str, str]
) -> None:
    meeting = _create(app_client, alice)
    vtc = meeting["videoTeleconferenceId"]
    found = app_client.get(
        "/v1.0/communications/onlineMeetings",
        params={"$filter": f"VideoTeleconferenceId eq '{vtc}'"},
        headers=app_token,
    )
    assert found.status_code == 200, found.text
    assert [m["id"] for m in found.json()["value"]] == [meeting["id"]]
    assert (
        app_client.get(
            "/v1.0/communications/onlineMeetings",
            params={"$filter": f"VideoTeleconferenceId eq '{vtc}'"},
            headers=alice,
        ).status_code
        == 403
    )
