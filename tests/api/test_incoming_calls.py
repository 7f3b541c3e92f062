"""Incoming calls: the app hears of them at its callingWebhookUrl, then answers, rejects or
redirects them (or lets them time out)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.calling import (
    APP_MEDIA,
    BAD_REQUEST,
    CALLING_BOT,
    CALLING_BOT_INSTANCE,
    CALLS,
    CONTOSO,
    JOHN,
    TEST_BOT,
    WEBHOOK_PATH,
    Harness,
    answer_body,
    assert_error,
    p2p_body,
    user_target,
)
from tests.conftest import FABRIKAM

MEDIA_ONLY_BOT = "0a0a0a0a-0000-4000-8000-00000000000a"


def _answered(h: Harness, **incoming: Any) -> dict[str, Any]:
    """An incoming call that the app answered and that is now established."""
    call = h.place_incoming(**incoming)
    assert h.action(call["id"], "answer", answer_body()).status_code == 202
    h.run_jobs()
    h.advance(h.connect_delay)
    assert h.call(call["id"])["state"] == "established"
    return call


class TestIncomingNotification:
    def test_app_is_notified_at_its_webhook_with_the_full_call(self, h: Harness) -> None:
        call = h.place_incoming(requestedModalities=["audio", "video"], hangUpAfterSeconds=30)

        assert call["state"] == "incoming"
        assert call["direction"] == "incoming"
        assert call["source"]["identity"]["user"]["id"] == JOHN
        assert "callerHangUpAfterSeconds" not in call
        h.run_jobs()

        [received] = h.receiver.received
        assert received.path == WEBHOOK_PATH
        assert received.headers["authorization"].startswith("Bearer ")
        note = received.notification
        assert note["changeType"] == "created"
        assert note["resourceUrl"] == f"/communications/calls/{call['id']}"
        assert note["callbackUri"] == "https://bot.contoso.com/api/calls"
        data = note["resourceData"]
        assert data["@odata.type"] == "#microsoft.graph.call"
        assert data["@odata.id"] == f"/communications/calls/{call['id']}"
        assert data["id"] == call["id"]
        assert data["state"] == "incoming"
        assert data["direction"] == "incoming"
        assert data["source"]["identity"]["user"] == {
            "@odata.type": "#microsoft.graph.identity",
            "id": JOHN,
            "displayName": "John",
            "tenantId": CONTOSO,
        }
        assert data["targets"][0]["identity"]["application"]["id"] == CALLING_BOT
        assert data["requestedModalities"] == ["audio", "video"]
        assert data["tenantId"] == CONTOSO
        assert data["myParticipantId"] == call["myParticipantId"]
        assert data["callChainId"] == call["callChainId"]
        assert received.headers["x-microsoft-skype-chain-id"] == call["callChainId"]
        # Callboard's bookkeeping never reaches the bot.
        assert "callerHangUpAfterSeconds" not in data
        assert h.call(call["id"])["state"] == "incoming"

    def test_phone_caller_to_an_application_instance(self, h: Harness) -> None:
        call = h.place_incoming(
            fromUserId=None,
            fromPhone="+14255550199",
            toAppId=None,
            toApplicationInstanceId=CALLING_BOT_INSTANCE,
        )
        h.run_jobs()

        data = h.notes(call["id"])[0]["resourceData"]
        assert data["source"]["identity"]["phone"]["id"] == "+14255550199"
        target = data["targets"][0]["identity"]
        assert target["applicationInstance"]["id"] == CALLING_BOT_INSTANCE
        assert target["applicationInstance"]["displayName"] == "Calling Bot"
        assert h.call(call["id"])["source"]["identity"]["phone"]["id"] == "+14255550199"

    def test_caller_by_user_principal_name_with_a_subject(self, h: Harness) -> None:
        call = h.place_incoming(fromUserId="JOHN@contoso.com", subject="Support line")
        h.run_jobs()
        data = h.notes(call["id"])[0]["resourceData"]
        assert data["source"]["identity"]["user"]["id"] == JOHN
        assert data["subject"] == "Support line"
        assert h.call(call["id"])["subject"] == "Support line"

    def test_created_notification_has_no_null_subject(self, h: Harness) -> None:
        call = h.place_incoming()
        h.run_jobs()
        assert "subject" not in h.notes(call["id"])[0]["resourceData"]
        assert h.call(call["id"])["subject"] is None

    def test_beta_incoming_call(self, h: Harness) -> None:
        call = h.place_incoming(apiVersion="beta")
        h.run_jobs()
        assert h.changes(call["id"]) == [("created", "incoming")]

    @pytest.mark.parametrize(
        ("fields", "fragment"),
        [
            ({"tenantId": "00000000-0000-4000-8000-00000000dead"}, "tenant"),
            ({"fromUserId": "nobody@contoso.com"}, "fromUserId"),
            ({"fromUserId": None}, "fromUserId"),
            ({"fromUserId": None, "fromPhone": "4255550199"}, "E.164"),
            ({"fromPhone": "+14255550199"}, "not both"),
            ({"toAppId": "00000000-0000-4000-8000-00000000beef"}, "application"),
            ({"toAppId": None}, "application"),
            ({"toAppId": None, "toApplicationInstanceId": "nope"}, "instance"),
            ({"requestedModalities": ["smell"]}, "requestedModalities"),
            ({"hangUpAfterSeconds": -1}, "hangUpAfterSeconds"),
            ({"unexpected": True}, "unexpected"),
        ],
    )
    def test_invalid_requests_are_400(
        self, h: Harness, fields: dict[str, Any], fragment: str
    ) -> None:
        body = {"tenantId": CONTOSO, "fromUserId": JOHN, "toAppId": CALLING_BOT, **fields}
        response = h.client.post("/_callboard/incoming-calls", json=body)
        error = assert_error(response, 400, BAD_REQUEST)
        assert fragment.lower() in error["message"].lower()
        h.run_jobs()
        assert h.receiver.received == []

    def test_app_not_registered_in_the_tenant(self, h: Harness) -> None:
        # TestBot is registered in Contoso only.
        response = h.client.post(
            "/_callboard/incoming-calls",
            json={"tenantId": FABRIKAM, "fromUserId": JOHN, "toAppId": TEST_BOT},
        )
        assert_error(response, 400, BAD_REQUEST)

    def test_app_without_a_calling_webhook(self, h: Harness) -> None:
        h.add_application(MEDIA_ONLY_BOT, ["Calls.Initiate.All"], webhook=None)
        response = h.client.post(
            "/_callboard/incoming-calls",
            json={"tenantId": CONTOSO, "fromUserId": JOHN, "toAppId": MEDIA_ONLY_BOT},
        )
        assert "callingWebhookUrl" in assert_error(response, 400, BAD_REQUEST)["message"]

    def test_instance_and_app_that_disagree(self, h: Harness) -> None:
        response = h.client.post(
            "/_callboard/incoming-calls",
            json={
                "tenantId": CONTOSO,
                "fromUserId": JOHN,
                "toAppId": TEST_BOT,
                "toApplicationInstanceId": CALLING_BOT_INSTANCE,
            },
        )
        assert_error(response, 400, BAD_REQUEST)

    def test_webhook_from_a_loaded_directory(self, h: Harness) -> None:
        document = h.directory()
        for app in document["applications"]:
            if app["appId"] == CALLING_BOT:
                app["callingWebhookUrl"] = h.receiver.url + "/incoming"
        h.put_directory(document)

        call = h.place_incoming()
        h.run_jobs()
        assert h.received_for(call["id"]) == ["/incoming"]
        assert h.notes(call["id"])[0]["callbackUri"] == h.receiver.url + "/incoming"


class TestAnswer:
    def test_answer_then_establishing_then_established(self, h: Harness) -> None:
        call = h.place_incoming()
        h.run_jobs()

        response = h.action(call["id"], "answer", answer_body())
        assert response.status_code == 202
        assert response.content == b""
        h.run_jobs()
        assert h.changes(call["id"]) == [("created", "incoming"), ("updated", "establishing")]
        assert h.call(call["id"])["state"] == "establishing"

        h.advance(h.connect_delay)
        assert h.changes(call["id"]) == [
            ("created", "incoming"),
            ("updated", "establishing"),
            ("updated", "established"),
        ]
        # The created notification went to the webhook, the rest to the answer's callbackUri.
        assert h.received_for(call["id"]) == [WEBHOOK_PATH, "/answered", "/answered"]
        for note in h.notes(call["id"])[1:]:
            assert note["callbackUri"] == "https://bot.contoso.com/answered"
            assert note["resourceData"]["direction"] == "incoming"

        got = h.call(call["id"])
        assert got["state"] == "established"
        assert got["callbackUri"] == "https://bot.contoso.com/answered"
        assert got["mediaConfig"]["@odata.type"] == "#microsoft.graph.serviceHostedMediaConfig"
        assert got["activeModalities"] == ["audio"]
        assert got["resultInfo"] is None

    def test_participants_are_the_bot_and_the_caller(self, h: Harness) -> None:
        call = _answered(h)

        participants = h.participants(call["id"])
        assert len(participants) == 2
        bot, caller = participants
        assert bot["id"] == call["myParticipantId"]
        assert bot["info"]["identity"]["application"]["id"] == CALLING_BOT
        assert "user" not in bot["info"]["identity"]
        assert caller["info"]["identity"]["user"]["id"] == JOHN
        assert caller["id"] != bot["id"]

    def test_answer_by_the_application_instance(self, h: Harness) -> None:
        call = _answered(h, toAppId=None, toApplicationInstanceId=CALLING_BOT_INSTANCE)

        bot = h.participants(call["id"])[0]
        assert bot["info"]["identity"]["applicationInstance"]["id"] == CALLING_BOT_INSTANCE

    def test_answer_twice_is_400(self, h: Harness) -> None:
        call = h.place_incoming()
        assert h.action(call["id"], "answer", answer_body()).status_code == 202

        assert_error(h.action(call["id"], "answer", answer_body()), 400, BAD_REQUEST)
        h.advance(h.connect_delay)
        assert_error(h.action(call["id"], "answer", answer_body()), 400, BAD_REQUEST)
        assert h.call(call["id"])["state"] == "established"

    def test_answer_an_outgoing_call_is_400(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        assert_error(h.action(call["id"], "answer", answer_body()), 400, BAD_REQUEST)

    def test_answer_an_ended_call_is_400(self, h: Harness) -> None:
        call = h.place_incoming()
        assert h.action(call["id"], "reject", {"reason": "none"}).status_code == 202

        assert_error(h.action(call["id"], "answer", answer_body()), 400, BAD_REQUEST)
        assert h.ended(call["id"])["state"] == "terminated"

    def test_app_hosted_media_needs_calls_access_media(self, h: Harness) -> None:
        h.add_application(MEDIA_ONLY_BOT, ["Calls.Initiate.All"])
        call = h.place_incoming(toAppId=MEDIA_ONLY_BOT)

        response = h.action(call["id"], "answer", answer_body(media=APP_MEDIA), app=MEDIA_ONLY_BOT)
        assert_error(response, 403, "accessDenied")
        assert h.call(call["id"], app=MEDIA_ONLY_BOT)["state"] == "incoming"
        # Service-hosted media needs no more than a calls permission.
        response = h.action(call["id"], "answer", answer_body(), app=MEDIA_ONLY_BOT)
        assert response.status_code == 202

    def test_app_hosted_media_with_the_permission(self, h: Harness) -> None:
        call = h.place_incoming()
        assert h.action(call["id"], "answer", answer_body(media=APP_MEDIA)).status_code == 202
        h.run_jobs()
        h.advance(h.connect_delay)
        got = h.call(call["id"])
        assert got["state"] == "established"
        assert got["mediaConfig"] == APP_MEDIA

    def test_answer_needs_a_calls_permission(self, h: Harness) -> None:
        h.add_application(MEDIA_ONLY_BOT, ["OnlineMeetings.Read.All"])
        call = h.place_incoming(toAppId=MEDIA_ONLY_BOT)
        response = h.action(call["id"], "answer", answer_body(), app=MEDIA_ONLY_BOT)
        assert_error(response, 403, "accessDenied")

    @pytest.mark.parametrize(
        "change",
        [
            {"callbackUri": "http://bot.contoso.com/answered"},
            {"callbackUri": "not a url"},
            {"callbackUri": None},
            {"mediaConfig": None},
            {"mediaConfig": {"@odata.type": "#microsoft.graph.call"}},
            {"acceptedModalities": ["smell"]},
        ],
    )
    def test_invalid_answer_bodies_are_400(self, h: Harness, change: dict[str, Any]) -> None:
        call = h.place_incoming()
        body = {**answer_body(), **change}
        body = {k: v for k, v in body.items() if v is not None}
        assert_error(h.action(call["id"], "answer", body), 400, BAD_REQUEST)
        assert h.call(call["id"])["state"] == "incoming"

    def test_another_apps_or_tenants_call_is_404(self, h: Harness) -> None:
        call = h.place_incoming()
        assert_error(
            h.action(call["id"], "answer", answer_body(), app=TEST_BOT), 404, "itemNotFound"
        )
        response = h.client.post(
            f"{CALLS}/{call['id']}/answer",
            json=answer_body(),
            headers=h.auth(app=CALLING_BOT, tenant=FABRIKAM),
        )
        assert_error(response, 404, "itemNotFound")
        assert_error(h.action("no-such-call", "answer", answer_body()), 404, "itemNotFound")

    def test_delegated_tokens_are_refused(self, h: Harness) -> None:
        call = h.place_incoming()
        response = h.client.post(
            f"{CALLS}/{call['id']}/answer",
            json=answer_body(),
            headers=h.auth(user="john@contoso.com"),
        )
        assert_error(response, 403, "accessDenied")

    def test_answered_call_is_not_timed_out(self, h: Harness) -> None:
        call = _answered(h)
        h.advance(h.rt.settings.incoming_answer_timeout_seconds + 1)
        assert h.call(call["id"])["state"] == "established"
        assert h.changes(call["id"])[-1] == ("updated", "established")

    def test_caller_hang_up_ends_the_answered_call(self, h: Harness) -> None:
        call = _answered(h, hangUpAfterSeconds=30)

        h.advance(29.9)
        assert h.call(call["id"])["state"] == "established"
        h.advance(0.1)
        note = h.notes(call["id"])[-1]
        assert note["changeType"] == "deleted"
        assert note["resourceData"]["state"] == "terminated"
        assert note["resourceData"]["resultInfo"]["code"] == 200
        assert note["resourceData"]["resultInfo"]["subcode"] == 4521
        assert h.received_for(call["id"])[-1] == "/answered"
        got = h.ended(call["id"])
        assert got["state"] == "terminated"
        assert got["resultInfo"]["subcode"] == 4521

    def test_bot_hang_up_before_the_caller(self, h: Harness) -> None:
        call = _answered(h, hangUpAfterSeconds=30)
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        h.advance(60)

        assert h.changes(call["id"])[-2:] == [
            ("updated", "terminating"),
            ("deleted", "terminated"),
        ]
        assert h.ended(call["id"])["resultInfo"]["subcode"] == 5001

    def test_delete_of_an_unanswered_call_is_400(self, h: Harness) -> None:
        call = h.place_incoming()
        assert_error(h.delete(f"{CALLS}/{call['id']}"), 400, BAD_REQUEST)
        assert h.call(call["id"])["state"] == "incoming"


class TestReject:
    @pytest.mark.parametrize(
        ("reason", "code"), [("busy", 486), ("forbidden", 403), ("none", 603), (None, 603)]
    )
    def test_reject_notifies_deleted_terminated(
        self, h: Harness, reason: str | None, code: int
    ) -> None:
        call = h.place_incoming()
        h.run_jobs()

        body = {} if reason is None else {"reason": reason}
        response = h.action(call["id"], "reject", body)
        assert response.status_code == 202
        assert response.content == b""
        h.run_jobs()

        assert h.changes(call["id"]) == [("created", "incoming"), ("deleted", "terminated")]
        data = h.notes(call["id"])[-1]["resourceData"]
        assert data["resultInfo"]["code"] == code
        assert data["resultInfo"]["@odata.type"] == "#microsoft.graph.resultInfo"
        assert h.received_for(call["id"]) == [WEBHOOK_PATH, WEBHOOK_PATH]
        got = h.ended(call["id"])
        assert got["state"] == "terminated"
        assert got["resultInfo"] == data["resultInfo"]

    def test_reject_to_another_callback_uri(self, h: Harness) -> None:
        call = h.place_incoming()
        body = {"reason": "busy", "callbackUri": "https://bot.contoso.com/rejected"}
        assert h.action(call["id"], "reject", body).status_code == 202
        h.run_jobs()
        assert h.received_for(call["id"]) == [WEBHOOK_PATH, "/rejected"]

    def test_reject_reasons_are_checked(self, h: Harness) -> None:
        call = h.place_incoming()
        assert_error(h.action(call["id"], "reject", {"reason": "tired"}), 400, BAD_REQUEST)
        assert h.call(call["id"])["state"] == "incoming"

    def test_reject_needs_no_calls_permission(self, h: Harness) -> None:
        h.add_application(MEDIA_ONLY_BOT, [])
        call = h.place_incoming(toAppId=MEDIA_ONLY_BOT)
        response = h.action(call["id"], "reject", {"reason": "none"}, app=MEDIA_ONLY_BOT)
        assert response.status_code == 202

    def test_reject_does_not_end_an_answered_call(self, h: Harness) -> None:
        call = _answered(h)
        assert_error(h.action(call["id"], "reject", {"reason": "none"}), 400, BAD_REQUEST)
        assert h.call(call["id"])["state"] == "established"

    def test_reject_twice_is_400(self, h: Harness) -> None:
        call = h.place_incoming()
        assert h.action(call["id"], "reject", {}).status_code == 202
        assert_error(h.action(call["id"], "reject", {}), 400, BAD_REQUEST)

    def test_reject_an_outgoing_call_is_400(self, h: Harness) -> None:
        call = h.create_call(p2p_body())
        assert_error(h.action(call["id"], "reject", {}), 400, BAD_REQUEST)


class TestRedirect:
    def test_redirect_notifies_deleted_terminated(self, h: Harness) -> None:
        call = h.place_incoming()
        h.run_jobs()

        body = {"targets": [user_target("5810cede-f3cc-42eb-b2c1-e9bd5d53ec96")], "timeout": 60}
        response = h.action(call["id"], "redirect", body)
        assert response.status_code == 202
        assert response.content == b""
        h.run_jobs()

        assert h.changes(call["id"]) == [("created", "incoming"), ("deleted", "terminated")]
        assert h.notes(call["id"])[-1]["resourceData"]["resultInfo"]["code"] == 302
        got = h.ended(call["id"])
        assert got["state"] == "terminated"
        assert "redirectTargets" not in got

    def test_redirect_to_a_callback_uri_and_a_phone(self, h: Harness) -> None:
        call = h.place_incoming()
        body = {
            "targets": [{"identity": {"phone": {"id": "+14255550111"}}}],
            "callbackUri": "https://bot.contoso.com/redirected",
        }
        assert h.action(call["id"], "redirect", body).status_code == 202
        h.run_jobs()
        assert h.received_for(call["id"]) == [WEBHOOK_PATH, "/redirected"]

    def test_redirect_needs_calls_initiate_all(self, h: Harness) -> None:
        h.add_application(MEDIA_ONLY_BOT, ["Calls.AccessMedia.All", "Calls.JoinGroupCall.All"])
        call = h.place_incoming(toAppId=MEDIA_ONLY_BOT)
        body = {"targets": [user_target(JOHN)]}
        response = h.action(call["id"], "redirect", body, app=MEDIA_ONLY_BOT)
        assert_error(response, 403, "accessDenied")
        assert h.call(call["id"], app=MEDIA_ONLY_BOT)["state"] == "incoming"

    @pytest.mark.parametrize(
        ("targets", "timeout", "status"),
        [
            (0, None, 400),
            (1, None, 202),
            (25, None, 202),
            (26, None, 400),
            (1, 14, 400),
            (1, 15, 202),
            (1, 90, 202),
            (1, 91, 400),
        ],
    )
    def test_limits(self, h: Harness, targets: int, timeout: int | None, status: int) -> None:
        call = h.place_incoming()
        body: dict[str, Any] = {
            "targets": [{"identity": {"phone": {"id": f"+1425555{i:04d}"}}} for i in range(targets)]
        }
        if timeout is not None:
            body["timeout"] = timeout
        response = h.action(call["id"], "redirect", body)
        assert response.status_code == status, response.text
        if status == 202:
            h.ended(call["id"])
        else:
            assert h.call(call["id"])["state"] == "incoming"

    def test_invalid_phone_target_is_400(self, h: Harness) -> None:
        call = h.place_incoming()
        body = {"targets": [{"identity": {"phone": {"id": "4255550111"}}}]}
        assert_error(h.action(call["id"], "redirect", body), 400, BAD_REQUEST)

    def test_a_null_phone_in_a_target_is_no_phone(self, h: Harness) -> None:
        """A member sent as null names nobody (a 500 when it was read as an object)."""
        call = h.place_incoming()
        target = user_target(JOHN)
        target["identity"]["phone"] = None
        assert h.action(call["id"], "redirect", {"targets": [target]}).status_code == 202
        assert h.ended(call["id"])["state"] == "terminated"

    def test_redirect_after_answer_is_400(self, h: Harness) -> None:
        call = _answered(h)
        body = {"targets": [user_target(JOHN)]}
        assert_error(h.action(call["id"], "redirect", body), 400, BAD_REQUEST)


class TestAnswerTimeout:
    def test_unanswered_call_terminates_after_the_setting(self, h: Harness) -> None:
        call = h.place_incoming()
        timeout = h.rt.settings.incoming_answer_timeout_seconds
        assert timeout == 15
        h.run_jobs()

        h.advance(timeout - 0.5)
        assert h.call(call["id"])["state"] == "incoming"
        h.advance(0.5)
        assert h.changes(call["id"]) == [("created", "incoming"), ("deleted", "terminated")]
        info = h.notes(call["id"])[-1]["resourceData"]["resultInfo"]
        assert (info["code"], info["subcode"]) == (408, 1106)
        assert h.ended(call["id"])["state"] == "terminated"
        assert_error(h.action(call["id"], "answer", answer_body()), 400, BAD_REQUEST)

    @pytest.mark.parametrize("settings_overrides", [{"incoming_answer_timeout_seconds": 5.0}])
    def test_timeout_comes_from_settings(self, h: Harness) -> None:
        call = h.place_incoming()
        h.advance(4.9)
        assert h.call(call["id"])["state"] == "incoming"
        h.advance(0.1)
        assert h.ended(call["id"])["state"] == "terminated"

    def test_rejected_call_is_not_timed_out_again(self, h: Harness) -> None:
        call = h.place_incoming()
        h.action(call["id"], "reject", {"reason": "busy"})
        h.advance(h.rt.settings.incoming_answer_timeout_seconds)
        assert h.changes(call["id"]) == [("created", "incoming"), ("deleted", "terminated")]
        assert h.ended(call["id"])["resultInfo"]["code"] == 486
