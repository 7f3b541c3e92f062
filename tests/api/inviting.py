"""Helpers for the participant tests (invite, remove, mute): group calls to invite into,
seed 002's request bodies, and shape checks against the seed's JSON."""

from __future__ import annotations

from typing import Any

from tests.api.calling import (
    CALLING_BOT,
    CALLING_BOT_INSTANCE,
    CALLS,
    CONTOSO,
    USER1,
    USER2,
    Harness,
    HttpResponse,
    user_target,
)
from tests.support import seed

G = "#microsoft.graph."
PARTICIPANT_ONE = "278405a3-f568-4b3e-b684-009193463064"
PARTICIPANT_TWO = "1e126418-44a0-4a94-a6f8-0efe1ad71acb"
PARTICIPANT = "7e1b4346-85a6-4bdd-abe3-d11c5d420efe"
SEED_CALL = "a7ebfb2d-871e-419c-87af-27290b22e8db"  # the replacesCallId of seed 002
CLIENT_CONTEXT = "f2fa86af-3c51-4bc2-8fc0-475452d9764f"
# Seed 002's notifications go to https://bot.contoso.com/api/calls.
GROUP_CALLBACK = "https://bot.contoso.com/api/calls"
# Keys not compared by shape: the legacy ``resource`` (decisions: not sent) and identities
# (the seed's rosters mix them up; tests compare identities by value).
SHAPE_SKIP = frozenset({"resource", "identity"})


def group_call_body(
    *targets: str, instance: str | None = None, callback: str = GROUP_CALLBACK
) -> dict[str, Any]:
    """Seed 003 example 3 (a group call), from the token's app or its ``instance``."""
    body: dict[str, Any] = seed("create-call-3")["body"]
    body["callbackUri"] = callback
    body["targets"] = [user_target(t) for t in targets or (USER1, USER2)]
    if instance is None:
        del body["source"]  # filled from the token's application
    else:
        body["source"] = {"identity": {"applicationInstance": {"id": instance}}}
    return body


def establish(h: Harness, body: dict[str, Any], *, app: str = CALLING_BOT) -> dict[str, Any]:
    """Place a call and run it until its targets have answered."""
    call = h.create_call(body, app=app)
    h.run_jobs()
    h.advance(h.connect_delay)
    h.advance(h.answer_delay)
    got = h.call(call["id"], app=app)
    assert got["state"] == "established", got
    return got


def group_call(
    h: Harness, *targets: str, app: str = CALLING_BOT, instance: str | None = None
) -> dict[str, Any]:
    """An established group call of ``app`` (the Calling Bot by default) with its targets
    joined, notifying https://bot.contoso.com/api/calls."""
    return establish(h, group_call_body(*targets, instance=instance), app=app)


def pstn_group_call(h: Harness) -> dict[str, Any]:
    """A group call from the Calling Bot's application instance (it has a phone number)."""
    return group_call(h, instance=CALLING_BOT_INSTANCE)


def invite_body(*users: str, context: str | None = CLIENT_CONTEXT) -> dict[str, Any]:
    body: dict[str, Any] = {"participants": [user_target(u) for u in users]}
    if context is not None:
        body["clientContext"] = context
    return body


def invite(
    h: Harness, call_id: str, body: dict[str, Any], *, app: str = CALLING_BOT, root: str = CALLS
) -> HttpResponse:
    return h.client.post(
        f"{root}/{call_id}/participants/invite", json=body, headers=h.auth(app=app)
    )


def invited(
    h: Harness, call_id: str, body: dict[str, Any], *, app: str = CALLING_BOT
) -> dict[str, Any]:
    """Invite and return the running operation (200)."""
    response = invite(h, call_id, body, app=app)
    assert response.status_code == 200, response.text
    operation: dict[str, Any] = response.json()
    assert operation["status"] == "Running", operation
    return operation


def ring_and_answer(h: Harness) -> None:
    """Run an invitation to its end with default behaviours: ring, then answer."""
    h.advance(h.connect_delay)
    h.advance(h.answer_delay)


def operation(h: Harness, call_id: str, operation_id: str, *, app: str = CALLING_BOT) -> Any:
    response = h.get(f"{CALLS}/{call_id}/operations/{operation_id}", app=app)
    assert response.status_code == 200, response.text
    return response.json()


def call_notes(h: Harness, call_id: str) -> list[dict[str, Any]]:
    """Every notification about the call or below it (operations, roster), in order."""
    prefix = f"/communications/calls/{call_id}"
    return [
        n
        for n in h.receiver.notifications()
        if n["resourceUrl"] == prefix or n["resourceUrl"].startswith(prefix + "/")
    ]


def roster_ids(roster: list[dict[str, Any]]) -> list[str]:
    return [p["id"] for p in roster]


def user_ids(roster: list[dict[str, Any]]) -> list[str]:
    return [p["info"]["identity"]["user"]["id"] for p in roster if "user" in p["info"]["identity"]]


def seed_notifications(name: str) -> list[dict[str, Any]]:
    """The seed example's notifications (operation completed, then roster), as sent."""
    found = []
    for index in range(2):
        found.append(seed(name, "notification", index)["body"]["value"][0])
    return found


def assert_shape(ours: Any, theirs: Any, path: str = "$") -> None:
    """Every property of the seed's JSON is present in ours, recursively (lists: each of our
    items has the shape of the seed's first item)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{path}: {ours!r} is not an object"
        for key, value in theirs.items():
            if key in SHAPE_SKIP:
                continue
            assert key in ours, f"{path}.{key} is missing from {sorted(ours)}"
            assert_shape(ours[key], value, f"{path}.{key}")
    elif isinstance(theirs, list) and theirs:
        assert isinstance(ours, list) and ours, f"{path}: {ours!r} is not a non-empty list"
        for index, item in enumerate(ours):
            assert_shape(item, theirs[0], f"{path}[{index}]")


def add_users(h: Harness, count: int, *, tenant: str = CONTOSO) -> list[str]:
    """``count`` more users in the directory (answering by default); their ids."""
    document = h.directory()
    ids = [f"0000beef-0000-4000-8000-{n:012d}" for n in range(1, count + 1)]
    for n, user_id in enumerate(ids, start=1):
        document["users"].append(
            {
                "id": user_id,
                "tenantId": tenant,
                "displayName": f"Extra {n}",
                "userPrincipalName": f"extra{n}@contoso.com",
            }
        )
    h.put_directory(document)
    return ids


def state_of(h: Harness, call_id: str, *, app: str = CALLING_BOT) -> dict[str, Any]:
    """What a rejected request must leave untouched: the call, its roster, the jobs."""
    jobs = h.client.get("/_callboard/jobs", params={"$top": "1000"})
    assert jobs.status_code == 200, jobs.text
    return {
        "call": h.call(call_id, app=app),
        "participants": h.participants(call_id, app=app),
        "jobs": jobs.json()["value"],
        "notifications": len(h.receiver.received),
    }
