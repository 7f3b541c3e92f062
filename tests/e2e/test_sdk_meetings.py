"""The official msgraph-sdk (v1.0) creates an online meeting on a live server (as Alice, with
a delegated token on ``/me``, and as the development bot, with an app token on
``/users/{id}``), finds it by ``joinWebUrl`` and by ``joinMeetingId``, joins it by call with
``joinMeetingIdMeetingInfo``, updates and deletes it; the join call then ends.

Reuses the shared server, its ``callboard token`` outputs and the SDK client set-up of
``test_msgraph_sdk``. The HTTP statuses the SDK hides are checked with plain requests."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_serialization_json.json_serialization_writer_factory import (
    JsonSerializationWriterFactory,
)
from msgraph import GraphServiceClient
from msgraph.generated.models.call import Call
from msgraph.generated.models.call_state import CallState
from msgraph.generated.models.identity import Identity
from msgraph.generated.models.identity_set import IdentitySet
from msgraph.generated.models.join_meeting_id_meeting_info import JoinMeetingIdMeetingInfo
from msgraph.generated.models.join_meeting_id_settings import JoinMeetingIdSettings
from msgraph.generated.models.meeting_participant_info import MeetingParticipantInfo
from msgraph.generated.models.meeting_participants import MeetingParticipants
from msgraph.generated.models.modality import Modality
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.online_meeting import OnlineMeeting
from msgraph.generated.models.online_meeting_collection_response import (
    OnlineMeetingCollectionResponse,
)
from msgraph.generated.models.online_meeting_role import OnlineMeetingRole
from msgraph.generated.models.service_hosted_media_config import ServiceHostedMediaConfig
from msgraph.generated.users.item.online_meetings.online_meetings_request_builder import (
    OnlineMeetingsRequestBuilder,
)

from tests.conftest import DEV_APP
from tests.e2e.conftest import Shared, token_of
from tests.e2e.live import wait_for
from tests.e2e.sdk_support import odata_error, until
from tests.e2e.test_msgraph_sdk import run_with_client

pytestmark = pytest.mark.slow

ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
START = datetime(2031, 5, 6, 9, 30, tzinfo=UTC)
END = datetime(2031, 5, 6, 10, 15, tzinfo=UTC)
CALLBACK = "https://bot.contoso.com/callback"

Query = OnlineMeetingsRequestBuilder.OnlineMeetingsRequestBuilderGetQueryParameters
# Who organises: Alice herself on /me (delegated), or the bot app on /users/{id}; the
# ``callboard token`` output, the SDK's request builder and the path on the wire.
ORGANIZERS: dict[
    str, tuple[str, Callable[[GraphServiceClient], OnlineMeetingsRequestBuilder], str]
] = {
    "delegated-me": ("alice", lambda client: client.me.online_meetings, "/me"),
    "app-users-id": (
        "default",
        lambda client: client.users.by_user_id(ALICE).online_meetings,
        f"/users/{ALICE}",
    ),
}


def new_meeting(subject: str) -> OnlineMeeting:
    return OnlineMeeting(
        subject=subject,
        start_date_time=START,
        end_date_time=END,
        participants=MeetingParticipants(
            attendees=[
                MeetingParticipantInfo(
                    identity=IdentitySet(user=Identity(id=BOB)), upn="bob@callboard.dev"
                )
            ]
        ),
        join_meeting_id_settings=JoinMeetingIdSettings(is_passcode_required=True),
    )


def sdk_json(model: OnlineMeeting) -> dict[str, Any]:
    """The body the SDK puts on the wire for ``model``."""
    writer = JsonSerializationWriterFactory().get_serialization_writer("application/json")
    writer.write_object_value(None, model)
    body: dict[str, Any] = json.loads(writer.get_serialized_content())
    return body


def join_call(join_meeting_id: str, passcode: str) -> Call:
    return Call(
        callback_uri=CALLBACK,
        requested_modalities=[Modality.Audio],
        media_config=ServiceHostedMediaConfig(),
        meeting_info=JoinMeetingIdMeetingInfo(join_meeting_id=join_meeting_id, passcode=passcode),
    )


def filtered(expression: str) -> RequestConfiguration[Any]:
    return RequestConfiguration(query_parameters=Query(filter=expression))


@pytest.mark.parametrize("organizer", sorted(ORGANIZERS))
def test_sdk_creates_finds_joins_updates_and_deletes_a_meeting(
    shared: Shared, organizer: str
) -> None:
    server = shared.server
    token_name, builder, _ = ORGANIZERS[organizer]
    organizer_token = token_of(shared, token_name)
    bot_token = token_of(shared, "default")  # the development bot app, development tenant
    subject = f"SDK meeting ({organizer})"

    # 1-2. Create, then find by joinWebUrl and by joinMeetingId ---------------------------
    async def create_and_find(client: GraphServiceClient) -> dict[str, Any]:
        meetings = builder(client)
        created = await meetings.post(new_meeting(subject))
        assert isinstance(created, OnlineMeeting) and created.join_web_url
        settings = created.join_meeting_id_settings
        assert settings is not None and settings.join_meeting_id
        url = created.join_web_url.replace("'", "''")
        return {
            "created": created,
            "by_url": await meetings.get(filtered(f"JoinWebUrl eq '{url}'")),
            "by_id": await meetings.get(
                filtered(f"joinMeetingIdSettings/joinMeetingId eq '{settings.join_meeting_id}'")
            ),
            "fetched": await meetings.by_online_meeting_id(str(created.id)).get(),
        }

    seen = run_with_client(server, organizer_token, create_and_find)
    created: OnlineMeeting = seen["created"]
    assert created.odata_type == "#microsoft.graph.onlineMeeting"
    assert created.id and created.subject == subject
    assert (created.start_date_time, created.end_date_time) == (START, END)
    assert created.join_web_url is not None
    assert created.join_web_url.lower().startswith(
        "https://teams.microsoft.com/l/meetup-join/19%3a"
    )
    settings = created.join_meeting_id_settings
    assert settings is not None and settings.is_passcode_required is True
    assert re.fullmatch(r"\d{12}", settings.join_meeting_id or "")
    assert settings.passcode and len(settings.passcode) == 6
    assert created.chat_info is not None and created.chat_info.message_id == "0"
    thread_id = created.chat_info.thread_id or ""
    assert re.fullmatch(r"19:meeting_\S+@thread\.v2", thread_id)
    assert created.creation_date_time is not None and created.video_teleconference_id
    people = created.participants
    assert people is not None and people.organizer is not None
    assert people.organizer.identity.user.id == ALICE
    assert people.organizer.upn == "alice@callboard.dev"
    assert people.organizer.role == OnlineMeetingRole.Presenter
    assert [(a.identity.user.id, a.upn, a.role) for a in people.attendees] == [
        (BOB, "bob@callboard.dev", OnlineMeetingRole.Attendee)
    ]
    for found in ("by_url", "by_id"):
        collection = seen[found]
        assert isinstance(collection, OnlineMeetingCollectionResponse), found
        assert [m.id for m in collection.value] == [created.id], found
        assert collection.value[0].join_web_url == created.join_web_url
    assert isinstance(seen["fetched"], OnlineMeeting) and seen["fetched"].id == created.id

    # 3. The bot joins by joinMeetingId and passcode -----------------------------------------
    async def join(client: GraphServiceClient) -> dict[str, Any]:
        calls = client.communications.calls
        wrong = await odata_error(
            calls.post(join_call(str(settings.join_meeting_id), f"{settings.passcode}x"))
        )
        call = await calls.post(join_call(str(settings.join_meeting_id), str(settings.passcode)))
        assert isinstance(call, Call) and call.id
        item = calls.by_call_id(call.id)

        async def established() -> Call | None:
            current = await item.get()
            return current if current and current.state == CallState.Established else None

        return {
            "wrong": wrong,
            "call": call,
            "established": await until(server, "the bot to be established", established),
            "participants": await item.participants.get(),
        }

    joined = run_with_client(server, bot_token, join)
    wrong: ODataError = joined["wrong"]
    assert wrong.response_status_code == 400
    assert wrong.error is not None and "passcode" in (wrong.error.message or "")
    call: Call = joined["call"]
    assert call.state == CallState.Establishing
    assert isinstance(call.meeting_info, JoinMeetingIdMeetingInfo)
    assert call.meeting_info.join_meeting_id == settings.join_meeting_id
    assert call.chat_info is not None and call.chat_info.thread_id == thread_id
    assert call.my_participant_id
    roster = joined["participants"].value
    bots = [p for p in roster if p.info.identity.application is not None]
    assert [p.info.identity.application.id for p in bots] == [DEV_APP]
    assert call.my_participant_id in {p.id for p in roster}

    # 4. Update the subject, delete the meeting; the join call ends -------------------------
    async def update_and_delete(client: GraphServiceClient) -> dict[str, Any]:
        item = builder(client).by_online_meeting_id(str(created.id))
        patched = await item.patch(OnlineMeeting(subject=f"{subject}, renamed"))
        fetched = await item.get()
        deleted = await item.delete()
        return {
            "patched": patched,
            "fetched": fetched,
            "deleted": deleted,
            "gone": await odata_error(item.get()),
        }

    changed = run_with_client(server, organizer_token, update_and_delete)
    assert isinstance(changed["patched"], OnlineMeeting)
    assert changed["patched"].subject == f"{subject}, renamed"
    assert changed["patched"].join_web_url == created.join_web_url
    assert changed["fetched"].subject == f"{subject}, renamed"
    assert changed["deleted"] is None
    assert changed["gone"].response_status_code == 404

    async def ended(client: GraphServiceClient) -> ODataError:
        item = client.communications.calls.by_call_id(str(call.id))

        async def gone() -> ODataError | None:
            # Graph forgets a call once it has ended: its GET answers 404.
            try:
                await item.get()
            except ODataError as error:
                return error
            return None

        return await until(server, "the join call to end", gone)

    assert run_with_client(server, bot_token, ended).response_status_code == 404
    final = server.admin_call(str(call.id))
    assert final["state"] == "terminated"
    assert (final["resultInfo"]["code"], final["resultInfo"]["subcode"]) == (200, 5003)

    # The bot heard it all at its (rewritten, loopback) callback: its own entry in the
    # roster, then the end of the call.
    resource = f"/communications/calls/{call.id}"
    wait_for(lambda: "terminated" in shared.receiver.states(str(call.id)), what="terminated")
    states = shared.receiver.states(str(call.id))
    assert states.index("establishing") < states.index("established") < states.index("terminated")
    notes = shared.receiver.notifications()
    end = next(n for n in notes if n["resourceUrl"] == resource and n["changeType"] == "deleted")
    assert end["resourceData"]["resultInfo"]["subcode"] == 5003
    assert end["resourceData"]["state"] == "terminated"

    def rosters() -> list[list[dict[str, Any]]]:
        url = f"{resource}/participants"
        return [
            n["resourceData"] for n in shared.receiver.notifications() if n["resourceUrl"] == url
        ]

    first = wait_for(rosters, what="a roster notification")[0]
    assert call.my_participant_id in {p["id"] for p in first}


@pytest.mark.parametrize("organizer", sorted(ORGANIZERS))
def test_raw_statuses_of_the_sdk_bodies(shared: Shared, organizer: str) -> None:
    """What the SDK hides: 201 for create, 200 for update, 204 (no body) for delete."""
    server = shared.server
    token_name, _, owner = ORGANIZERS[organizer]
    token = token_of(shared, token_name)
    body = sdk_json(new_meeting("raw"))
    created = server.graph("POST", f"{owner}/onlineMeetings", token, json=body)
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith("application/json")
    meeting = created.json()
    assert meeting["@odata.type"] == "#microsoft.graph.onlineMeeting"
    assert meeting["joinMeetingIdSettings"]["isPasscodeRequired"] is True

    assert meeting["participants"]["organizer"]["identity"]["user"]["id"] == ALICE
    path = f"{owner}/onlineMeetings/{meeting['id']}"
    patch = sdk_json(OnlineMeeting(subject="raw, renamed"))
    assert patch == {"@odata.type": "#microsoft.graph.onlineMeeting", "subject": "raw, renamed"}
    updated = server.graph("PATCH", path, token, json=patch)
    assert updated.status_code == 200, updated.text
    assert updated.json()["subject"] == "raw, renamed"

    deleted = server.graph("DELETE", path, token)
    assert deleted.status_code == 204, deleted.text
    assert deleted.content == b""
    assert server.graph("GET", path, token).status_code == 404
