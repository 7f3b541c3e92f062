"""``GET /_callboard/calls``: every call, filtered by application, tenant and state, paged."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from callboard.clock import FrozenClock
from tests.api.calling import BAD_REQUEST, CALLING_BOT, CONTOSO, Harness, assert_error, p2p_body

CALLS = "/_callboard/calls"
OTHER = "00000000-0000-4000-8000-0000000000ff"


def _ids(h: Harness, **params: Any) -> list[str]:
    response = h.client.get(CALLS, params=params)
    assert response.status_code == 200, response.text
    return [call["id"] for call in response.json()["value"]]


def test_listing_filters_and_paging(h: Harness, clock: FrozenClock) -> None:
    first = h.establish_p2p()
    second = h.create_call(p2p_body())
    clock.advance(0.01)  # oldest first: calls created at one instant are in id order
    third = h.create_call(p2p_body())
    everything = [first["id"], second["id"], third["id"]]

    rows = h.client.get(CALLS).json()["value"]
    assert [r["id"] for r in rows] == everything
    # Each call as Graph's GET renders it.
    assert rows[0] == {**h.call(first["id"]), "@odata.context": rows[0]["@odata.context"]}
    assert rows[0]["state"] == "established"

    assert _ids(h, appId=CALLING_BOT) == everything
    assert _ids(h, appId=OTHER) == []
    assert _ids(h, tenantId=CONTOSO) == everything
    assert _ids(h, tenantId=OTHER) == []
    assert _ids(h, state="established") == [first["id"]]
    assert _ids(h, state="establishing", appId=CALLING_BOT) == [second["id"], third["id"]]
    assert _ids(h, state="terminated") == []

    page = h.client.get(CALLS, params={"$top": 2}).json()
    assert [r["id"] for r in page["value"]] == everything[:2]
    link = urlsplit(page["@odata.nextLink"])
    assert link.path == CALLS
    assert parse_qs(link.query) == {"$top": ["2"], "$skip": ["2"]}
    rest = h.client.get(page["@odata.nextLink"]).json()
    assert [r["id"] for r in rest["value"]] == [third["id"]]
    assert "@odata.nextLink" not in rest


def test_a_hung_up_call_is_listed_as_terminated(h: Harness) -> None:
    call = h.establish_p2p()
    assert h.delete(f"/v1.0/communications/calls/{call['id']}").status_code == 204
    h.advance(h.rt.settings.terminate_delay_seconds)
    assert _ids(h, state="terminated") == [call["id"]]
    assert _ids(h, state="established") == []


@pytest.mark.parametrize(
    "params",
    [{"$top": 0}, {"$top": 1001}, {"$skip": -1}, {"$top": "ten"}, {"state": "lost"}],
)
def test_invalid_query_is_400(h: Harness, params: dict[str, Any]) -> None:
    assert_error(h.client.get(CALLS, params=params), 400, BAD_REQUEST)


class TestAdminDisabled:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"admin_enabled": False}

    def test_the_listing_is_404(self, h: Harness) -> None:
        h.create_call(p2p_body())
        assert_error(h.client.get(CALLS), 404, "UnknownError")
