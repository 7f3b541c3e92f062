"""The official msgraph-sdk (v1.0) and msgraph-beta-sdk send both kinds of virtual-appointment
SMS to a live server as the seeds' organizer (dana, delegated; v1.0 on ``/me``, beta on
``/users/{id}``); the messages are then read back through ``GET /_callboard/sms`` (the SDKs
hide the 202, checked with httpx)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
from msgraph.generated.models.attendee_notification_info import AttendeeNotificationInfo
from msgraph.generated.models.remind_before_time_in_minutes_type import (
    RemindBeforeTimeInMinutesType,
)
from msgraph.generated.models.virtual_appointment_message_type import (
    VirtualAppointmentMessageType,
)
from msgraph.generated.users.item.online_meetings.item.send_virtual_appointment_reminder_sms.send_virtual_appointment_reminder_sms_post_request_body import (  # noqa: E501
    SendVirtualAppointmentReminderSmsPostRequestBody,
)
from msgraph.generated.users.item.online_meetings.item.send_virtual_appointment_sms.send_virtual_appointment_sms_post_request_body import (  # noqa: E501
    SendVirtualAppointmentSmsPostRequestBody,
)
from msgraph_beta import GraphServiceClient as BetaClient
from msgraph_beta.generated.models.attendee_notification_info import (
    AttendeeNotificationInfo as BetaAttendee,
)
from msgraph_beta.generated.models.remind_before_time_in_minutes_type import (
    RemindBeforeTimeInMinutesType as BetaRemind,
)
from msgraph_beta.generated.models.virtual_appointment_message_type import (
    VirtualAppointmentMessageType as BetaMessageType,
)
from msgraph_beta.generated.users.item.online_meetings.item.send_virtual_appointment_reminder_sms.send_virtual_appointment_reminder_sms_post_request_body import (  # noqa: E501
    SendVirtualAppointmentReminderSmsPostRequestBody as BetaReminderBody,
)
from msgraph_beta.generated.users.item.online_meetings.item.send_virtual_appointment_sms.send_virtual_appointment_sms_post_request_body import (  # noqa: E501
    SendVirtualAppointmentSmsPostRequestBody as BetaSmsBody,
)
from msgraph_beta.graph_request_adapter import GraphRequestAdapter as BetaAdapter
from msgraph_beta.graph_request_adapter import options as beta_options
from msgraph_core import APIVersion, GraphClientFactory

from tests.conftest import CALLING_BOT
from tests.e2e.conftest import Shared
from tests.e2e.live import LiveServer, callboard_env, run_cli, wait_for
from tests.e2e.test_msgraph_sdk import StaticTokenProvider, run_with_client

pytestmark = pytest.mark.slow

MEETING = "MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi"
DANA_ID = "dc17674c-81d9-4adb-bfb2-8f6f442b4549"


@pytest.fixture(scope="module")
def dana(shared: Shared, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A delegated token for the seeds' organizer, from ``callboard token``."""
    popen = run_cli(
        ["token", "--app", CALLING_BOT, "--user", "dana@contoso.com"]
        + ["--database-url", shared.database_url],
        callboard_env(shared.receiver.url),
        tmp_path_factory.mktemp("sms-token"),
    )
    out, err = popen.communicate(timeout=60)
    assert popen.returncode == 0, err
    return out.strip()


def _messages(server: LiveServer, to: str) -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = server.http.get(
        "/_callboard/sms", params={"meetingId": MEETING, "to": to}
    ).json()["value"]
    return value


def _run_beta(server: LiveServer, token: str, scenario: Any) -> Any:
    async def main() -> Any:
        transport = httpx.AsyncHTTPTransport(http2=True)
        raw = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(100, connect=30))
        http = GraphClientFactory.create_with_default_middleware(
            api_version=APIVersion.beta, client=raw, options=beta_options
        )
        try:
            auth = BaseBearerTokenAuthenticationProvider(StaticTokenProvider(token))
            adapter = BetaAdapter(auth, client=http)
            adapter.base_url = f"{server.url}/beta"
            return await scenario(BetaClient(request_adapter=adapter))
        finally:
            await http.aclose()
            await transport.aclose()

    return asyncio.run(main())


def test_msgraph_sdk_v1_sends_both_kinds(shared: Shared, dana: str) -> None:
    server, token = shared.server, dana
    to_sms, to_reminder = "+12025550143", "+12125550188"

    async def scenario(client: Any) -> None:
        meeting = client.me.online_meetings.by_online_meeting_id(MEETING)
        await meeting.send_virtual_appointment_sms.post(
            SendVirtualAppointmentSmsPostRequestBody(
                attendees=[
                    AttendeeNotificationInfo(phone_number=to_sms, time_zone="Pacific Standard Time")
                ],
                message_type=VirtualAppointmentMessageType.Confirmation,
            )
        )
        await meeting.send_virtual_appointment_reminder_sms.post(
            SendVirtualAppointmentReminderSmsPostRequestBody(
                attendees=[
                    AttendeeNotificationInfo(
                        phone_number=to_reminder, time_zone="Eastern Standard Time"
                    )
                ],
                remind_before_time_in_minutes_type=RemindBeforeTimeInMinutesType.Mins15,
            )
        )

    run_with_client(server, token, scenario)
    sent = wait_for(
        lambda: [m for m in _messages(server, to_sms) if m["status"] == "delivered"],
        what="the confirmation SMS",
    )
    assert "9:00 AM PST" in sent[0]["text"] and sent[0]["type"] == "confirmation"
    (reminder,) = _messages(server, to_reminder)
    assert reminder["status"] == "scheduled"
    assert reminder["dueDateTime"] == "2030-01-15T16:45:00Z"
    assert "12:00 PM EST" in reminder["text"]


def test_msgraph_beta_sdk_sends_both_kinds(shared: Shared, dana: str) -> None:
    server, token = shared.server, dana
    to_sms, to_reminder = "+13125550100", "+14155550111"

    async def scenario(client: Any) -> None:
        # The beta client's ``me`` is not a request builder: /users/{id} with her own id.
        meeting = client.users.by_user_id(DANA_ID).online_meetings.by_online_meeting_id(MEETING)
        await meeting.send_virtual_appointment_sms.post(
            BetaSmsBody(
                attendees=[BetaAttendee(phone_number=to_sms, time_zone="Central Standard Time")],
                message_type=BetaMessageType.Reschedule,
            )
        )
        await meeting.send_virtual_appointment_reminder_sms.post(
            BetaReminderBody(
                attendees=[BetaAttendee(phone_number=to_reminder, time_zone="UTC")],
                remind_before_time_in_minutes_type=BetaRemind.Mins15,
            )
        )

    _run_beta(server, token, scenario)
    sent = wait_for(
        lambda: [m for m in _messages(server, to_sms) if m["status"] == "delivered"],
        what="the reschedule SMS",
    )
    assert "11:00 AM CST" in sent[0]["text"] and sent[0]["type"] == "reschedule"
    (reminder,) = _messages(server, to_reminder)
    assert reminder["status"] == "scheduled"


def test_seed_bodies_answer_202_over_http(shared: Shared, dana: str) -> None:
    server, token = shared.server, dana
    headers = {"Authorization": f"Bearer {token}"}
    response = server.http.post(
        f"/beta/me/onlineMeetings/{MEETING}/sendVirtualAppointmentSms",
        json={"phoneNumbers": ["+12025550199"], "virtualAppointmentSmsType": "cancellation"},
        headers=headers,
    )
    assert response.status_code == 202 and response.content == b""
