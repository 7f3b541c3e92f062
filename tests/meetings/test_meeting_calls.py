"""Bots in meetings: join rules, lobby, waiting for the host, simulated attendees,
content sharing, several bots, and the meeting's end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CALLING_BOT, CONTOSO, DEV_APP, DEV_TENANT, FABRIKAM
from tests.support import Receiver, seed

ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
CALLS = "/v1.0/communications/calls"
Auth = Callable[..., dict[str, str]]


class Meeting:
    """A meeting Alice organises in the development tenant, and bots joining it."""

    def __init__(
        self,
        client: TestClient,
        auth: Auth,
        receiver: Receiver,
        advance: Callable[[float], int],
        rt: Any,
        **body: Any,
    ) -> None:
        self.client, self.auth, self.receiver, self.advance, self.rt = (
            client,
            auth,
            receiver,
            advance,
            rt,
        )
        self.alice = auth(app=DEV_APP, tenant=None, user="alice@callboard.dev")
        self.bot = auth(app=DEV_APP, tenant=DEV_TENANT)
        response = client.post("/v1.0/me/onlineMeetings", json=body, headers=self.alice)
        assert response.status_code == 201, response.text
        self.resource: dict[str, Any] = response.json()
        self.id = self.resource["id"]

    def join_body(self, **meeting_info: Any) -> dict[str, Any]:
        settings = self.resource["joinMeetingIdSettings"]
        return {
            "callbackUri": f"{self.receiver.url}/bot",
            "requestedModalities": ["audio"],
            "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
            "callOptions": {
                "@odata.type": "#microsoft.graph.outgoingCallOptions",
                "isContentSharingNotificationEnabled": True,
            },
            "meetingInfo": {
                "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo",
                "joinMeetingId": settings["joinMeetingId"],
                "passcode": settings["passcode"],
                **meeting_info,
            },
        }

    def join(self, **meeting_info: Any) -> dict[str, Any]:
        response = self.client.post(CALLS, json=self.join_body(**meeting_info), headers=self.bot)
        assert response.status_code == 201, response.text
        call: dict[str, Any] = response.json()
        self.advance(self.rt.settings.connect_delay_seconds)
        return call

    def person(self, **spec: Any) -> dict[str, Any]:
        response = self.client.post(f"/_callboard/meetings/{self.id}/participants", json=spec)
        assert response.status_code == 201, response.text
        self.advance(0)
        result: dict[str, Any] = response.json()
        return result

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, f"/_callboard/meetings/{self.id}{path}", **kwargs)
        self.advance(0)
        return response

    def rosters(self, call_id: str) -> list[list[dict[str, Any]]]:
        return [
            n["resourceData"]
            for n in self.receiver.notifications()
            if n["resourceUrl"] == f"/communications/calls/{call_id}/participants"
        ]

    def sharing(self, call_id: str) -> list[tuple[str, str]]:
        return [
            (n["changeType"], n["resourceData"][0]["id"])
            for n in self.receiver.notifications()
            if n["resourceUrl"] == f"/communications/calls/{call_id}/contentsharingsessions"
        ]


@pytest.fixture
def meeting(
    app_client: TestClient, auth: Auth, receiver: Receiver, advance: Callable[[float], int], rt: Any
) -> Meeting:
    return Meeting(app_client, auth, receiver, advance, rt)


@pytest.fixture
def make_meeting(
    app_client: TestClient, auth: Auth, receiver: Receiver, advance: Callable[[float], int], rt: Any
) -> Callable[..., Meeting]:
    return lambda **body: Meeting(app_client, auth, receiver, advance, rt, **body)


class TestJoinErrors:
    def test_wrong_passcode(self, meeting: Meeting) -> None:
        response = meeting.client.post(
            CALLS, json=meeting.join_body(passcode="nope"), headers=meeting.bot
        )
        assert response.status_code == 400
        assert "passcode" in response.json()["error"]["message"]

    def test_missing_passcode_when_required(self, make_meeting: Callable[..., Meeting]) -> None:
        m = make_meeting(joinMeetingIdSettings={"isPasscodeRequired": True})
        response = m.client.post(CALLS, json=m.join_body(passcode=None), headers=m.bot)
        assert response.status_code == 400

    def test_passcode_optional_when_not_required(self, meeting: Meeting) -> None:
        call = meeting.join(passcode=None)
        assert call["state"] == "establishing"

    def test_unknown_join_meeting_id(self, meeting: Meeting) -> None:
        response = meeting.client.post(
            CALLS, json=meeting.join_body(joinMeetingId="999"), headers=meeting.bot
        )
        assert response.status_code == 404

    def test_meeting_of_another_tenant(self, meeting: Meeting) -> None:
        other = meeting.auth(app=CALLING_BOT, tenant=CONTOSO)
        response = meeting.client.post(CALLS, json=meeting.join_body(), headers=other)
        assert response.status_code == 403

    def test_unknown_thread(self, meeting: Meeting) -> None:
        body = seed("create-call-5")["body"]
        body["chatInfo"]["threadId"] = "19:meeting_unknown@thread.v2"
        response = meeting.client.post(
            CALLS, json=body, headers=meeting.auth(app=CALLING_BOT, tenant=FABRIKAM)
        )
        assert response.status_code == 404

    def test_wrong_organizer_for_the_thread(self, meeting: Meeting) -> None:
        body = seed("create-call-5")["body"]
        body["meetingInfo"]["organizer"]["user"]["id"] = "112f7296-5fa4-42ca-bae8-6a692b15d4b8"
        response = meeting.client.post(
            CALLS, json=body, headers=meeting.auth(app=CALLING_BOT, tenant=FABRIKAM)
        )
        assert response.status_code == 404

    def test_organizer_of_another_tenant(self, meeting: Meeting) -> None:
        body = seed("create-call-5")["body"]  # organizer in Fabrikam
        response = meeting.client.post(
            CALLS,
            json={k: v for k, v in body.items() if k != "tenantId"},
            headers=meeting.auth(app=CALLING_BOT, tenant=CONTOSO),
        )
        assert response.status_code == 403

    def test_chat_info_alone_is_not_enough(self, meeting: Meeting) -> None:
        body = meeting.join_body()
        body["chatInfo"] = meeting.resource["chatInfo"]
        del body["meetingInfo"]
        assert meeting.client.post(CALLS, json=body, headers=meeting.bot).status_code == 400

    def test_join_needs_a_join_permission(self, meeting: Meeting) -> None:
        directory = meeting.client.get("/_callboard/directory").json()
        for app in directory["applications"]:
            if app["appId"] == DEV_APP:
                app["applicationPermissions"] = ["Calls.Initiate.All"]
        assert meeting.client.put("/_callboard/directory", json=directory).status_code == 204
        response = meeting.client.post(
            CALLS, json=meeting.join_body(), headers=meeting.auth(app=DEV_APP, tenant=DEV_TENANT)
        )
        assert response.status_code == 403
        assert "Calls.JoinGroupCall.All" in response.json()["error"]["message"]


def test_attendees_join_mute_and_leave(meeting: Meeting) -> None:
    call = meeting.join()
    assert meeting.receiver.states(call["id"]) == ["establishing", "established"]
    bob = meeting.person(userId="bob@callboard.dev")
    assert bob["isInLobby"] is False  # same organisation: bypasses the default lobby
    meeting.admin("PATCH", f"/participants/{bob['id']}", json={"isMuted": True})
    assert meeting.admin("DELETE", f"/participants/{bob['id']}").status_code == 204
    rosters = meeting.rosters(call["id"])
    assert [len(r) for r in rosters] == [1, 2, 2, 1]
    assert rosters[2][1]["isMuted"] is True
    assert rosters[2][1]["mediaStreams"][0]["serverMuted"] is True
    listed = meeting.client.get(f"{CALLS}/{call['id']}/participants", headers=meeting.bot)
    assert [p["id"] for p in listed.json()["value"]] == [call["myParticipantId"]]


def test_lobby_and_admission(make_meeting: Callable[..., Meeting]) -> None:
    m = make_meeting(lobbyBypassSettings={"scope": "organizer"})
    call = m.join()
    [roster] = m.rosters(call["id"])
    assert roster[0]["isInLobby"] is True  # only the organizer bypasses
    guest = m.person(displayName="Visitor")
    assert guest["isInLobby"] is True
    assert m.admin("POST", f"/participants/{call['myParticipantId']}/admit").status_code == 204
    assert m.admin("POST", f"/participants/{guest['id']}/admit").status_code == 204
    last = m.rosters(call["id"])[-1]
    assert [p["isInLobby"] for p in last] == [False, False]
    again = m.admin("POST", f"/participants/{guest['id']}/admit")
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("scope", "who", "waits"),
    [
        ("everyone", {"displayName": "Anonymous"}, False),
        ("organization", {"displayName": "Anonymous"}, True),
        ("organization", {"phone": "+14255550111"}, True),
        ("organizationAndFederated", {"userId": "112f7296-5fa4-42ca-bae8-6a692b15d4b8"}, False),
        ("organization", {"userId": "112f7296-5fa4-42ca-bae8-6a692b15d4b8"}, True),
    ],
)
def test_lobby_bypass_scopes(
    make_meeting: Callable[..., Meeting], scope: str, who: dict[str, Any], waits: bool
) -> None:
    m = make_meeting(lobbyBypassSettings={"scope": scope})
    assert m.person(**who)["isInLobby"] is waits


def test_dial_in_bypass(make_meeting: Callable[..., Meeting]) -> None:
    m = make_meeting(lobbyBypassSettings={"scope": "organization", "isDialInBypassEnabled": True})
    assert m.person(phone="+14255550111")["isInLobby"] is False


def test_bot_waits_for_the_host(meeting: Meeting) -> None:
    call = meeting.join(allowConversationWithoutHost=False)
    assert meeting.receiver.states(call["id"]) == ["establishing"]
    meeting.advance(60)
    got = meeting.client.get(f"{CALLS}/{call['id']}", headers=meeting.bot).json()
    assert got["state"] == "establishing"
    meeting.person(userId=ALICE)  # the organizer arrives
    assert meeting.receiver.states(call["id"]) == ["establishing", "established"]
    [roster] = meeting.rosters(call["id"])
    assert {p["id"] for p in roster} >= {call["myParticipantId"]}
    assert len(roster) == 2


# The properties of Graph's call resource (v1.0 and beta), and OData's annotations.
GRAPH_CALL_KEYS = {
    "@odata.context",
    "@odata.type",
    "id",
    "state",
    "direction",
    "subject",
    "callbackUri",
    "callChainId",
    "callRoutes",
    "source",
    "targets",
    "requestedModalities",
    "activeModalities",
    "mediaConfig",
    "chatInfo",
    "meetingInfo",
    "callOptions",
    "routingPolicies",
    "tenantId",
    "myParticipantId",
    "terminationReason",
    "ringingTimeoutInSeconds",
    "mediaState",
    "resultInfo",
    "answeredBy",
    "meetingCapability",
    "toneInfo",
    "transcription",
    "incomingContext",
}


def test_a_call_waiting_for_the_host_shows_only_graph_properties(meeting: Meeting) -> None:
    call = meeting.join(allowConversationWithoutHost=False)
    got = meeting.client.get(f"{CALLS}/{call['id']}", headers=meeting.bot).json()
    assert got["state"] == "establishing"
    assert "waitingForHost" not in got
    assert set(got) <= GRAPH_CALL_KEYS, set(got) - GRAPH_CALL_KEYS
    meeting.person(userId=ALICE)  # the organizer arrives: the bot enters
    got = meeting.client.get(f"{CALLS}/{call['id']}", headers=meeting.bot).json()
    assert got["state"] == "established"
    assert set(got) <= GRAPH_CALL_KEYS, set(got) - GRAPH_CALL_KEYS


def test_content_sharing(meeting: Meeting) -> None:
    call = meeting.join()
    bob = meeting.person(userId=BOB)
    started = meeting.admin("POST", "/contentSharingSessions", json={"participantId": bob["id"]})
    assert started.status_code == 201
    session = started.json()["id"]
    listed = meeting.client.get(
        f"{CALLS}/{call['id']}/contentSharingSessions", headers=meeting.bot
    ).json()
    assert listed["value"] == [
        {"@odata.type": "#microsoft.graph.contentSharingSession", "id": session}
    ]
    one = meeting.client.get(
        f"{CALLS}/{call['id']}/contentSharingSessions/{session}", headers=meeting.bot
    )
    assert one.status_code == 200
    assert meeting.admin("PATCH", f"/contentSharingSessions/{session}").status_code == 204
    assert meeting.admin("DELETE", f"/contentSharingSessions/{session}").status_code == 204
    assert meeting.sharing(call["id"]) == [
        ("created", session),
        ("updated", session),
        ("deleted", session),
    ]
    assert (
        meeting.client.get(
            f"{CALLS}/{call['id']}/contentSharingSessions", headers=meeting.bot
        ).json()["value"]
        == []
    )
    assert (
        meeting.client.get(
            f"{CALLS}/{call['id']}/contentSharingSessions/{session}", headers=meeting.bot
        ).status_code
        == 404
    )


def test_sharing_notifications_need_the_option(meeting: Meeting) -> None:
    body = meeting.join_body()
    body["callOptions"]["isContentSharingNotificationEnabled"] = False
    call = meeting.client.post(CALLS, json=body, headers=meeting.bot).json()
    meeting.advance(meeting.rt.settings.connect_delay_seconds)
    bob = meeting.person(userId=BOB)
    meeting.admin("POST", "/contentSharingSessions", json={"participantId": bob["id"]})
    assert meeting.sharing(call["id"]) == []


def test_leaving_sharer_stops_the_session(meeting: Meeting) -> None:
    call = meeting.join()
    bob = meeting.person(userId=BOB)
    session = meeting.admin(
        "POST", "/contentSharingSessions", json={"participantId": bob["id"]}
    ).json()["id"]
    meeting.admin("DELETE", f"/participants/{bob['id']}")
    assert meeting.sharing(call["id"]) == [("created", session), ("deleted", session)]


def test_two_bots_see_each_other(meeting: Meeting) -> None:
    first = meeting.join()
    second = meeting.join()
    first_rosters = meeting.rosters(first["id"])
    assert [len(r) for r in first_rosters] == [1, 2]
    assert [len(r) for r in meeting.rosters(second["id"])] == [2]
    assert meeting.client.delete(f"{CALLS}/{second['id']}", headers=meeting.bot).status_code == 204
    meeting.advance(meeting.rt.settings.terminate_delay_seconds)
    assert [len(r) for r in meeting.rosters(first["id"])] == [1, 2, 1]


def test_deleting_the_meeting_ends_its_calls(meeting: Meeting) -> None:
    call = meeting.join()
    response = meeting.client.delete(f"/v1.0/me/onlineMeetings/{meeting.id}", headers=meeting.alice)
    assert response.status_code == 204
    meeting.advance(0)
    assert meeting.receiver.states(call["id"])[-1] == "terminated"
    # Graph forgets an ended call (404); the admin API keeps its history.
    assert meeting.client.get(f"{CALLS}/{call['id']}", headers=meeting.bot).status_code == 404
    ended = meeting.client.get(f"/_callboard/calls/{call['id']}").json()
    assert ended["resultInfo"]["subcode"] == 5003


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/participants", {"userId": "nobody"}),
        ("POST", "/participants", {"userId": BOB, "phone": "+14255550111"}),
        ("POST", "/participants", {"phone": "12345"}),
        ("PATCH", "/participants/none", {"isMuted": True}),
        ("DELETE", "/participants/none", None),
        ("POST", "/participants/none/admit", None),
        ("POST", "/contentSharingSessions", {"participantId": "none"}),
        ("DELETE", "/contentSharingSessions/none", None),
    ],
)
def test_admin_errors(meeting: Meeting, method: str, path: str, body: Any) -> None:
    response = meeting.admin(method, path, json=body)
    assert response.status_code in (400, 404), response.text
    assert "error" in response.json()


def test_a_bot_cannot_be_removed_as_a_person(meeting: Meeting) -> None:
    call = meeting.join()
    response = meeting.admin("DELETE", f"/participants/{call['myParticipantId']}")
    assert response.status_code == 400


def test_unknown_meeting_in_admin(meeting: Meeting) -> None:
    response = meeting.client.post("/_callboard/meetings/nope/participants", json={})
    assert response.status_code == 404
