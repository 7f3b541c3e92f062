"""The ``/_callboard`` control plane: reset, directory, behaviours, deliveries, jobs, clock."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from callboard.clock import FrozenClock
from callboard.services.directory_loading import default_directory_document
from tests.api.calling import (
    BAD_REQUEST,
    CALLING_BOT,
    CALLS,
    CONTOSO,
    JOHN,
    Harness,
    assert_error,
    p2p_body,
)

NEW_BOT = "2c2c2c2c-0000-4000-8000-00000000002c"
ADMIN = "/_callboard"


def _ids(document: dict[str, Any], section: str, key: str = "id") -> list[str]:
    return sorted(str(item[key]) for item in document[section])


def _parse_iso(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class TestAdminDisabled:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"admin_enabled": False}

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("POST", "/reset", None),
            ("GET", "/directory", None),
            ("PUT", "/directory", {"tenants": []}),
            ("PUT", "/directory", b"{not json"),
            ("GET", "/behaviours", None),
            ("PUT", f"/behaviours/{JOHN}", {"response": "busy"}),
            ("DELETE", f"/behaviours/{JOHN}", None),
            ("POST", "/incoming-calls", {"tenantId": CONTOSO}),
            ("GET", "/deliveries", None),
            ("GET", "/jobs", None),
            ("GET", "/clock", None),
            ("POST", "/clock/advance", {"seconds": 10}),
            ("POST", "/clock/advance", b"{not json"),
            ("GET", "/no-such-thing", None),
        ],
    )
    def test_every_admin_route_is_404(self, h: Harness, method: str, path: str, body: Any) -> None:
        kwargs: dict[str, Any] = {}
        if isinstance(body, bytes):
            kwargs = {"content": body, "headers": {"content-type": "application/json"}}
        elif body is not None:
            kwargs = {"json": body}
        response = h.client.request(method, ADMIN + path, **kwargs)
        error = assert_error(response, 404, "UnknownError")
        assert error["message"]
        assert "request-id" in response.headers

    def test_nothing_changed_and_health_still_answers(self, h: Harness) -> None:
        h.client.put(f"{ADMIN}/behaviours/{JOHN}", json={"response": "busy"})
        h.client.post(f"{ADMIN}/clock/advance", json={"seconds": 100})
        assert h.client.get(f"{ADMIN}/health").json() == {"status": "ok"}
        # John still answers: the behaviour was not stored.
        call = h.establish_p2p()
        assert call["state"] == "established"


class TestReset:
    def test_reset_forgets_calls_behaviours_jobs_and_deliveries(self, h: Harness) -> None:
        call = h.establish_p2p()
        h.set_behaviour(JOHN, response="busy")
        h.add_application(NEW_BOT, ["Calls.Initiate.All"])
        assert h.client.get(f"{ADMIN}/deliveries").json()["value"]

        response = h.client.post(f"{ADMIN}/reset")
        assert response.status_code == 204
        assert response.content == b""

        # Tokens issued before the reset stay valid (the signing keys are kept).
        assert_error(h.get(f"{CALLS}/{call['id']}"), 404, "itemNotFound")
        assert h.client.get(f"{ADMIN}/behaviours").json() == {"value": {}}
        assert h.client.get(f"{ADMIN}/jobs").json() == {"value": []}
        assert h.client.get(f"{ADMIN}/deliveries").json() == {"value": []}
        directory = h.directory()
        default = default_directory_document()
        assert _ids(directory, "applications", "appId") == _ids(default, "applications", "appId")
        assert _ids(directory, "users") == _ids(default, "users")
        # And everything works as before.
        again = h.establish_p2p()
        assert again["id"] != call["id"]

    def test_reset_after_a_directory_change_restores_it(self, h: Harness) -> None:
        document = h.directory()
        document["users"] = [u for u in document["users"] if u["id"] != JOHN]
        h.put_directory(document)
        assert h.client.post(f"{ADMIN}/reset").status_code == 204
        assert JOHN in _ids(h.directory(), "users")


class TestResetWithDirectoryFile:
    @pytest.fixture
    def settings_overrides(self, tmp_path: Path) -> dict[str, Any]:
        document = default_directory_document()
        document["users"] = [u for u in document["users"] if u["tenantId"] == CONTOSO]
        kept = {(u["tenantId"], u["id"]) for u in document["users"]}
        document["onlineMeetings"] = [
            m for m in document["onlineMeetings"] if (m["tenantId"], m["organizerId"]) in kept
        ]
        path = tmp_path / "directory.json"
        path.write_text(json.dumps(document))
        return {"directory_file": str(path)}

    def test_reset_reloads_the_file(self, h: Harness) -> None:
        from_file = h.directory()
        assert {u["tenantId"] for u in from_file["users"]} == {CONTOSO}
        h.put_directory(default_directory_document())
        assert len(h.directory()["users"]) > len(from_file["users"])

        assert h.client.post(f"{ADMIN}/reset").status_code == 204
        assert _ids(h.directory(), "users") == _ids(from_file, "users")


class TestDirectory:
    def test_get_directory(self, h: Harness) -> None:
        document = h.directory()
        assert set(document) == {
            "tenants",
            "users",
            "applications",
            "applicationInstances",
            "applicationAccessPolicies",
            "onlineMeetings",
        }
        bot = next(a for a in document["applications"] if a["appId"] == CALLING_BOT)
        assert bot["callingWebhookUrl"] == "https://bot.contoso.com/api/calls"
        assert CONTOSO in _ids(document, "tenants")

    def test_put_directory_replaces_it(self, h: Harness) -> None:
        document = h.directory()
        document["applications"].append(
            {
                "appId": NEW_BOT,
                "displayName": "New Bot",
                "clientSecret": "s3cret",
                "tenants": [CONTOSO],
                "applicationPermissions": ["Calls.Initiate.All"],
            }
        )
        for user in document["users"]:
            if user["id"] == JOHN:
                user["displayName"] = "Johnny"
        h.put_directory(document)

        # Read back as sent, the new secret masked like every other (the token below proves
        # it was stored).
        document["applications"][-1]["clientSecret"] = "********"
        assert h.directory() == document
        # The new application gets tokens and places calls at once.
        source = {"identity": {"application": {"id": NEW_BOT}}}
        call = h.create_call(p2p_body(source=source), app=NEW_BOT)
        assert call["source"]["identity"]["application"]["displayName"] == "New Bot"
        token = h.client.post(
            f"/{CONTOSO}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": NEW_BOT,
                "client_secret": "s3cret",
                "scope": "https://graph.microsoft.com/.default",
            },
        )
        assert token.status_code == 200, token.text

    def test_put_directory_that_drops_a_user(self, h: Harness) -> None:
        document = h.directory()
        document["users"] = [u for u in document["users"] if u["id"] != JOHN]
        h.put_directory(document)
        call = h.create_call(p2p_body())
        h.run_jobs()
        h.advance(h.connect_delay)
        assert h.ended(call["id"])["resultInfo"]["code"] == 480

    def _invalid(self, name: str, document: dict[str, Any]) -> Any:
        """Documents that break one rule each."""
        d = copy.deepcopy(document)
        users, apps = d["users"], d["applications"]
        match name:
            case "unknown section":
                d["rooms"] = []
            case "user in unknown tenant":
                users[0]["tenantId"] = "00000000-0000-4000-8000-0000000000ff"
            case "app in unknown tenant":
                apps[0]["tenants"] = ["00000000-0000-4000-8000-0000000000ff"]
            case "instance of unknown app":
                d["applicationInstances"][0]["appId"] = "00000000-0000-4000-8000-0000000000ff"
            case "user without id":
                del users[0]["id"]
            case "app without tenants":
                del apps[0]["tenants"]
            case "bad behaviour":
                users[0]["behaviour"] = {"response": "maybe"}
            case "behaviour with unknown property":
                users[0]["behaviour"] = {"response": "busy", "mood": "grumpy"}
            case "negative behaviour delay":
                users[0]["behaviour"] = {"answerAfterSeconds": -1}
            case "duplicate user":
                users.append(copy.deepcopy(users[0]))
            case "duplicate application":
                apps.append(copy.deepcopy(apps[0]))
            case "duplicate tenant":
                d["tenants"].append(copy.deepcopy(d["tenants"][0]))
            case "duplicate instance":
                d["applicationInstances"].append(copy.deepcopy(d["applicationInstances"][0]))
            case "tenants not a list":
                d["tenants"] = "contoso"
            case "user not an object":
                users.append("john")
            case "numeric user id":
                users[0]["id"] = 42
            case "not an object":
                return [d]
        return d

    @pytest.mark.parametrize(
        "name",
        [
            "unknown section",
            "user in unknown tenant",
            "app in unknown tenant",
            "instance of unknown app",
            "user without id",
            "app without tenants",
            "bad behaviour",
            "behaviour with unknown property",
            "negative behaviour delay",
            "duplicate user",
            "duplicate application",
            "duplicate tenant",
            "duplicate instance",
            "tenants not a list",
            "user not an object",
            "numeric user id",
            "not an object",
        ],
    )
    def test_invalid_directory_is_400_and_changes_nothing(self, h: Harness, name: str) -> None:
        before = h.directory()
        response = h.client.put(f"{ADMIN}/directory", json=self._invalid(name, before))
        assert_error(response, 400, BAD_REQUEST)
        assert h.directory() == before
        assert h.establish_p2p()["state"] == "established"

    def test_malformed_json_is_400(self, h: Harness) -> None:
        before = h.directory()
        response = h.client.put(
            f"{ADMIN}/directory", content=b"{nope", headers={"content-type": "application/json"}
        )
        assert_error(response, 400, BAD_REQUEST)
        assert h.directory() == before


class TestBehaviours:
    def test_put_list_delete(self, h: Harness) -> None:
        assert h.client.get(f"{ADMIN}/behaviours").json() == {"value": {}}

        stored = h.set_behaviour(JOHN, response="decline", answerAfterSeconds=2.5)
        assert stored == {
            "response": "decline",
            "answerAfterSeconds": 2.5,
            "hangUpAfterSeconds": None,
        }
        assert h.set_behaviour("+14255550100") == {
            "response": "answer",
            "answerAfterSeconds": None,
            "hangUpAfterSeconds": None,
        }
        listed = h.client.get(f"{ADMIN}/behaviours").json()["value"]
        assert listed == {JOHN: stored, "+14255550100": h.set_behaviour("+14255550100")}

        # PUT replaces the whole behaviour.
        assert h.set_behaviour(JOHN, hangUpAfterSeconds=3)["response"] == "answer"
        assert h.client.get(f"{ADMIN}/behaviours").json()["value"][JOHN] == {
            "response": "answer",
            "answerAfterSeconds": None,
            "hangUpAfterSeconds": 3,
        }

        response = h.client.delete(f"{ADMIN}/behaviours/{JOHN}")
        assert response.status_code == 204
        assert response.content == b""
        assert JOHN not in h.client.get(f"{ADMIN}/behaviours").json()["value"]
        assert_error(h.client.delete(f"{ADMIN}/behaviours/{JOHN}"), 404, "itemNotFound")

    @pytest.mark.parametrize(
        "body",
        [
            {"response": "maybe"},
            {"answerAfterSeconds": -1},
            {"hangUpAfterSeconds": "soon"},
            {"response": "busy", "mood": "grumpy"},
            [],
        ],
    )
    def test_invalid_behaviour_is_400(self, h: Harness, body: Any) -> None:
        response = h.client.put(f"{ADMIN}/behaviours/{JOHN}", json=body)
        assert_error(response, 400, BAD_REQUEST)
        assert h.client.get(f"{ADMIN}/behaviours").json() == {"value": {}}


class TestDeliveries:
    def test_listing_filters_and_paging(self, h: Harness) -> None:
        first = h.establish_p2p()
        second = h.establish_p2p()

        rows = h.client.get(f"{ADMIN}/deliveries").json()["value"]
        assert len(rows) == 4
        row = rows[0]
        assert row["call_id"] == first["id"]
        assert row["outcome"] == "delivered"
        assert row["status_code"] == 200
        assert row["attempt"] == 1
        assert row["url"] == h.receiver.url + "/callback"
        assert row["error"] is None
        _parse_iso(row["created_at"])

        mine = h.client.get(f"{ADMIN}/deliveries", params={"callId": second["id"]}).json()
        assert [r["call_id"] for r in mine["value"]] == [second["id"], second["id"]]
        assert h.client.get(f"{ADMIN}/deliveries", params={"callId": "nope"}).json() == {
            "value": []
        }

        page = h.client.get(f"{ADMIN}/deliveries", params={"$top": 3}).json()
        assert [r["id"] for r in page["value"]] == [r["id"] for r in rows[:3]]
        link = urlsplit(page["@odata.nextLink"])
        assert link.path == f"{ADMIN}/deliveries"
        assert parse_qs(link.query) == {"$top": ["3"], "$skip": ["3"]}
        rest = h.client.get(f"{ADMIN}/deliveries", params={"$top": 3, "$skip": 3}).json()
        assert [r["id"] for r in rest["value"]] == [rows[3]["id"]]
        assert "@odata.nextLink" not in rest
        next_page = h.client.get(page["@odata.nextLink"]).json()
        assert next_page["value"] == rest["value"]

    def test_outcome_filter(self, h: Harness) -> None:
        h.receiver.responses = [500, 400]
        call = h.create_call(p2p_body())
        h.run_jobs()  # establishing: 500 -> retry later
        retries = h.client.get(f"{ADMIN}/deliveries", params={"outcome": "retry"}).json()
        [retry] = retries["value"]
        assert (retry["status_code"], retry["error"]) == (500, "HTTP 500")
        h.advance(h.rt.settings.webhook_backoff_base_seconds)  # 400 -> dead
        [dead] = h.client.get(f"{ADMIN}/deliveries", params={"outcome": "dead"}).json()["value"]
        assert dead["status_code"] == 400
        assert dead["call_id"] == call["id"]
        assert dead["attempt"] == 2
        h.advance(h.connect_delay + h.answer_delay)
        delivered = h.client.get(f"{ADMIN}/deliveries", params={"outcome": "delivered"})
        assert [r["outcome"] for r in delivered.json()["value"]] == ["delivered"]

    @pytest.mark.parametrize(
        "params",
        [{"$top": 0}, {"$top": 1001}, {"$skip": -1}, {"$top": "ten"}, {"outcome": "lost"}],
    )
    def test_invalid_query_is_400(self, h: Harness, params: dict[str, Any]) -> None:
        response = h.client.get(f"{ADMIN}/deliveries", params=params)
        assert_error(response, 400, BAD_REQUEST)


class TestJobs:
    def test_listing_filters_and_paging(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        jobs = h.client.get(f"{ADMIN}/jobs").json()["value"]
        # The callee's ring, the call's keepAlive expiry, the establishing notification.
        assert sorted(j["kind"] for j in jobs) == [
            "call.progress",
            "call.progress",
            "webhook.deliver",
        ]
        assert all(j["status"] == "pending" for j in jobs)
        progress = next(j for j in jobs if j["payload"].get("action") == "ring")
        assert progress["payload"] == {
            "callId": call["id"],
            "action": "ring",
            "target": f"user:{JOHN}",
        }
        assert _parse_iso(progress["run_at"]) > _parse_iso(progress["created_at"])
        assert progress["finished_at"] is None
        expiry = next(j for j in jobs if j["payload"].get("action") == "keepAliveLapsed")
        assert expiry["kind"] == "call.progress"
        assert expiry["payload"]["callId"] == call["id"]

        h.run_jobs()
        done = h.client.get(f"{ADMIN}/jobs", params={"status": "done"}).json()["value"]
        assert [j["kind"] for j in done] == ["webhook.deliver"]
        _parse_iso(done[0]["finished_at"])
        pending = h.client.get(f"{ADMIN}/jobs", params={"status": "pending"}).json()["value"]
        assert [j["kind"] for j in pending] == ["call.progress", "call.progress"]
        webhooks = h.client.get(f"{ADMIN}/jobs", params={"kind": "webhook.deliver"}).json()
        assert [j["kind"] for j in webhooks["value"]] == ["webhook.deliver"]

        h.advance(h.connect_delay)
        h.advance(h.answer_delay)
        everything = h.client.get(f"{ADMIN}/jobs").json()["value"]
        page = h.client.get(f"{ADMIN}/jobs", params={"$top": 2, "$skip": 1}).json()
        assert [j["id"] for j in page["value"]] == [j["id"] for j in everything[1:3]]
        link = urlsplit(page["@odata.nextLink"])
        assert parse_qs(link.query) == {"$top": ["2"], "$skip": ["3"]}
        # Filters are kept in the link.
        kinds = h.client.get(f"{ADMIN}/jobs", params={"kind": "webhook.deliver", "$top": 1})
        link = urlsplit(kinds.json()["@odata.nextLink"])
        assert parse_qs(link.query) == {"kind": ["webhook.deliver"], "$top": ["1"], "$skip": ["1"]}

    @pytest.mark.parametrize("params", [{"$top": 0}, {"$skip": -1}, {"status": "sleeping"}])
    def test_invalid_query_is_400(self, h: Harness, params: dict[str, Any]) -> None:
        assert_error(h.client.get(f"{ADMIN}/jobs", params=params), 400, BAD_REQUEST)


class TestClock:
    def test_get_and_advance(self, h: Harness, clock: FrozenClock) -> None:
        got = h.client.get(f"{ADMIN}/clock").json()
        assert got["virtual"] is True
        start = _parse_iso(got["now"])
        assert abs(start.timestamp() - clock.now()) < 0.001

        response = h.client.post(f"{ADMIN}/clock/advance", json={"seconds": 90})
        assert response.status_code == 200
        moved = _parse_iso(response.json()["now"])
        assert (moved - start).total_seconds() == pytest.approx(90, abs=0.002)
        assert _parse_iso(h.client.get(f"{ADMIN}/clock").json()["now"]) == moved

    def test_advancing_makes_timers_due(self, h: Harness) -> None:
        call = h.place_incoming()
        h.run_jobs()
        seconds = h.rt.settings.incoming_answer_timeout_seconds
        assert h.client.post(f"{ADMIN}/clock/advance", json={"seconds": seconds}).status_code == 200
        h.run_jobs()
        assert h.ended(call["id"])["state"] == "terminated"

    @pytest.mark.parametrize("body", [{"seconds": -1}, {}, {"seconds": "soon"}, {"seconds": 1e300}])
    def test_invalid_advance_is_400(self, h: Harness, clock: FrozenClock, body: Any) -> None:
        before = clock.now()
        assert_error(h.client.post(f"{ADMIN}/clock/advance", json=body), 400, BAD_REQUEST)
        assert clock.now() == before

    def test_infinity_is_400(self, h: Harness, clock: FrozenClock) -> None:
        before = clock.now()
        response = h.client.post(
            f"{ADMIN}/clock/advance",
            content=b'{"seconds": Infinity}',
            headers={"content-type": "application/json"},
        )
        assert_error(response, 400, BAD_REQUEST)
        assert clock.now() == before


class TestSystemClock:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"virtual_clock": False}

    def test_advance_is_400(self, h: Harness, clock: FrozenClock) -> None:
        before = clock.now()
        response = h.client.post(f"{ADMIN}/clock/advance", json={"seconds": 10})
        assert "system clock" in assert_error(response, 400, BAD_REQUEST)["message"]
        assert clock.now() == before
        assert h.client.get(f"{ADMIN}/clock").json()["virtual"] is False
