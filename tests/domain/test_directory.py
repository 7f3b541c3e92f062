"""The directory without I/O: the directory document parsed into types (and stored as
sent), user lookups, application instances, and a simulated callee's behaviour (parsed,
checked, written back)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from callboard.domain.directory import (
    AccessPolicy,
    Application,
    ApplicationInstance,
    Behaviour,
    Directory,
    Response,
    Tenant,
    User,
    directory_entries,
    entries_document,
)
from callboard.domain.party_scripts import PartyAction, TransferAnswer
from callboard.errors import BadRequest

ALICE = User("a1", "t1", "Alice", "Alice@Example.com")
OTHER = User("o1", "t2", "Other", "other@example.com")
BOT = ApplicationInstance("i1", "t1", "Bot", "app-1", "+14255550100")


@pytest.fixture
def directory() -> Directory:
    return Directory(
        users={(u.tenant_id, u.id): u for u in (ALICE, OTHER)},
        instances={(BOT.tenant_id, BOT.id): BOT},
    )


def test_users_are_found_by_id_or_upn_in_their_tenant(directory: Directory) -> None:
    assert directory.user("t1", "a1") is ALICE
    assert directory.user("t1", "alice@example.COM") is ALICE
    assert directory.user("t2", "a1") is None
    assert directory.user("t1", "other@example.com") is None
    assert directory.find_user_anywhere("o1") is OTHER
    assert directory.find_user_anywhere("OTHER@example.com") is OTHER
    assert directory.find_user_anywhere("nobody") is None


def test_application_instances_are_per_tenant(directory: Directory) -> None:
    assert directory.instance("t1", "i1") is BOT
    assert directory.instance("t2", "i1") is None


def test_a_behaviour_defaults_to_answering() -> None:
    assert Behaviour.parse({}) == Behaviour()
    assert Behaviour().to_dict() == {
        "response": "answer",
        "answerAfterSeconds": None,
        "hangUpAfterSeconds": None,
    }


def test_a_behaviour_reads_back_as_written() -> None:
    written: dict[str, Any] = {
        "response": "noAnswer",
        "answerAfterSeconds": 2.5,
        "hangUpAfterSeconds": 10.0,
        "script": [{"afterSeconds": 1.0, "pressKeys": "1"}],
        "transfer": "refuse",
    }
    behaviour = Behaviour.parse(written)
    assert behaviour.response is Response.NO_ANSWER
    assert behaviour.answer_after_seconds == 2.5 and behaviour.hang_up_after_seconds == 10.0
    assert behaviour.script[0].step.action is PartyAction.PRESS_KEYS
    assert behaviour.transfer is TransferAnswer.REFUSE
    assert behaviour.to_dict() == written
    assert Behaviour.parse(behaviour.to_dict()) == behaviour


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"ring": True}, "Unknown behaviour properties: ring"),
        ({"response": "maybe"}, "behaviour.response must be one of"),
        ({"answerAfterSeconds": -1}, "answerAfterSeconds must be a non-negative"),
        ({"hangUpAfterSeconds": True}, "hangUpAfterSeconds must be a non-negative"),
        ({"answerAfterSeconds": "1"}, "answerAfterSeconds must be a non-negative"),
        ({"transfer": "maybe"}, "behaviour.transfer must be accept or refuse"),
        ({"script": [{}]}, r"script\[0\]"),
    ],
)
def test_bad_behaviours_are_bad_requests(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        Behaviour.parse(data)


DOCUMENT: dict[str, Any] = {
    "tenants": [{"id": "t1", "displayName": "Contoso"}, {"id": "t2"}],
    "users": [
        {
            "id": "u1",
            "tenantId": "t1",
            "displayName": "Alice",
            "userPrincipalName": "alice@contoso.com",
            "licenses": ["teamsPremium"],
            "phone": "+14255550101",
            "behaviour": {"response": "decline"},
            "note": "kept as sent",
        },
        {"id": "u2", "tenantId": "t2"},
    ],
    "applications": [
        {
            "appId": "a1",
            "clientSecret": "s3cret",
            "tenants": ["t1", "t2"],
            "applicationPermissions": ["Calls.Initiate.All"],
            "delegatedPermissions": ["OnlineMeetings.ReadWrite"],
            "callingWebhookUrl": "http://127.0.0.1:3978/api/calls",
        }
    ],
    "applicationInstances": [
        {"id": "i1", "tenantId": "t1", "appId": "a1", "phoneNumber": "+14255550100"}
    ],
    "applicationAccessPolicies": [{"tenantId": "t1", "appIds": ["a1"], "users": ["*"]}],
    "onlineMeetings": [{"id": "m1", "tenantId": "t1", "organizerId": "u1", "subject": "Sync"}],
}


def test_a_directory_document_is_parsed_once_into_types() -> None:
    d = Directory.parse(DOCUMENT)
    assert d.tenants["t1"] == Tenant("t1", "Contoso")
    assert d.tenants["t2"] == Tenant("t2", "t2")  # the name defaults to the id
    assert d.users[("t1", "u1")] == User(
        "u1",
        "t1",
        "Alice",
        "alice@contoso.com",
        ("teamsPremium",),
        "+14255550101",
        Behaviour(Response.DECLINE),
    )
    assert d.users[("t2", "u2")] == User("u2", "t2", "u2", "u2")
    assert d.applications["a1"] == Application(
        "a1",
        "a1",
        "s3cret",
        ("t1", "t2"),
        frozenset({"Calls.Initiate.All"}),
        frozenset({"OnlineMeetings.ReadWrite"}),
        "http://127.0.0.1:3978/api/calls",
    )
    assert d.instance("t1", "i1") == ApplicationInstance("i1", "t1", "i1", "a1", "+14255550100")
    assert d.access_policies["t1"] == [AccessPolicy(frozenset({"a1"}), frozenset({"*"}), True)]
    assert d.meeting_fixtures == [DOCUMENT["onlineMeetings"][0]]


def test_a_directory_is_stored_as_sent_and_reads_back_as_the_same_document() -> None:
    entries = directory_entries(DOCUMENT)
    assert [(e.kind, e.tenant_id, e.id) for e in entries] == [
        ("tenant", "t1", "t1"),
        ("tenant", "t2", "t2"),
        ("user", "t1", "u1"),
        ("user", "t2", "u2"),
        ("application", "*", "a1"),
        ("applicationInstance", "t1", "i1"),
        ("applicationAccessPolicy", "t1", "0"),  # no id: its position
        ("onlineMeeting", "t1", "m1"),
    ]
    assert entries_document(entries) == DOCUMENT
    assert entries_document([]) == {name: [] for name in DOCUMENT}


def _without(section: str, index: int, key: str) -> dict[str, Any]:
    document = copy.deepcopy(DOCUMENT)
    del document[section][index][key]
    return document


def _with(section: str, item: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(DOCUMENT)
    document[section].append(item)
    return document


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ([], "must be a JSON object"),
        ({"people": []}, "Unknown directory sections: people"),
        (_with("users", {"id": "u1", "tenantId": "t1"}), "users[2] repeats t1/u1"),
        (_with("tenants", {"id": ""}), "tenants[2]: id must be strings"),
        (_with("users", {"id": "u3", "tenantId": "t9"}), "user u3 names unknown tenant t9"),
        (_without("applications", 0, "tenants"), "missing a required property: 'tenants'"),
        (
            _with("applicationInstances", {"id": "i2", "tenantId": "t1", "appId": "a9"}),
            "Application instance i2 names unknown app a9",
        ),
        (
            _with("onlineMeetings", {"id": "m2", "tenantId": "t1", "organizerId": "u9"}),
            "online meeting m2 names an unknown organizer",
        ),
        (
            _with("users", {"id": "u3", "tenantId": "t1", "behaviour": {"response": "maybe"}}),
            "behaviour.response must be one of",
        ),
    ],
)
def test_an_invalid_directory_is_refused(document: Any, fragment: str) -> None:
    with pytest.raises(BadRequest, match=re.escape(fragment)):
        Directory.parse(document)
