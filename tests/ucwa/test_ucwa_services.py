"""The UCWA use cases called directly (no HTTP): the rules that need the store, the directory
or the clock."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain import ucwa_meetings as mapping
from callboard.domain.ucwa_applications import ApplicationRequest
from callboard.domain.ucwa_meetings import MeetingProperties
from callboard.domain.ucwa_state import Extension
from callboard.errors import UcwaError
from callboard.services import ucwa_applications, ucwa_meetings, ucwa_settings
from callboard.services.runtime import Runtime
from callboard.tokens import Principal
from tests.conftest import DEV_APP, DEV_TENANT
from tests.ucwa.support import ALICE_ID

BOB_ID = "b0b00000-0000-4000-8000-000000000002"
REQUEST = ApplicationRequest(culture="en-US", endpoint_id="ep-1", user_agent="t/1")


def principal(user_id: str | None = ALICE_ID, scope: str = "OnlineMeetings.ReadWrite") -> Principal:
    return Principal(DEV_TENANT, DEV_APP, user_id, frozenset({scope}), {})


def app_of(rt: Runtime, who: Principal | None = None) -> str:
    app, _ = ucwa_applications.create_application(rt, who or principal(), REQUEST)
    return app.id


def refused(status: int, subcode: str | None, call: Any, *args: Any) -> UcwaError:
    with pytest.raises(UcwaError) as caught:
        call(*args)
    assert (caught.value.status_code, caught.value.subcode) == (status, subcode)
    return caught.value


@pytest.mark.parametrize(
    "who",
    [
        principal(user_id=None),  # app-only
        principal(scope="Calls.Initiate.All"),
        principal(user_id="ghost-0000-4000-8000-000000000000"),
    ],
    ids=["app-only", "no-scope", "unknown-user"],
)
def test_who_may_use_ucwa(rt: Runtime, who: Principal) -> None:
    refused(403, None, ucwa_applications.create_application, rt, who, REQUEST)


def test_applications_belong_to_their_user(rt: Runtime) -> None:
    first, user = ucwa_applications.create_application(rt, principal(), REQUEST)
    assert user.id == ALICE_ID
    again, _ = ucwa_applications.create_application(rt, principal(), REQUEST)
    assert again.id == first.id
    got, _ = ucwa_applications.get_application(rt, principal(), first.id)
    assert got == first
    # UCWA's own scope reaches the same application.
    ucwa_applications.get_application(rt, principal(scope="Meetings.ReadWrite"), first.id)
    error = refused(
        404,
        "ApplicationNotFound",
        ucwa_applications.get_application,
        rt,
        principal(BOB_ID),
        first.id,
    )
    assert first.id in error.message


def test_attendees_must_be_in_the_organisation(rt: Runtime) -> None:
    app_id = app_of(rt)
    outsider = MeetingProperties(attendees=["sip:bob@callboard.dev", "sip:john@contoso.com"])
    error = refused(
        400,
        "ParameterValidationFailure",
        ucwa_meetings.create_meeting,
        rt,
        principal(),
        app_id,
        outsider,
    )
    assert error.parameters == ["attendees"]
    assert "sip:john@contoso.com" in error.message
    leaders = MeetingProperties(leaders=["sip:nobody@callboard.dev"])
    error = refused(
        400,
        "ParameterValidationFailure",
        ucwa_meetings.create_meeting,
        rt,
        principal(),
        app_id,
        leaders,
    )
    assert error.parameters == ["leaders"]
    _, others = ucwa_meetings.list_meetings(rt, principal(), app_id)
    assert others == []  # nothing stored


def test_expiration_window_and_default(rt: Runtime) -> None:
    app_id = app_of(rt)
    now = rt.clock.now()
    late = MeetingProperties(expiration=now + 10 * mapping.YEAR + 1)
    error = refused(
        400,
        "ParameterValidationFailure",
        ucwa_meetings.create_meeting,
        rt,
        principal(),
        app_id,
        late,
    )
    assert error.parameters == ["expirationTime"]
    meeting = ucwa_meetings.create_meeting(rt, principal(), app_id, MeetingProperties())
    expiration = meeting.expiration_time
    assert expiration.seconds == pytest.approx(now + mapping.DEFAULT_LIFETIME, abs=0.001)


def test_put_preconditions(rt: Runtime) -> None:
    app_id = app_of(rt)
    meeting = ucwa_meetings.create_meeting(rt, principal(), app_id, MeetingProperties())
    tag = meeting.etag
    put = {meeting.put_property: mapping.PUT_VALUE}
    change = MeetingProperties(subject="after")

    def put_meeting(values: dict[str, Any], if_match: list[str]) -> Any:
        return ucwa_meetings.put_meeting(
            rt, principal(), app_id, meeting.meeting_id, change, values, if_match
        )

    refused(428, "PreconditionRequired", put_meeting, put, [])
    refused(412, "PreconditionFailed", put_meeting, put, ["stale"])
    error = refused(400, "ParameterValidationFailure", put_meeting, {}, [tag])
    assert error.parameters == [meeting.put_property]
    changed = put_meeting(put, ["*"])
    assert changed.subject == "after"
    refused(412, "PreconditionFailed", put_meeting, put, [tag])  # the tag moved on
    again = put_meeting(put, [changed.etag])
    assert again.meeting_id == meeting.meeting_id


def test_the_assigned_meeting_is_one_and_uncounted(rt: Runtime) -> None:
    app_id = app_of(rt)
    first = ucwa_meetings.get_assigned(rt, principal(), app_id)
    second = ucwa_meetings.get_assigned(rt, principal(), app_id)
    assert first.meeting_id == second.meeting_id
    assert first.assigned
    assigned, others = ucwa_meetings.list_meetings(rt, principal(), app_id)
    assert (assigned.meeting_id, others) == (first.meeting_id, [])
    dial_in = ucwa_settings.meeting_settings(rt, principal(), app_id, "phoneDialInInformation")
    assert dial_in["conferenceId"] == first.conference_id
    put = ucwa_meetings.put_meeting(
        rt,
        principal(),
        app_id,
        None,
        MeetingProperties(subject="mine"),
        {first.put_property: mapping.PUT_VALUE},
        ["*"],
    )
    assert (put.meeting_id, put.subject) == (first.meeting_id, "mine")


def test_extensions(rt: Runtime) -> None:
    app_id = app_of(rt)
    meeting_id = ucwa_meetings.create_meeting(
        rt, principal(), app_id, MeetingProperties()
    ).meeting_id
    _, made = ucwa_meetings.add_extension(rt, principal(), app_id, meeting_id, None, None)
    assert made.type == "Undefined"
    assert made.id
    _, named = ucwa_meetings.add_extension(
        rt, principal(), app_id, meeting_id, "e1", "RoamedOrganizerData"
    )
    assert named == Extension("e1", "RoamedOrganizerData")
    refused(
        409,
        "AlreadyExists",
        ucwa_meetings.add_extension,
        rt,
        principal(),
        app_id,
        meeting_id,
        "e1",
        None,
    )
    stored = ucwa_meetings.get_meeting(rt, principal(), app_id, meeting_id)
    assert stored.extensions == (made, named)


def test_delete_and_other_users_meetings(rt: Runtime) -> None:
    app_id = app_of(rt)
    meeting = ucwa_meetings.create_meeting(rt, principal(), app_id, MeetingProperties())
    bob_app = app_of(rt, principal(BOB_ID))
    refused(
        404,
        "ResourceNotFound",
        ucwa_meetings.get_meeting,
        rt,
        principal(BOB_ID),
        bob_app,
        meeting.meeting_id,
    )
    ucwa_meetings.delete_meeting(rt, principal(), app_id, meeting.meeting_id)
    refused(
        404,
        "ResourceNotFound",
        ucwa_meetings.get_meeting,
        rt,
        principal(),
        app_id,
        meeting.meeting_id,
    )


def test_policies(rt: Runtime) -> None:
    app_id = app_of(rt)
    assert ucwa_settings.policies(rt, principal(), app_id) == ucwa_settings.POLICIES
    refused(404, "ApplicationNotFound", ucwa_settings.policies, rt, principal(BOB_ID), app_id)
