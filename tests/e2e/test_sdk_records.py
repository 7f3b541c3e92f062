"""The official msgraph-sdk (v1.0) against a live server, as the development bot: a
callRecords subscription (the validation handshake answered on loopback), a call to Alice
whose presence is Busy/InACall while it lasts, a PSTN call, the ``created`` notification,
the record with ``$expand=sessions($expand=segments)``, getPstnCalls, a meeting's
attendance report and records, and getVirtualAppointmentJoinWebUrl.

Reuses the shared server and its ``callboard token`` output (the Dev Bot's app token)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.communications.call_records.item.call_record_item_request_builder import (
    CallRecordItemRequestBuilder,
)
from msgraph.generated.models.call import Call
from msgraph.generated.models.identity import Identity
from msgraph.generated.models.identity_set import IdentitySet
from msgraph.generated.models.invitation_participant_info import InvitationParticipantInfo
from msgraph.generated.models.join_meeting_id_meeting_info import JoinMeetingIdMeetingInfo
from msgraph.generated.models.modality import Modality
from msgraph.generated.models.online_meeting import OnlineMeeting
from msgraph.generated.models.participant_info import ParticipantInfo
from msgraph.generated.models.service_hosted_media_config import ServiceHostedMediaConfig
from msgraph.generated.models.subscription import Subscription

from tests.e2e.conftest import Shared, token_of
from tests.e2e.live import LiveServer
from tests.e2e.test_msgraph_sdk import run_with_client
from tests.records.support import Subscriber

pytestmark = pytest.mark.slow

ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
DEV_LINE = "a1a1a1a1-0000-4000-8000-000000000001"
CALLBACK = "https://bot.contoso.com/callback"


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    s = Subscriber()
    yield s
    s.close()


def _now(server: LiveServer) -> datetime:
    response = server.http.get("/_callboard/clock")
    assert response.status_code == 200, response.text
    return datetime.fromisoformat(response.json()["now"].replace("Z", "+00:00"))


def _call_to(user_id: str) -> Call:
    return Call(
        callback_uri=CALLBACK,
        targets=[InvitationParticipantInfo(identity=IdentitySet(user=Identity(id=user_id)))],
        requested_modalities=[Modality.Audio],
        media_config=ServiceHostedMediaConfig(),
    )


def _call_to_phone(number: str) -> Call:
    return Call(
        callback_uri=CALLBACK,
        source=ParticipantInfo(
            identity=IdentitySet(additional_data={"applicationInstance": {"id": DEV_LINE}})
        ),
        targets=[
            InvitationParticipantInfo(
                identity=IdentitySet(additional_data={"phone": {"id": number}})
            )
        ],
        requested_modalities=[Modality.Audio],
        media_config=ServiceHostedMediaConfig(),
    )


def _state(server: LiveServer, token: str, call_id: str) -> str:
    response = server.graph("GET", f"/communications/calls/{call_id}", token)
    assert response.status_code == 200, response.text
    state: str = response.json()["state"]
    return state


def _availability(server: LiveServer, token: str, user_id: str) -> str:
    response = server.graph("GET", f"/communications/presences/{user_id}", token)
    assert response.status_code == 200, response.text
    availability: str = response.json()["availability"]
    return availability


def test_sdk_records_presence_and_attendance(shared: Shared, subscriber: Subscriber) -> None:
    server = shared.server
    token = token_of(shared, "default")

    async def scenario(client: GraphServiceClient) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        start = _now(server)
        created = await client.subscriptions.post(
            Subscription(
                change_type="created",
                notification_url=subscriber.url,
                resource="/communications/callRecords",
                expiration_date_time=start + timedelta(minutes=60),
                client_state="e2e-records",
            )
        )
        assert created is not None and created.id
        seen["subscription"] = created

        # A call to Alice: Busy/InACall while it lasts.
        call = await client.communications.calls.post(_call_to(ALICE))
        assert call is not None and call.id
        server.advance_until(
            lambda: _state(server, token, str(call.id)) == "established", what="established"
        )
        seen["presence"] = await client.communications.presences.by_presence_id(ALICE).get()
        server.advance(20)
        await client.communications.calls.by_call_id(call.id).delete()
        server.advance_until(
            lambda: _availability(server, token, ALICE) != "Busy", what="Alice not busy"
        )
        seen["presence_after"] = await client.communications.presences.by_presence_id(ALICE).get()

        # A PSTN call from the Dev Bot's line.
        phone_call = await client.communications.calls.post(_call_to_phone("+14255550199"))
        assert phone_call is not None and phone_call.id
        server.advance_until(
            lambda: _state(server, token, str(phone_call.id)) == "established",
            what="phone call established",
        )
        server.advance(30)
        await client.communications.calls.by_call_id(phone_call.id).delete()
        # Records are published a minute (virtual) after their call ends.
        # Other tests' calls on the shared server may be announced too: wait for these two.
        mine = {str(call.call_chain_id), str(phone_call.call_chain_id)}

        def announced() -> list[dict[str, Any]] | None:
            notes = [n for n in subscriber.notifications() if n["resourceData"]["id"] in mine]
            return notes if len(notes) == len(mine) else None

        notes = server.advance_until(
            announced, step=5.0, timeout=20.0, what="the two records announced"
        )
        seen["notes"] = notes

        query = CallRecordItemRequestBuilder.CallRecordItemRequestBuilderGetQueryParameters(
            expand=["sessions($expand=segments)"]
        )
        records = client.communications.call_records
        seen["record"] = await records.by_call_record_id(str(call.call_chain_id)).get(
            RequestConfiguration(query_parameters=query)
        )
        pstn = records.microsoft_graph_call_records_get_pstn_calls_with_from_date_time_with_to_date_time(  # noqa: E501
            start - timedelta(hours=1), _now(server) + timedelta(hours=1)
        )
        seen["pstn"] = await pstn.get()
        seen["phone_chain"] = phone_call.call_chain_id

        # A meeting Alice organises: the bot joins, Bob comes and goes, the bot leaves.
        meetings = client.users.by_user_id(ALICE).online_meetings
        meeting = await meetings.post(OnlineMeeting(subject="Records e2e"))
        assert meeting is not None and meeting.id and meeting.join_meeting_id_settings
        settings = meeting.join_meeting_id_settings
        join = await client.communications.calls.post(
            Call(
                callback_uri=CALLBACK,
                requested_modalities=[Modality.Audio],
                media_config=ServiceHostedMediaConfig(),
                meeting_info=JoinMeetingIdMeetingInfo(
                    join_meeting_id=settings.join_meeting_id, passcode=settings.passcode
                ),
            )
        )
        assert join is not None and join.id
        server.advance_until(
            lambda: _state(server, token, str(join.id)) == "established", what="joined"
        )
        added = server.http.post(
            f"/_callboard/meetings/{meeting.id}/participants", json={"userId": BOB}
        )
        assert added.status_code == 201, added.text
        server.advance(45)
        left = server.http.delete(
            f"/_callboard/meetings/{meeting.id}/participants/{added.json()['id']}"
        )
        assert left.status_code == 204, left.text
        await client.communications.calls.by_call_id(join.id).delete()
        reports_path = f"/users/{ALICE}/onlineMeetings/{meeting.id}/attendanceReports"
        server.advance_until(
            lambda: server.graph("GET", reports_path, token).json().get("value"),
            what="an attendance report",
        )
        item = meetings.by_online_meeting_id(meeting.id)
        reports = await item.attendance_reports.get()
        assert reports is not None and reports.value
        seen["reports"] = reports.value
        report_id = str(reports.value[0].id)
        seen["records"] = await item.attendance_reports.by_meeting_attendance_report_id(
            report_id
        ).attendance_records.get()
        seen["join_url"] = await item.get_virtual_appointment_join_web_url.get()
        return seen

    seen = run_with_client(server, token, scenario)
    assert seen["presence"].availability == "Busy"
    assert seen["presence"].activity == "InACall"
    assert seen["presence_after"].availability != "Busy"

    notes = seen["notes"]
    assert {n["changeType"] for n in notes} == {"created"}
    assert all(n["clientState"] == "e2e-records" for n in notes)
    assert all(n["subscriptionId"] == seen["subscription"].id for n in notes)

    record = seen["record"]
    assert record.type.value == "peerToPeer"
    assert record.sessions and record.sessions[0].segments
    assert record.sessions[0].callee.identity.user.id == ALICE

    rows = [r for r in seen["pstn"].value if r.call_id == seen["phone_chain"]]
    assert [r.callee_number for r in rows] == ["+14255550199"]
    assert rows[0].duration >= 30  # ends when the hang-up step ran on the stepped clock

    [report] = seen["reports"]
    assert report.total_participant_count == 2
    emails = {r.email_address for r in seen["records"].value}
    assert "bob@callboard.dev" in emails
    assert seen["join_url"].value.startswith("https://visit.teams.microsoft.com/")
