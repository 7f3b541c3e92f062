"""The schema validator itself: what it accepts and what it rejects."""

from __future__ import annotations

from typing import Any

import pytest

from tests.schema.csdl import GRAPH, Schema, primitive_problem
from tests.schema.extras import EXTRAS

G = "#microsoft.graph."
CALL = f"{GRAPH}call"


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema.load(extras=EXTRAS)  # not the shared one: its summary counts the suite


def _call(**extra: Any) -> dict[str, Any]:
    return {
        "@odata.type": G + "call",
        "id": "c1",
        "state": "established",
        "callbackUri": "https://bot.contoso.com/callback",
        "mediaConfig": {"@odata.type": G + "serviceHostedMediaConfig"},
        "requestedModalities": ["audio"],
        "resultInfo": {"code": 200, "subcode": 0, "message": "ok"},
        **extra,
    }


def test_a_conforming_call_passes(schema: Schema) -> None:
    assert schema.validate(_call(), CALL) == []


def test_rejects_an_unknown_property_on_a_closed_type(schema: Schema) -> None:
    media = {"@odata.type": G + "serviceHostedMediaConfig", "removeFromDefaultAudioGroup": False}
    [error] = schema.validate(_call(mediaConfig=media), CALL)
    assert "$.mediaConfig.removeFromDefaultAudioGroup: not declared" in error


def test_open_types_take_only_the_extras_graph_sends(schema: Schema) -> None:
    assert schema.validate(_call(terminationReason=None), CALL) == []
    [error] = schema.validate(_call(madeUp=1), CALL)
    assert "$.madeUp: not declared on microsoft.graph.call (an open type" in error
    # ...unless the client set that dynamic property itself in the request.
    assert schema.validate(_call(madeUp=1), CALL, dynamic=frozenset({"madeUp"})) == []


def test_rejects_enum_members_in_another_casing(schema: Schema) -> None:
    operation = {"@odata.type": G + "playPromptOperation", "id": "o1", "status": "completed"}
    [error] = schema.validate(operation, f"{GRAPH}commsOperation")
    assert "'completed' is not a member of microsoft.graph.operationStatus" in error
    operation["status"] = "Completed"
    assert schema.validate(operation, f"{GRAPH}commsOperation") == []


def test_flags_enums_take_comma_separated_members(schema: Schema) -> None:
    flags = [name for name, enum in schema.enums.items() if enum["flags"]]
    if not flags:
        pytest.skip("no flags enum in the vendored subset")
    enum = schema.enums[flags[0]]
    both = ",".join(enum["members"][:2])
    assert schema.validate(both, flags[0]) == []
    assert schema.validate(both + ",nope", flags[0]) != []


def test_rejects_wrong_primitives(schema: Schema) -> None:
    errors = schema.validate(
        _call(state=3, requestedModalities="audio", resultInfo={"code": "200", "subcode": True}),
        CALL,
    )
    assert [e.split(":")[0] for e in errors] == [
        "$.state",
        "$.requestedModalities",
        "$.resultInfo.code",
        "$.resultInfo.subcode",
    ]


@pytest.mark.parametrize(
    ("type_name", "good", "bad"),
    [
        ("Edm.String", "x", 1),
        ("Edm.Boolean", False, "false"),
        ("Edm.Int32", 7, 2**31),
        ("Edm.Int64", -1, 1.5),
        ("Edm.Double", 1.5, "1.5"),
        ("Edm.DateTimeOffset", "2030-01-10T12:00:00.123Z", "2030-01-10 12:00"),
        ("Edm.Duration", "PT1M30S", "90"),
        ("Edm.Guid", "b07b0700-0000-4000-8000-000000000001", "b07b0700"),
        ("Edm.Binary", "AAEC", "not base64!"),
    ],
)
def test_primitives(type_name: str, good: Any, bad: Any) -> None:
    assert primitive_problem(good, type_name) is None
    assert primitive_problem(bad, type_name) is not None


def test_odata_type_must_name_the_declared_type_or_a_derived_one(schema: Schema) -> None:
    derived = {"@odata.type": G + "muteParticipantOperation", "id": "o", "status": "Running"}
    assert schema.validate(derived, f"{GRAPH}commsOperation") == []
    [error] = schema.validate(_call(mediaConfig={"@odata.type": G + "chatInfo"}), CALL)
    assert "'#microsoft.graph.chatInfo' is not microsoft.graph.mediaConfig" in error
    [error] = schema.validate(_call(**{"@odata.type": "microsoft.graph.call"}), CALL)
    assert "is not '#namespace.type'" in error


def test_abstract_types_need_their_odata_type(schema: Schema) -> None:
    [error] = schema.validate(_call(mediaConfig={"blob": "<media>"}), CALL)
    assert "$.mediaConfig: microsoft.graph.mediaConfig is abstract" in error


def test_non_nullable_properties_are_not_null(schema: Schema) -> None:
    [error] = schema.validate(_call(callbackUri=None), CALL)
    assert "$.callbackUri: microsoft.graph.call declares it non-nullable" in error


def test_collections(schema: Schema) -> None:
    participant = {"id": "p", "info": {"identity": {}}, "isInLobby": False, "isMuted": False}
    page = {"@odata.context": "x", "@odata.nextLink": "y", "value": [participant]}
    assert schema.validate_collection(page, f"{GRAPH}participant") == []
    assert schema.validate_collection([participant], f"{GRAPH}participant") != []
    [error] = schema.validate_collection({**page, "extra": 1}, f"{GRAPH}participant")
    assert "$.extra: not allowed on a collection response" in error
    [error] = schema.validate(_call(requestedModalities=["audio", None]), CALL)
    assert "$.requestedModalities[1]: null in a collection" in error


def test_control_information_is_limited(schema: Schema) -> None:
    assert schema.validate(_call(**{"@odata.etag": 'W/"1"', "@odata.id": "/x"}), CALL) == []
    [error] = schema.validate(_call(**{"state@odata.type": "#x"}), CALL)
    assert "control information Graph does not send here" in error


def test_unknown_types_are_reported(schema: Schema) -> None:
    [error] = schema.validate({}, f"{GRAPH}nothing")
    assert "not in the vendored schema" in error


def test_actions_know_their_return_type(schema: Schema) -> None:
    assert schema.action(CALL, "playPrompt") == f"{GRAPH}playPromptOperation"
    assert schema.action(CALL, "answer") is None
    assert schema.action(f"{GRAPH}onlineMeeting", "sendVirtualAppointmentSms") is None
    with pytest.raises(KeyError):
        schema.action(CALL, "nothing")
