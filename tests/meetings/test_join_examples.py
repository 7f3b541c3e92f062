"""Seed 003 examples 5-8: joining scheduled meetings, reply and notifications."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CALLING_BOT, CONTOSO, FABRIKAM
from tests.support import Receiver, seed

TENANT = {
    "create-call-5": FABRIKAM,
    "create-call-6": CONTOSO,
    "create-call-7": FABRIKAM,
    "create-call-8": FABRIKAM,
}
JOHN = "112f7296-5fa4-42ca-bae8-6a692b15d4b8"


def _shape(expected: Any, actual: Any, path: str = "$") -> None:
    """``actual`` has every key of ``expected``, recursively; lists item by item."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        for key, value in expected.items():
            assert key in actual, f"{path}.{key} is missing"
            if value is not None:
                _shape(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), path
        assert len(actual) == len(expected), f"{path} has {len(actual)} items, not {len(expected)}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            _shape(want, got, f"{path}[{index}]")
    elif expected is not None:
        # A leaf: its value may be generated, its JSON type may not change.
        assert isinstance(actual, type(expected)), f"{path} is {actual!r}"


@pytest.mark.parametrize(
    ("expected", "actual", "message"),
    [
        ({"a": [{"b": 1}]}, {"a": [{}]}, "$.a[0].b is missing"),
        ({"a": [1, 2]}, {"a": [1]}, "$.a has 1 items, not 2"),
        ({"a": []}, {"a": {}}, "$.a"),
        ({"a": ["audio"]}, {"a": [7]}, "$.a[0] is 7"),
    ],
)
def test_the_shape_check_sees_into_lists(expected: Any, actual: Any, message: str) -> None:
    with pytest.raises(AssertionError, match=re.escape(message)):
        _shape(expected, actual)


@pytest.mark.parametrize("name", sorted(TENANT))
def test_join_example(
    name: str,
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    rt: Any,
) -> None:
    request = seed(name)
    headers = auth(app=CALLING_BOT, tenant=TENANT[name])
    response = app_client.post(request["url"], json=request["body"], headers=headers)
    assert response.status_code == 201, response.text
    call = response.json()
    expected = seed(name, "response")["body"]
    for generated in ("id", "callChainId", "myParticipantId", "@odata.context", "mediaConfig"):
        expected.pop(generated)
    _shape(expected, call)
    assert call["state"] == "establishing"
    assert call["targets"] == []
    assert call["chatInfo"]["threadId"] == expected["chatInfo"]["threadId"]
    assert call["meetingInfo"] == request["body"]["meetingInfo"]
    assert response.headers["location"].endswith(call["id"])

    run_jobs()
    advance(rt.settings.connect_delay_seconds)
    assert receiver.states(call["id"]) == ["establishing", "established"]
    notes = receiver.notifications()
    assert notes[0]["resourceData"]["chatInfo"]["threadId"] == call["chatInfo"]["threadId"]
    assert notes[0]["resourceData"]["meetingInfo"] == request["body"]["meetingInfo"]
    rosters = [n for n in notes if n["resourceUrl"].endswith("/participants")]
    assert len(rosters) == 1
    participants = rosters[0]["resourceData"]
    bot = next(p for p in participants if p["id"] == call["myParticipantId"])
    assert bot["info"]["identity"]["application"]["id"] == CALLING_BOT
    assert bot["isInLobby"] is False
    if name in ("create-call-5", "create-call-6"):
        # The seed's roster: John (muted, in the meeting already) and the bot.
        john = next(p for p in participants if "user" in p["info"]["identity"])
        assert john["info"]["identity"]["user"]["id"] == JOHN
        assert john["isMuted"] is True
        assert [s["mediaType"] for s in john["mediaStreams"]] == [
            "audio",
            "video",
            "videoBasedScreenSharing",
        ]
        expected_roster = seed(name.replace("6", "5"), "notification", 2)["body"]
        _shape(expected_roster["value"][0]["resourceData"][0], john)
