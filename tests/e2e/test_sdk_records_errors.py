"""The official msgraph-sdk (v1.0) on the error paths of subscriptions and call records: a
``notificationUrl`` that fails the validation handshake (400), a subscription that expired
(its ``subscriptionRemoved`` lifecycle notification, then 404), a token without
``CallRecords.Read.All`` (403) and another tenant's record (404)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from msgraph import GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.subscription import Subscription

from tests.conftest import CALLING_BOT, TEST_BOT
from tests.e2e.conftest import Shared, token_of
from tests.e2e.live import free_port, wait_for
from tests.e2e.sdk_support import odata_error
from tests.e2e.test_msgraph_sdk import run_with_client
from tests.e2e.test_sdk_records import ALICE, _call_to, _now, _state
from tests.records.support import Subscriber

pytestmark = pytest.mark.slow


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    s = Subscriber()
    yield s
    s.close()


def test_sdk_subscription_errors_and_expiry(shared: Shared, subscriber: Subscriber) -> None:
    server = shared.server
    start = _now(server)

    def subscription(url: str, minutes: int, lifecycle: str | None = None) -> Subscription:
        return Subscription(
            change_type="created",
            notification_url=url,
            lifecycle_notification_url=lifecycle,
            resource="/communications/callRecords",
            expiration_date_time=start + timedelta(minutes=minutes),
            client_state="e2e-errors",
        )

    async def scenario(client: GraphServiceClient) -> dict[str, Any]:
        nobody = f"http://127.0.0.1:{free_port()}/notifications"  # nothing listens there
        bad = await odata_error(client.subscriptions.post(subscription(nobody, 30)))
        short = await client.subscriptions.post(subscription(subscriber.url, 5, subscriber.url))
        assert short is not None and short.id
        server.advance(6 * 60)
        gone = await odata_error(client.subscriptions.by_subscription_id(short.id).get())
        return {"bad": bad, "id": short.id, "gone": gone}

    seen = run_with_client(server, token_of(shared, "default"), scenario)
    assert seen["bad"].response_status_code == 400
    assert seen["gone"].response_status_code == 404

    def removed() -> dict[str, Any] | None:
        for body in subscriber.bodies:
            for note in body.get("value", []):
                if (
                    note.get("subscriptionId") == seen["id"]
                    and note.get("lifecycleEvent") == "subscriptionRemoved"
                ):
                    found: dict[str, Any] = note
                    return found
        return None

    note = wait_for(removed, what="the expired subscription's subscriptionRemoved notification")
    assert note["clientState"] == "e2e-errors"


def test_sdk_call_record_needs_the_permission_and_the_tenant(shared: Shared) -> None:
    server = shared.server
    token = token_of(shared, "default")  # the Dev Bot, in the Callboard Development tenant

    async def place_and_end(client: GraphServiceClient) -> str:
        call = await client.communications.calls.post(_call_to(ALICE))
        assert call is not None and call.id and call.call_chain_id
        server.advance_until(
            lambda: _state(server, token, str(call.id)) == "established", what="established"
        )
        await client.communications.calls.by_call_id(call.id).delete()
        return str(call.call_chain_id)

    record_id = run_with_client(server, token, place_and_end)
    path = f"/communications/callRecords/{record_id}"
    server.advance_until(
        lambda: server.graph("GET", path, token).status_code == 200,
        step=15,
        what="the record to be published",
    )

    async def read(client: GraphServiceClient) -> ODataError:
        return await odata_error(
            client.communications.call_records.by_call_record_id(record_id).get()
        )

    # TestBot (Contoso) has no CallRecords.Read.All; the Calling Bot has it, in other tenants.
    forbidden = run_with_client(server, server.token(TEST_BOT), read)
    assert forbidden.response_status_code == 403
    elsewhere = run_with_client(server, server.token(CALLING_BOT), read)
    assert elsewhere.response_status_code == 404
