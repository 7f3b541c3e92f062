"""``GET /communications/calls/{id}/operations``: the call's contained operations collection."""

from __future__ import annotations

from callboard.errors import ItemNotFound
from callboard.services.actions import PROMPT_SECONDS
from tests.api.calling import CALLS, TEST_BOT, Harness, assert_error

G = "#microsoft.graph."
PROMPT = {
    "clientContext": "prompt-ctx",
    "prompts": [{"@odata.type": G + "mediaPrompt", "mediaInfo": {"uri": "https://a/b.wav"}}],
}


def test_lists_running_and_finished_operations_oldest_first(h: Harness) -> None:
    call = h.establish_p2p()
    assert h.get(f"{CALLS}/{call['id']}/operations").json()["value"] == []
    prompt = h.action(call["id"], "playPrompt", PROMPT).json()
    h.advance(0.001)  # operations of the same instant are listed by id
    tone = h.action(call["id"], "subscribeToTone", {"clientContext": "tone-ctx"}).json()

    response = h.get(f"{CALLS}/{call['id']}/operations")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.context"] == (
        f"http://callboard.test/v1.0/$metadata#communications/calls('{call['id']}')/operations"
    )
    assert [(o["id"], o["@odata.type"], o["status"]) for o in body["value"]] == [
        (prompt["id"], G + "playPromptOperation", "Running"),
        (tone["id"], G + "subscribeToToneOperation", "Completed"),
    ]

    h.advance(PROMPT_SECONDS)  # the prompt ends
    statuses = [o["status"] for o in h.get(f"{CALLS}/{call['id']}/operations").json()["value"]]
    assert statuses == ["Completed", "Completed"]


def test_pages_with_next_link(h: Harness) -> None:
    call = h.establish_p2p()
    first = h.action(call["id"], "playPrompt", PROMPT).json()
    h.advance(0.001)
    second = h.action(call["id"], "playPrompt", PROMPT).json()
    page = h.get(f"{CALLS}/{call['id']}/operations?$top=1").json()
    assert [o["id"] for o in page["value"]] == [first["id"]]
    rest = h.get(page["@odata.nextLink"]).json()
    assert [o["id"] for o in rest["value"]] == [second["id"]]
    assert "@odata.nextLink" not in rest


def test_another_apps_call_or_an_unknown_call_is_not_found(h: Harness) -> None:
    call = h.establish_p2p()
    response = h.get(f"{CALLS}/{call['id']}/operations", app=TEST_BOT)
    assert_error(response, 404, ItemNotFound.code)
    assert_error(h.get(f"{CALLS}/nope/operations"), 404, ItemNotFound.code)
