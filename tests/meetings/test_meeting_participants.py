"""Participants of meeting calls: invite, remove, mute reach the meeting and every bot in
it; seed 002 example 5 moves a participant between two meetings of one application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CALLING_BOT, CONTOSO
from tests.support import Receiver, seed

BOB = "5810cede-f3cc-42eb-b2c1-e9bd5d53ec96"  # Contoso's Bob
NORTHWIND_USER = "682b6c37-0729-4fab-ace6-d730d5d9137e"
CALLS = "/v1.0/communications/calls"
Auth = Callable[..., dict[str, str]]


class Bots:
    def __init__(
        self,
        client: TestClient,
        auth: Auth,
        receiver: Receiver,
        advance: Callable[[float], int],
        rt: Any,
    ) -> None:
        self.client, self.receiver, self.advance, self.rt = client, receiver, advance, rt
        self.token = auth(app=CALLING_BOT, tenant=CONTOSO)

    def meeting(self, **body: Any) -> dict[str, Any]:
        response = self.client.post(
            f"/v1.0/users/{BOB}/onlineMeetings",
            json={"lobbyBypassSettings": {"scope": "everyone"}, **body},
            headers=self.token,
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def join(self, meeting: dict[str, Any]) -> dict[str, Any]:
        body = {
            "callbackUri": "https://bot.contoso.com/api/calls",
            "requestedModalities": ["audio"],
            "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
            "meetingInfo": {
                "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo",
                "joinMeetingId": meeting["joinMeetingIdSettings"]["joinMeetingId"],
                "passcode": meeting["joinMeetingIdSettings"]["passcode"],
            },
        }
        response = self.client.post(CALLS, json=body, headers=self.token)
        assert response.status_code == 201, response.text
        self.advance(self.rt.settings.connect_delay_seconds)
        call: dict[str, Any] = response.json()
        return call

    def person(self, meeting: dict[str, Any], user: str) -> dict[str, Any]:
        response = self.client.post(
            f"/_callboard/meetings/{meeting['id']}/participants", json={"userId": user}
        )
        assert response.status_code == 201, response.text
        self.advance(0)
        result: dict[str, Any] = response.json()
        return result

    def roster(self, call: dict[str, Any]) -> list[dict[str, Any]]:
        rosters = [
            n["resourceData"]
            for n in self.receiver.notifications()
            if n["resourceUrl"] == f"/communications/calls/{call['id']}/participants"
        ]
        return rosters[-1]

    def users_in(self, call: dict[str, Any]) -> list[str]:
        return [
            p["info"]["identity"]["user"]["id"]
            for p in self.roster(call)
            if "user" in p["info"]["identity"]
        ]

    def operations(self, call: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            n["resourceData"]
            for n in self.receiver.notifications()
            if n["resourceUrl"].startswith(f"/communications/calls/{call['id']}/operations/")
        ]


@pytest.fixture
def bots(
    app_client: TestClient, auth: Auth, receiver: Receiver, advance: Callable[[float], int], rt: Any
) -> Bots:
    return Bots(app_client, auth, receiver, advance, rt)


def test_invited_person_joins_the_meeting_for_every_bot(bots: Bots) -> None:
    meeting = bots.meeting()
    first, second = bots.join(meeting), bots.join(meeting)
    body = {"participants": [{"identity": {"user": {"id": BOB}}}], "clientContext": "c1"}
    response = bots.client.post(
        f"{CALLS}/{first['id']}/participants/invite", json=body, headers=bots.token
    )
    assert response.status_code == 200, response.text
    bots.advance(bots.rt.settings.connect_delay_seconds)
    bots.advance(bots.rt.settings.answer_delay_seconds)
    assert bots.users_in(first) == [BOB]
    assert bots.users_in(second) == [BOB]
    [operation] = bots.operations(first)
    assert operation["status"] == "Completed"
    described = bots.client.get(f"/_callboard/meetings/{meeting['id']}").json()
    assert BOB in [p["info"]["identity"].get("user", {}).get("id") for p in described["roster"]]


def test_remove_and_mute_reach_the_other_bots(bots: Bots) -> None:
    meeting = bots.meeting()
    first, second = bots.join(meeting), bots.join(meeting)
    bob = bots.person(meeting, BOB)
    muted = bots.client.post(
        f"{CALLS}/{first['id']}/participants/{bob['id']}/mute", json={}, headers=bots.token
    )
    assert muted.status_code == 200, muted.text
    bots.advance(0)
    seen = next(p for p in bots.roster(second) if p["id"] == bob["id"])
    assert seen["isMuted"] is True
    removed = bots.client.delete(
        f"{CALLS}/{first['id']}/participants/{bob['id']}", headers=bots.token
    )
    assert removed.status_code == 204
    bots.advance(0)
    assert bots.users_in(second) == []
    assert bots.users_in(first) == []
    # The meeting goes on: the bots are still there.
    assert {p["id"] for p in bots.roster(second)} == {
        first["myParticipantId"],
        second["myParticipantId"],
    }
    other_bot = bots.client.delete(
        f"{CALLS}/{first['id']}/participants/{second['myParticipantId']}", headers=bots.token
    )
    assert other_bot.status_code == 400


def test_seed_002_example_5_moves_a_participant_between_meetings(bots: Bots) -> None:
    source_meeting, target_meeting = bots.meeting(subject="A"), bots.meeting(subject="B")
    source, target = bots.join(source_meeting), bots.join(target_meeting)
    moving = bots.person(source_meeting, NORTHWIND_USER)
    assert bots.users_in(source) == [NORTHWIND_USER]

    request = seed("invite-5")["body"]
    request["participants"][0]["participantId"] = moving["id"]
    request["participants"][0]["replacesCallId"] = source["id"]
    response = bots.client.post(
        f"{CALLS}/{target['id']}/participants/invite", json=request, headers=bots.token
    )
    assert response.status_code == 200, response.text
    operation = response.json()
    expected = seed("invite-5", "response")["body"]
    assert operation["@odata.type"] == expected["@odata.type"]
    assert operation["status"] == "Running"
    assert operation["clientContext"] == expected["clientContext"]
    [invited] = operation["participants"]
    assert invited["replacesCallId"] == source["id"]
    assert invited["participantId"] == moving["id"]
    assert response.headers["location"].endswith(f"/operations/{operation['id']}")

    bots.advance(bots.rt.settings.connect_delay_seconds)
    [done] = bots.operations(target)
    assert done["status"] == "Completed"
    assert done["clientContext"] == expected["clientContext"]
    assert bots.users_in(target) == [NORTHWIND_USER]
    assert bots.users_in(source) == []
    notes = bots.receiver.notifications()
    kinds = [
        n["resourceUrl"].rsplit("/", 2)[-2]
        for n in notes
        if n["resourceUrl"].startswith(f"/communications/calls/{target['id']}/")
    ]
    assert kinds[-2:] == ["operations", target["id"]]  # operation, then the roster (the seed's)


def test_moves_only_between_meetings_of_the_same_application(bots: Bots, auth: Auth) -> None:
    own = bots.meeting()
    bob = auth(app="b07b0700-0000-4000-8000-000000000001", tenant=None, user="bob@callboard.dev")
    del bob  # (another tenant's user: the foreign meeting below is the fixture's)
    target = bots.join(own)
    fixture = bots.client.get("/_callboard/meetings/seed-003-example-6").json()
    foreign = bots.join({"joinMeetingIdSettings": fixture["joinMeetingIdSettings"]})
    john = fixture["roster"][0]
    body = {
        "participants": [
            {
                "identity": {"user": {"id": john["info"]["identity"]["user"]["id"]}},
                "participantId": john["id"],
                "replacesCallId": foreign["id"],
            }
        ]
    }
    response = bots.client.post(
        f"{CALLS}/{target['id']}/participants/invite", json=body, headers=bots.token
    )
    assert response.status_code == 400
    assert "same application" in response.json()["error"]["message"]


@pytest.mark.parametrize("change", ["unknown participant", "wrong identity", "no participantId"])
def test_move_errors(bots: Bots, change: str) -> None:
    a, b = bots.meeting(), bots.meeting()
    source, target = bots.join(a), bots.join(b)
    moving = bots.person(a, NORTHWIND_USER)
    participant: dict[str, Any] = {
        "identity": {"user": {"id": NORTHWIND_USER}},
        "participantId": moving["id"],
        "replacesCallId": source["id"],
    }
    if change == "unknown participant":
        participant["participantId"] = "nobody"
    elif change == "wrong identity":
        participant["identity"]["user"]["id"] = BOB
    else:
        del participant["participantId"]
    response = bots.client.post(
        f"{CALLS}/{target['id']}/participants/invite",
        json={"participants": [participant]},
        headers=bots.token,
    )
    assert response.status_code == 400, response.text
    assert bots.users_in(source) == [NORTHWIND_USER]
