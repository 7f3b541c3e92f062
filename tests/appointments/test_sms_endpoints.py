"""sendVirtualAppointmentSms and sendVirtualAppointmentReminderSms: both seeds verbatim, both
body shapes, v1.0 and beta, permissions, licence, ownership and input rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callboard.clock import FrozenClock
from tests.conftest import CALLING_BOT, CONTOSO, DEV_APP, TEST_BOT
from tests.support import seed

MEETING = "MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi"
DANA = "dana@contoso.com"
DANA_ID = "dc17674c-81d9-4adb-bfb2-8f6f442b4549"
SMS = "sendVirtualAppointmentSms"
REMINDER = "sendVirtualAppointmentReminderSms"
Auth = Callable[..., dict[str, str]]
ATTENDEES = [{"phoneNumber": "+13129224122", "timeZone": "Pacific Standard Time"}]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(start=datetime(2030, 1, 10, 12, tzinfo=UTC).timestamp())


@pytest.fixture
def dana(auth: Auth) -> dict[str, str]:
    return auth(app=CALLING_BOT, tenant=CONTOSO, user=DANA)


def _sms(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/_callboard/sms")
    assert response.status_code == 200
    value: list[dict[str, Any]] = response.json()["value"]
    return value


def _post(
    client: TestClient, path: str, body: Any, headers: dict[str, str], status: int = 202
) -> dict[str, Any]:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    if status == 202:
        # The actions declare no return value: 202 with no body (docs/decisions.md).
        assert response.content == b""
        return {}
    result: dict[str, Any] = response.json()
    return result


def test_reminder_seed_verbatim(
    app_client: TestClient, dana: dict[str, str], advance: Callable[[float], int]
) -> None:
    request, response = seed("reminder-sms"), seed("reminder-sms", "response")
    assert _post(app_client, request["url"], request["body"], dana) == response["body"] == {}
    messages = _sms(app_client)
    assert [(m["to"], m["status"], m["type"]) for m in messages] == [
        ("+13129224122", "scheduled", "reminder"),
        ("+1242421412", "failed", "reminder"),
    ]
    assert "not a valid United States phone number" in messages[1]["reason"]
    assert messages[0]["dueDateTime"] == "2030-01-15T16:45:00Z"
    assert "Tue, Jan 15, 2030 9:00 AM PST" in messages[0]["text"]
    assert "https://teams.microsoft.com/l/meetup-join/" in messages[0]["text"]


def test_appointment_seed_verbatim_on_beta(
    app_client: TestClient, dana: dict[str, str], run_jobs: Callable[[], int]
) -> None:
    request, response = seed("appointment-sms"), seed("appointment-sms", "response")
    assert _post(app_client, request["url"], request["body"], dana) == response["body"]
    queued = _sms(app_client)
    assert [(m["status"], m["timeZone"]) for m in queued] == [("queued", "UTC"), ("failed", "UTC")]
    run_jobs()
    sent = _sms(app_client)
    assert [m["status"] for m in sent] == ["delivered", "failed"]
    assert sent[0]["attempts"] == 1 and sent[0]["sentDateTime"]
    assert sent[0]["text"].startswith('Your appointment "Virtual appointment (seeds 000 and 001)"')
    assert "5:00 PM UTC" in sent[0]["text"]


@pytest.mark.parametrize("version", ["v1.0", "beta"])
@pytest.mark.parametrize("owner", ["me", f"users/{DANA_ID}", f"users/{DANA}"])
@pytest.mark.parametrize(
    "body",
    [
        {"attendees": ATTENDEES, "messageType": "reschedule"},
        {"phoneNumbers": ["+13129224122"], "virtualAppointmentSmsType": "reschedule"},
    ],
)
def test_both_shapes_on_both_versions_and_paths(
    app_client: TestClient,
    dana: dict[str, str],
    run_jobs: Callable[[], int],
    version: str,
    owner: str,
    body: dict[str, Any],
) -> None:
    _post(app_client, f"/{version}/{owner}/onlineMeetings/{MEETING}/{SMS}", body, dana)
    run_jobs()
    (message,) = _sms(app_client)
    assert message["type"] == "reschedule" and message["status"] == "delivered"
    assert "rescheduled" in message["text"]


@pytest.mark.parametrize("value", ["mins15", ["mins15"]])
@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_reminder_interval_scalar_or_list(
    app_client: TestClient, dana: dict[str, str], value: Any, version: str
) -> None:
    body = {"attendees": ATTENDEES, "remindBeforeTimeInMinutesType": value}
    _post(app_client, f"/{version}/me/onlineMeetings/{MEETING}/{REMINDER}", body, dana)
    (message,) = _sms(app_client)
    assert message["remindBeforeMinutes"] == 15


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"attendees": ATTENDEES, "messageType": "later"}, "messageType"),
        ({"attendees": ATTENDEES, "messageType": "unknownFutureValue"}, "messageType"),
        ({"attendees": ATTENDEES}, "messageType"),
        ({"messageType": "confirmation"}, "attendees"),
        ({"attendees": [], "messageType": "confirmation"}, "attendees"),
        (
            {
                "attendees": [{"phoneNumber": "312-ABC", "timeZone": "UTC"}],
                "messageType": "reschedule",
            },
            "phone number",
        ),
        (
            {
                "attendees": [{"phoneNumber": "+1 312 FLOWERS", "timeZone": "UTC"}],
                "messageType": "confirmation",
            },
            "phone number",
        ),
        ({"phoneNumbers": ["+999123456"], "virtualAppointmentSmsType": "confirmation"}, "phone"),
        ({"phoneNumbers": ["3129224122"], "virtualAppointmentSmsType": "confirmation"}, "E.164"),
        (
            {
                "attendees": [{"phoneNumber": "+13129224122", "timeZone": "Mars/Olympus"}],
                "messageType": "confirmation",
            },
            "time zone",
        ),
        (
            {"attendees": [{"phoneNumber": "+13129224122"}], "messageType": "confirmation"},
            "timeZone",
        ),
        (
            {
                "attendees": ATTENDEES,
                "phoneNumbers": ["+13129224122"],
                "messageType": "confirmation",
            },
            "not both",
        ),
        ([1, 2], "JSON object"),
    ],
)
def test_invalid_input_is_400_and_queues_nothing(
    app_client: TestClient, dana: dict[str, str], body: Any, fragment: str
) -> None:
    error = _post(app_client, f"/v1.0/me/onlineMeetings/{MEETING}/{SMS}", body, dana, 400)
    assert error["error"]["code"] == "invalidRequest"
    assert fragment in error["error"]["message"]
    assert _sms(app_client) == []
    assert app_client.get("/_callboard/jobs", params={"kind": "sms.send"}).json()["value"] == []


@pytest.mark.parametrize("value", ["mins30", "unknownFutureValue", ["mins15", "mins15"], None, 15])
def test_unknown_reminder_interval_is_400(
    app_client: TestClient, dana: dict[str, str], value: Any
) -> None:
    body = {"attendees": ATTENDEES, "remindBeforeTimeInMinutesType": value}
    error = _post(app_client, f"/v1.0/me/onlineMeetings/{MEETING}/{REMINDER}", body, dana, 400)
    assert "remindBeforeTimeInMinutesType" in error["error"]["message"]
    assert _sms(app_client) == []


def test_application_tokens(app_client: TestClient, auth: Auth) -> None:
    app = auth(app=CALLING_BOT, tenant=CONTOSO)
    body = {"attendees": ATTENDEES, "messageType": "confirmation"}
    reminder = {"attendees": ATTENDEES, "remindBeforeTimeInMinutesType": "mins15"}
    # v1.0 and the reminder: delegated only.
    for path, payload in (
        (f"/v1.0/users/{DANA_ID}/onlineMeetings/{MEETING}/{SMS}", body),
        (f"/beta/users/{DANA_ID}/onlineMeetings/{MEETING}/{REMINDER}", reminder),
        (f"/v1.0/users/{DANA_ID}/onlineMeetings/{MEETING}/{REMINDER}", reminder),
    ):
        error = _post(app_client, path, payload, app, 403)
        assert "application permissions" in error["error"]["message"]
    # The old beta page allows VirtualAppointment.ReadWrite.All (with an access policy).
    _post(app_client, f"/beta/users/{DANA_ID}/onlineMeetings/{MEETING}/{SMS}", body, app)
    assert _post(app_client, f"/beta/me/onlineMeetings/{MEETING}/{SMS}", body, app, 400)
    # An app without the permission.
    bare = auth(app=TEST_BOT, tenant=CONTOSO)
    error = _post(
        app_client, f"/beta/users/{DANA_ID}/onlineMeetings/{MEETING}/{SMS}", body, bare, 403
    )
    assert "VirtualAppointment.ReadWrite.All" in error["error"]["message"]


def test_meeting_must_exist_and_be_the_users(
    app_client: TestClient, dana: dict[str, str], auth: Auth
) -> None:
    body = {"attendees": ATTENDEES, "messageType": "confirmation"}
    error = _post(app_client, f"/v1.0/me/onlineMeetings/nope/{SMS}", body, dana, 404)
    assert error["error"]["code"] == "itemNotFound"
    other = auth(app=CALLING_BOT, tenant=CONTOSO, user="bob@contoso.com")
    _post(app_client, f"/v1.0/me/onlineMeetings/{MEETING}/{SMS}", body, other, 404)
    # Someone else's meeting through /users/{id} with a delegated token.
    error = _post(
        app_client, f"/v1.0/users/{DANA_ID}/onlineMeetings/{MEETING}/{SMS}", body, other, 403
    )
    assert _sms(app_client) == []


def test_organizer_needs_teams_premium(app_client: TestClient, auth: Auth) -> None:
    bob = auth(app=DEV_APP, tenant=None, user="bob@callboard.dev")
    created = app_client.post("/v1.0/me/onlineMeetings", json={"subject": "S"}, headers=bob)
    assert created.status_code == 201
    body = {"attendees": ATTENDEES, "messageType": "confirmation"}
    error = _post(
        app_client, f"/v1.0/me/onlineMeetings/{created.json()['id']}/{SMS}", body, bob, 403
    )
    assert "Teams Premium" in error["error"]["message"]
    assert _sms(app_client) == []


def test_admin_filters(app_client: TestClient, dana: dict[str, str]) -> None:
    request = seed("reminder-sms")
    _post(app_client, request["url"], request["body"], dana)
    _post(
        app_client,
        f"/v1.0/me/onlineMeetings/{MEETING}/{SMS}",
        {"attendees": ATTENDEES, "messageType": "cancellation"},
        dana,
    )
    get = app_client.get
    assert len(get("/_callboard/sms", params={"meetingId": MEETING}).json()["value"]) == 3
    assert len(get("/_callboard/sms", params={"meetingId": "x"}).json()["value"]) == 0
    failed = get("/_callboard/sms", params={"status": "failed"}).json()["value"]
    assert [m["to"] for m in failed] == ["+1242421412"]
    to = get("/_callboard/sms", params={"to": "+13129224122"}).json()["value"]
    assert [m["type"] for m in to] == ["reminder", "cancellation"]
    assert get("/_callboard/sms", params={"status": "bogus"}).status_code == 400
    page = get("/_callboard/sms", params={"$top": 2}).json()
    assert len(page["value"]) == 2 and "@odata.nextLink" in page


@pytest.mark.parametrize(
    ("header", "expected", "fragment"),
    [
        (None, "en", "Your appointment"),
        ("es-MX,es;q=0.9", "es", "Su cita"),
        ("ja-JP, fr;q=0.5", "fr", "Votre rendez-vous"),
        ("ja-JP", "en", "Your appointment"),
        ("de", "de", "Ihr Termin"),
    ],
)
def test_language_from_accept_language(
    app_client: TestClient,
    dana: dict[str, str],
    header: str | None,
    expected: str,
    fragment: str,
) -> None:
    headers = dict(dana) if header is None else {**dana, "Accept-Language": header}
    _post(
        app_client,
        f"/v1.0/me/onlineMeetings/{MEETING}/{SMS}",
        {"attendees": ATTENDEES, "messageType": "confirmation"},
        headers,
    )
    (message,) = _sms(app_client)
    assert message["language"] == expected
    assert message["text"].startswith(fragment)


@pytest.mark.parametrize("operation", [SMS, REMINDER])
def test_delegated_token_without_the_permission_is_403(
    app_client: TestClient, auth: Auth, operation: str
) -> None:
    headers = auth(app=TEST_BOT, tenant=CONTOSO, user=DANA)
    body = {
        "attendees": ATTENDEES,
        "messageType": "confirmation",
        "remindBeforeTimeInMinutesType": "mins15",
    }
    error = _post(app_client, f"/v1.0/me/onlineMeetings/{MEETING}/{operation}", body, headers, 403)
    assert error["error"]["code"] == "accessDenied"
    assert "VirtualAppointmentNotification.Send" in error["error"]["message"]
    assert _sms(app_client) == []
