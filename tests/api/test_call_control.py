"""Hold music, addLargeGalleryView, audioRoutingGroups, changeScreenSharingRole's roster
update, logTeleconferenceDeviceQuality, and GET of an ended call."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.api.calling import (
    BAD_REQUEST,
    CALLS,
    TEST_BOT,
    USER1,
    USER2,
    Harness,
    assert_error,
    p2p_body,
)

LIMITED_BOT = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
PROMPT = {
    "@odata.type": "#microsoft.graph.mediaPrompt",
    "mediaInfo": {"@odata.type": "#microsoft.graph.mediaInfo", "uri": "https://bot/onHold.wav"},
}


def _participant_id(h: Harness, call_id: str, user_id: str, app: str = TEST_BOT) -> str:
    for participant in h.participants(call_id, app=app):
        if (participant["info"]["identity"].get("user") or {}).get("id") == user_id:
            return str(participant["id"])
    raise AssertionError(f"{user_id} is not in the roster")


def _audio(roster: list[dict[str, Any]], participant_id: str) -> str:
    participant = next(p for p in roster if p["id"] == participant_id)
    return str(
        next(s for s in participant["mediaStreams"] if s["mediaType"] == "audio")["direction"]
    )


class TestHoldMusic:
    def _hold(self, h: Harness, call_id: str, pid: str, verb: str, body: Any = None) -> Any:
        return h.post(f"{CALLS}/{call_id}/participants/{pid}/{verb}", body or {}, app=TEST_BOT)

    def test_start_then_stop(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        pid = _participant_id(h, call["id"], USER1)
        rosters_before = len(h.rosters(call["id"]))
        response = self._hold(
            h, call["id"], pid, "startHoldMusic", {"customPrompt": PROMPT, "clientContext": "c1"}
        )
        assert response.status_code == 202, response.text
        operation = response.json()
        assert operation["@odata.type"] == "#microsoft.graph.startHoldMusicOperation"
        assert (operation["status"], operation["clientContext"]) == ("Running", "c1")
        assert response.headers["location"].endswith(f"/operations/{operation['id']}")
        h.run_jobs()
        rosters = h.rosters(call["id"])
        assert len(rosters) == rosters_before + 1
        assert _audio(rosters[-1], pid) == "receiveOnly"
        assert _audio(rosters[-1], _participant_id(h, call["id"], USER2)) == "sendReceive"
        assert h.operation_notes(call["id"]) == []
        h.advance(1)
        (done,) = h.operation_notes(call["id"])
        assert done["changeType"] == "deleted"
        assert done["resourceData"]["@odata.type"] == "#microsoft.graph.startHoldMusicOperation"
        assert done["resourceData"]["status"] == "Completed"

        response = self._hold(h, call["id"], pid, "stopHoldMusic")
        assert response.status_code == 202, response.text
        assert response.json()["@odata.type"] == "#microsoft.graph.stopHoldMusicOperation"
        h.advance(1)
        assert _audio(h.rosters(call["id"])[-1], pid) == "sendReceive"
        assert [n["resourceData"]["@odata.type"] for n in h.operation_notes(call["id"])] == [
            "#microsoft.graph.startHoldMusicOperation",
            "#microsoft.graph.stopHoldMusicOperation",
        ]

    def test_one_participant_on_hold_at_a_time(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        user1 = _participant_id(h, call["id"], USER1)
        user2 = _participant_id(h, call["id"], USER2)
        assert self._hold(h, call["id"], user1, "startHoldMusic").status_code == 202
        error = assert_error(self._hold(h, call["id"], user2, "startHoldMusic"), 400, BAD_REQUEST)
        assert "one participant" in error["message"]
        assert_error(self._hold(h, call["id"], user1, "startHoldMusic"), 400, BAD_REQUEST)
        assert_error(self._hold(h, call["id"], user2, "stopHoldMusic"), 400, BAD_REQUEST)
        assert self._hold(h, call["id"], user1, "stopHoldMusic").status_code == 202
        assert self._hold(h, call["id"], user2, "startHoldMusic").status_code == 202

    def test_in_a_peer_to_peer_call(self, h: Harness) -> None:
        call = h.establish_p2p()
        peer = next(
            p["id"] for p in h.participants(call["id"]) if p["id"] != call["myParticipantId"]
        )
        response = h.post(f"{CALLS}/{call['id']}/participants/{peer}/startHoldMusic", {})
        assert response.status_code == 202, response.text

    @pytest.mark.parametrize(
        "body",
        [
            {"customPrompt": {"mediaInfo": {}}},
            {"customPrompt": "music"},
            {"clientContext": "x" * 257},
        ],
    )
    def test_bad_bodies_are_400(self, h: Harness, body: dict[str, Any]) -> None:
        call = h.establish_group(USER1, USER2)
        pid = _participant_id(h, call["id"], USER1)
        assert_error(self._hold(h, call["id"], pid, "startHoldMusic", body), 400, BAD_REQUEST)

    def test_unknown_participant_is_404_and_the_bot_itself_400(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        response = self._hold(h, call["id"], "nobody", "startHoldMusic")
        assert_error(response, 404, "itemNotFound")
        response = self._hold(h, call["id"], call["myParticipantId"], "startHoldMusic")
        assert_error(response, 400, BAD_REQUEST)

    def test_wrong_state_unknown_call_and_anonymous(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        url = f"{CALLS}/{call['id']}/participants/someone/startHoldMusic"
        assert_error(h.post(url, {}), 400, BAD_REQUEST)
        assert_error(h.post(f"{CALLS}/nope/participants/x/stopHoldMusic", {}), 404, "itemNotFound")
        assert_error(h.client.post(url, json={}), 401, "InvalidAuthenticationToken")


class TestAddLargeGalleryView:
    def test_running_then_completed(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        response = h.action(call["id"], "addLargeGalleryView", {"clientContext": "g"}, app=TEST_BOT)
        assert response.status_code == 202, response.text
        operation = response.json()
        assert operation["@odata.type"] == "#microsoft.graph.addLargeGalleryViewOperation"
        assert operation["status"] == "Running"
        assert "location" in response.headers
        h.advance(1)
        (done,) = h.operation_notes(call["id"])
        assert done["resourceData"]["status"] == "Completed"
        assert done["resourceData"]["clientContext"] == "g"
        got = h.get(f"{CALLS}/{call['id']}/operations/{operation['id']}", app=TEST_BOT)
        assert got.json()["status"] == "Completed"

    def test_peer_to_peer_and_not_established_are_400(self, h: Harness) -> None:
        call = h.establish_p2p()
        assert_error(h.action(call["id"], "addLargeGalleryView", {}), 400, BAD_REQUEST)
        call = h.create_call(p2p_body())
        assert_error(h.action(call["id"], "addLargeGalleryView", {}), 400, BAD_REQUEST)

    def test_unknown_call_and_anonymous(self, h: Harness) -> None:
        assert_error(h.action("nope", "addLargeGalleryView", {}), 404, "itemNotFound")
        call = h.establish_group(USER1, USER2)
        response = h.client.post(f"{CALLS}/{call['id']}/addLargeGalleryView", json={})
        assert_error(response, 401, "InvalidAuthenticationToken")

    def test_needs_a_group_call_permission(self, h: Harness) -> None:
        h.add_application(LIMITED_BOT, ["Calls.Initiate.All"])
        source = {"identity": {"application": {"id": LIMITED_BOT}}}
        call = h.establish_p2p(p2p_body(source=source), app=LIMITED_BOT)
        response = h.action(call["id"], "addLargeGalleryView", {}, app=LIMITED_BOT)
        assert_error(response, 403, "accessDenied")


class TestAudioRoutingGroups:
    def _groups(self, call_id: str) -> str:
        return f"{CALLS}/{call_id}/audioRoutingGroups"

    def test_create_list_get_update_delete(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        user1 = _participant_id(h, call["id"], USER1)
        user2 = _participant_id(h, call["id"], USER2)
        bot = call["myParticipantId"]
        body = {"id": "oneToOne", "routingMode": "oneToOne", "sources": [user1], "receivers": [bot]}
        created = h.post(self._groups(call["id"]), body, app=TEST_BOT)
        assert created.status_code == 200, created.text
        assert {k: created.json()[k] for k in body} == body
        generated = h.post(
            self._groups(call["id"]),
            {"routingMode": "multicast", "sources": [user2], "receivers": [user1, bot]},
            app=TEST_BOT,
        ).json()
        assert generated["id"]
        listed = h.get(self._groups(call["id"]), app=TEST_BOT).json()["value"]
        assert [g["id"] for g in listed] == ["oneToOne", generated["id"]]
        one = h.get(f"{self._groups(call['id'])}/oneToOne", app=TEST_BOT).json()
        assert one["receivers"] == [bot]
        patched = h.client.patch(
            f"{self._groups(call['id'])}/oneToOne",
            json={"routingMode": "multicast", "receivers": [bot, user2]},
            headers=h.auth(app=TEST_BOT),
        )
        assert patched.status_code == 200, patched.text
        assert (patched.json()["routingMode"], patched.json()["receivers"]) == (
            "multicast",
            [bot, user2],
        )
        assert patched.json()["sources"] == [user1]
        deleted = h.client.delete(
            f"{self._groups(call['id'])}/oneToOne", headers=h.auth(app=TEST_BOT)
        )
        assert deleted.status_code == 204
        missing = h.get(f"{self._groups(call['id'])}/oneToOne", app=TEST_BOT)
        assert_error(missing, 404, "itemNotFound")

    @pytest.mark.parametrize(
        "change",
        [
            {"routingMode": "broadcast"},
            {"routingMode": None},
            {"receivers": ["USER1", "USER2"]},
            {"receivers": []},
            {"sources": []},
            {"sources": ["USER1", "USER2"]},
            {"receivers": ["nobody"]},
            {"receivers": ["USER1"]},
        ],
    )
    def test_validation_is_400(self, h: Harness, change: dict[str, Any]) -> None:
        call = h.establish_group(USER1, USER2)
        ids = {
            "USER1": _participant_id(h, call["id"], USER1),
            "USER2": _participant_id(h, call["id"], USER2),
        }
        body: dict[str, Any] = {
            "routingMode": "oneToOne",
            "sources": [ids["USER1"]],
            "receivers": [ids["USER2"]],
        }
        for key, value in change.items():
            if value is None:
                del body[key]
            elif isinstance(value, list):
                body[key] = [ids.get(v, v) for v in value]
            else:
                body[key] = value
        response = h.post(self._groups(call["id"]), body, app=TEST_BOT)
        assert_error(response, 400, BAD_REQUEST)

    def test_duplicate_id_and_update_breaking_the_mode_are_400(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        user1 = _participant_id(h, call["id"], USER1)
        user2 = _participant_id(h, call["id"], USER2)
        body = {"id": "g", "routingMode": "oneToOne", "sources": [user1], "receivers": [user2]}
        assert h.post(self._groups(call["id"]), body, app=TEST_BOT).status_code == 200
        assert_error(h.post(self._groups(call["id"]), body, app=TEST_BOT), 400, BAD_REQUEST)
        response = h.client.patch(
            f"{self._groups(call['id'])}/g",
            json={"receivers": [user2, call["myParticipantId"]]},
            headers=h.auth(app=TEST_BOT),
        )
        assert_error(response, 400, BAD_REQUEST)

    def test_peer_to_peer_is_400_and_unknown_call_404(self, h: Harness) -> None:
        call = h.establish_p2p()
        body = {"routingMode": "oneToOne", "sources": ["a"], "receivers": ["b"]}
        assert_error(h.post(self._groups(call["id"]), body), 400, BAD_REQUEST)
        assert_error(h.get(self._groups("nope")), 404, "itemNotFound")
        assert_error(h.client.get(self._groups(call["id"])), 401, "InvalidAuthenticationToken")


class TestChangeScreenSharingRole:
    def test_sharer_puts_the_bots_stream_in_the_roster(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2, app_hosted=True)
        before = len(h.rosters(call["id"]))
        response = h.action(call["id"], "changeScreenSharingRole", {"role": "sharer"}, app=TEST_BOT)
        assert response.status_code == 202
        h.run_jobs()
        rosters = h.rosters(call["id"])
        assert len(rosters) == before + 1
        bot = next(p for p in rosters[-1] if p["id"] == call["myParticipantId"])
        (sharing,) = [s for s in bot["mediaStreams"] if s["mediaType"] == "videoBasedScreenSharing"]
        assert (sharing["label"], sharing["direction"]) == ("applicationsharing-video", "sendOnly")
        h.action(call["id"], "changeScreenSharingRole", {"role": "viewer"}, app=TEST_BOT)
        h.run_jobs()
        bot = next(p for p in h.rosters(call["id"])[-1] if p["id"] == call["myParticipantId"])
        (sharing,) = [s for s in bot["mediaStreams"] if s["mediaType"] == "videoBasedScreenSharing"]
        assert sharing["direction"] == "receiveOnly"

    def test_peer_to_peer_and_service_hosted_media_are_400(self, h: Harness) -> None:
        call = h.establish_p2p()
        assert_error(
            h.action(call["id"], "changeScreenSharingRole", {"role": "sharer"}), 400, BAD_REQUEST
        )
        call = h.establish_group(USER1, USER2)
        response = h.action(call["id"], "changeScreenSharingRole", {"role": "sharer"}, app=TEST_BOT)
        assert "appHostedMediaConfig" in assert_error(response, 400, BAD_REQUEST)["message"]


class TestLogTeleconferenceDeviceQuality:
    URL = f"{CALLS}/logTeleconferenceDeviceQuality"

    def _example(self) -> dict[str, Any]:
        return {
            "quality": {
                "@odata.type": "#microsoft.graph.teleconferenceDeviceQuality",
                "callChainId": "0622673d-9f69-49b3-9d4f-5ec64f42ecce",
                "participantId": "ea078406-b5d4-4d3c-b85e-90103dcec7f6",
                "mediaLegId": "bd9ee398-4b9d-42c7-8b8d-4e8efad9435f",
                "deviceName": "TestAgent",
                "deviceDescription": "TestDescription",
                "mediaQualityList": [
                    {
                        "@odata.type": "#microsoft.graph.teleconferenceDeviceAudioQuality",
                        "channelIndex": 1,
                        "mediaDuration": "PT20M",
                        "networkLinkSpeedInBytes": 13000,
                    }
                ],
            }
        }

    def test_accepted(self, h: Harness) -> None:
        response = h.post(self.URL, self._example())
        assert response.status_code == 200, response.text
        assert response.content == b""

    def test_the_report_is_logged(self, h: Harness, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.INFO, logger="callboard.calls")
        body = self._example()
        body["quality"]["callChainId"] = "0622673D-9F69-49B3-9D4F-5EC64F42ECCE"
        assert h.post(self.URL, body).status_code == 200
        [record] = [r for r in caplog.records if r.name == "callboard.calls"]
        assert record.getMessage().endswith(
            ": callChainId=0622673d-9f69-49b3-9d4f-5ec64f42ecce "
            "participantId=ea078406-b5d4-4d3c-b85e-90103dcec7f6 "
            "mediaLegId=bd9ee398-4b9d-42c7-8b8d-4e8efad9435f device=TestAgent, "
            "1 media quality entries"
        )

    @pytest.mark.parametrize("field", ["quality", "mediaLegId", "deviceName", "callChainId"])
    def test_missing_or_bad_fields_are_400(self, h: Harness, field: str) -> None:
        body = self._example()
        if field == "quality":
            body = {}
        elif field == "callChainId":
            body["quality"]["callChainId"] = "not-a-guid"
        else:
            del body["quality"][field]
        assert_error(h.post(self.URL, body), 400, BAD_REQUEST)

    def test_needs_access_media_and_a_token(self, h: Harness) -> None:
        h.add_application(LIMITED_BOT, ["Calls.Initiate.All"])
        assert_error(h.post(self.URL, self._example(), app=LIMITED_BOT), 403, "accessDenied")
        response = h.client.post(self.URL, json=self._example())
        assert_error(response, 401, "InvalidAuthenticationToken")


class TestEndedCall:
    @pytest.mark.parametrize("version", ["v1.0", "beta"])
    def test_get_is_404_and_the_admin_api_keeps_it(self, h: Harness, version: str) -> None:
        call = h.establish_p2p()
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        # Terminating: still there.
        assert h.get(f"/{version}/communications/calls/{call['id']}").status_code == 200
        h.advance(h.rt.settings.terminate_delay_seconds)
        response = h.get(f"/{version}/communications/calls/{call['id']}")
        assert "ended" in assert_error(response, 404, "itemNotFound")["message"]
        history = h.client.get(f"/_callboard/calls/{call['id']}").json()
        assert (history["state"], history["resultInfo"]["subcode"]) == ("terminated", 5001)
        listed = h.client.get("/_callboard/calls", params={"state": "terminated"}).json()
        assert call["id"] in [c["id"] for c in listed["value"]]

    def test_admin_get_of_an_unknown_call_is_404(self, h: Harness) -> None:
        assert_error(h.client.get("/_callboard/calls/nope"), 404, "itemNotFound")


class TestConfigureMixer:
    """beta ``participant: configureMixer`` (v1.0 has no such action)."""

    def _url(self, call_id: str, version: str = "beta") -> str:
        return f"/{version}/communications/calls/{call_id}/participants/configureMixer"

    def _body(self, participant: str, source: str) -> dict[str, Any]:
        return {
            "clientContext": "mix",
            "participantMixerLevels": [
                {
                    "participant": participant,
                    "exclusive": True,
                    "ducking": {"rampActive": 50, "lowerLevel": 10, "upperLevel": 50},
                    "sourceLevels": [{"participant": source, "level": 50, "duckOthers": False}],
                }
            ],
        }

    def test_beta_runs_an_operation(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        user1 = _participant_id(h, call["id"], USER1)
        user2 = _participant_id(h, call["id"], USER2)
        response = h.post(self._url(call["id"]), self._body(user1, user2), app=TEST_BOT)
        assert response.status_code == 202, response.text
        operation = response.json()
        assert operation["@odata.type"] == "#microsoft.graph.commsOperation"
        assert (operation["status"], operation["clientContext"]) == ("Running", "mix")
        h.advance(1)
        (done,) = h.operation_notes(call["id"])
        assert done["resourceData"]["status"] == "Completed"

    def test_v1_has_no_such_route_and_strangers_are_400(self, h: Harness) -> None:
        call = h.establish_group(USER1, USER2)
        user1 = _participant_id(h, call["id"], USER1)
        v1 = h.post(self._url(call["id"], "v1.0"), self._body(user1, user1), app=TEST_BOT)
        assert_error(v1, 404, "UnknownError")
        stranger = h.post(self._url(call["id"]), self._body(user1, "nobody"), app=TEST_BOT)
        assert_error(stranger, 400, BAD_REQUEST)
        empty = h.post(self._url(call["id"]), {"participantMixerLevels": []}, app=TEST_BOT)
        assert_error(empty, 400, BAD_REQUEST)
        p2p = h.establish_p2p()
        assert_error(h.post(self._url(p2p["id"]), self._body("a", "b")), 400, BAD_REQUEST)
