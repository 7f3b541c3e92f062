"""Graph's own v1.0 examples against Graph's v1.0 schema.

Where they disagree, the schema wins unless the real service is documented to do otherwise;
each disagreement below is a decision recorded in docs/decisions.md ("Graph schema
conformance"), and a new one fails here until it is decided.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.schema.csdl import Schema
from tests.schema.extras import EXTRAS
from tests.schema.routes import CALL, NOTIFICATIONS, resource_type
from tests.support import DATA

# The v1.0 pages among the seed examples (tests/data/README.md); 001 is beta, 004 UCWA.
V1_SEEDS = ("000", "002", "003")
INVITE_OPERATION = "microsoft.graph.inviteParticipantsOperation"

DISAGREEMENTS = {
    "media configs are closed types": r"mediaConfig\.removeFromDefaultAudioGroup: not declared",
    "operationStatus members are PascalCase": (
        r"resourceData\.status: 'completed' is not a member of microsoft\.graph\.operationStatus"
    ),
    "every participant has its id": (
        r"resourceData\[\d+\]\.id: microsoft\.graph\.participant declares it non-nullable"
    ),
    "participant.info is a participantInfo": (
        r"resourceData\[\d+\]\.info\.@odata\.type: '#microsoft\.graph\.invitationParticipantInfo'"
    ),
    "every operation has its id": (
        r"resourceData\.id: microsoft\.graph\.inviteParticipantsOperation declares it non-nullable"
    ),
    "the legacy resource path is not sent": (
        r"\.resource: not declared on microsoft\.graph\.commsNotification"
    ),
    "rosters are notified at …/participants": (
        r"resourceData: expected an object of type microsoft\.graph\.commsOperation"
    ),
}


def _v1_bodies() -> Iterator[tuple[str, dict[str, Any]]]:
    examples: list[dict[str, Any]] = json.loads((DATA / "seed-examples.json").read_text())
    for example in examples:
        if example["seed"][:3] in V1_SEEDS and example["kind"] != "request" and example["body"]:
            yield f"{example['name']} {example['kind']}", example


def _violations(schema: Schema, example: dict[str, Any]) -> list[str]:
    body = example["body"]
    if example["kind"] == "response":
        is_invite = example["name"].startswith("invite")
        return schema.validate(body, INVITE_OPERATION if is_invite else CALL)
    errors = schema.validate(body, NOTIFICATIONS)
    for index, item in enumerate(body["value"]):
        expected = resource_type(item["resourceUrl"])
        assert expected.type is not None
        type_name = f"Collection({expected.type})" if expected.collection else expected.type
        errors += schema.validate(item["resourceData"], type_name, f"$.value[{index}].resourceData")
    return errors


def test_every_disagreement_with_the_schema_is_a_recorded_decision() -> None:
    schema = Schema.load(extras=EXTRAS)
    seen = {decision: 0 for decision in DISAGREEMENTS}
    undecided = []
    checked = 0
    for name, example in _v1_bodies():
        checked += 1
        for error in _violations(schema, example):
            matches = [d for d, pattern in DISAGREEMENTS.items() if re.search(pattern, error)]
            if matches:
                seen[matches[0]] += 1
            else:
                undecided.append(f"{name}: {error}")
    assert checked == 33
    assert undecided == []
    assert [d for d, count in seen.items() if count == 0] == []


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


@pytest.mark.parametrize(
    ("type_name", "name"), sorted((t, n) for t, names in EXTRAS.items() for n in names)
)
def test_extras_are_documented(type_name: str, name: str) -> None:
    """Graph sends each allowed extra: one of its v1.0 examples carries it."""
    documented = {key for _, example in _v1_bodies() for key in _keys(example["body"])}
    assert name in documented, f"{type_name}.{name} is in no v1.0 example"
