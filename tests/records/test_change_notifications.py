"""Change notifications through the subscriptions machinery: presence from calls, presence
subscriptions, lifecycle notifications, expiry; and getPstnCalls' parameters and paging."""

from __future__ import annotations

from callboard.clock import FrozenClock, iso
from tests.api.calling import CALLS, JOHN, Harness, assert_error, p2p_body
from tests.conftest import DEV_APP, DEV_TENANT
from tests.records.support import Subscriber, subscribe
from tests.support import seed

RECORDS = "/v1.0/communications/callRecords"
DELAY = 60.0
ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"


def _presence(h: Harness, user: str) -> tuple[str, str]:
    response = h.client.get(
        f"/v1.0/communications/presences/{user}", headers=h.auth(app=DEV_APP, tenant=DEV_TENANT)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return body["availability"], body["activity"]


def _contoso_presence(h: Harness, user: str) -> tuple[str, str]:
    response = h.client.get(f"/v1.0/users/{user}/presence", headers=h.auth(user=user))
    assert response.status_code == 200, response.text
    body = response.json()
    return body["availability"], body["activity"]


def test_a_user_in_a_call_is_busy_then_back(h: Harness) -> None:
    assert _contoso_presence(h, JOHN) == ("Offline", "Offline")
    call = h.establish_p2p()
    assert _contoso_presence(h, JOHN) == ("Busy", "InACall")
    assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
    h.advance(h.rt.settings.terminate_delay_seconds)
    assert _contoso_presence(h, JOHN) == ("Offline", "Offline")


def _dev_call(h: Harness, user: str) -> str:
    """The Dev Bot calls ``user`` of the dev tenant; the call is established."""
    headers = h.auth(app=DEV_APP, tenant=DEV_TENANT)
    response = h.client.post(CALLS, json=p2p_body(user), headers=headers)
    assert response.status_code == 201, response.text
    h.run_jobs()
    h.advance(h.connect_delay)
    h.advance(h.answer_delay)
    call_id: str = response.json()["id"]
    return call_id


def _dev_hang_up(h: Harness, call_id: str) -> None:
    headers = h.auth(app=DEV_APP, tenant=DEV_TENANT)
    assert h.client.delete(f"{CALLS}/{call_id}", headers=headers).status_code == 204
    h.advance(h.rt.settings.terminate_delay_seconds)


def test_presence_subscribers_hear_of_calls_in_order(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    subscribe(
        h.client,
        h.auth(app=DEV_APP, tenant=DEV_TENANT),
        subscriber,
        clock,
        resource=f"/communications/presences?$filter=id in ('{ALICE}','{BOB}')",
        change_type="updated",
    )
    call_id = _dev_call(h, ALICE)
    assert _presence(h, ALICE) == ("Busy", "InACall")
    _dev_hang_up(h, call_id)
    assert _presence(h, ALICE) == ("Offline", "Offline")
    notes = subscriber.notifications()
    assert [n["changeType"] for n in notes] == ["updated", "updated"]
    assert {n["resource"] for n in notes} == {f"communications/presences('{ALICE}')"}
    assert notes[0]["resourceData"]["id"] == ALICE
    assert notes[0]["tenantId"] == DEV_TENANT


def test_presence_subscription_rules(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    body = {
        "changeType": "updated",
        "notificationUrl": subscriber.url,
        "resource": f"/communications/presences/{JOHN}",
        "expirationDateTime": iso(clock.now() + 61 * 60),
    }
    dev = h.auth(app=DEV_APP, tenant=DEV_TENANT)
    too_long = h.client.post("/v1.0/subscriptions", json=body, headers=dev)
    assert_error(too_long, 400, "invalidRequest")
    body["expirationDateTime"] = iso(clock.now() + 30 * 60)
    body["changeType"] = "created"
    assert_error(
        h.client.post("/v1.0/subscriptions", json=body, headers=dev), 400, "invalidRequest"
    )
    body["changeType"] = "updated"
    # John's delegated token (Calling Bot) lacks Presence.Read.All.
    assert_error(
        h.client.post("/v1.0/subscriptions", json=body, headers=h.auth(user=JOHN)),
        403,
        "accessDenied",
    )
    body["notificationUrl"] = "https://example.com/not-loopback"
    response = h.client.post("/v1.0/subscriptions", json=body, headers=dev)
    assert_error(response, 400, "ValidationError")


def test_set_presence_is_notified(h: Harness, subscriber: Subscriber, clock: FrozenClock) -> None:
    headers = h.auth(app=DEV_APP, tenant=DEV_TENANT)
    subscribe(
        h.client,
        headers,
        subscriber,
        clock,
        resource=f"/communications/presences/{ALICE}",
        change_type="updated",
    )
    response = h.client.post(
        f"/v1.0/users/{ALICE}/presence/setPresence",
        json={"sessionId": DEV_APP, "availability": "Available", "activity": "Available"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    h.run_jobs()
    [note] = subscriber.notifications()
    assert note["resource"] == f"communications/presences('{ALICE}')"
    assert _presence(h, ALICE) == ("Available", "Available")


def test_lifecycle_notifications_and_expiry(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    subscription = subscribe(h.client, h.auth(), subscriber, clock, minutes=120, lifecycle=True)
    h.advance(59 * 60)
    assert subscriber.notifications("/lifecycle") == []
    h.advance(60)
    [warning] = subscriber.notifications("/lifecycle")
    assert warning["lifecycleEvent"] == "reauthorizationRequired"
    assert warning["subscriptionId"] == subscription["id"]
    reauthorize = h.post(f"/v1.0/subscriptions/{subscription['id']}/reauthorize")
    assert reauthorize.status_code == 204, reauthorize.text
    h.advance(60 * 60)
    events = [n["lifecycleEvent"] for n in subscriber.notifications("/lifecycle")]
    assert events == ["reauthorizationRequired", "subscriptionRemoved"]
    assert_error(h.get(f"/v1.0/subscriptions/{subscription['id']}"), 404, "itemNotFound")
    # Expired: a call that ends now is not announced to it.
    call = h.establish_p2p()
    assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
    h.advance(DELAY + 1)
    assert subscriber.notifications() == []


def test_renewal_moves_the_lifecycle_timers(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    subscription = subscribe(h.client, h.auth(), subscriber, clock, minutes=120, lifecycle=True)
    renewed = h.client.patch(
        f"/v1.0/subscriptions/{subscription['id']}",
        json={"expirationDateTime": iso(clock.now() + 240 * 60)},
        headers=h.auth(),
    )
    assert renewed.status_code == 200, renewed.text
    h.advance(121 * 60)
    # The first expiry's timers found the expiration moved: nothing was said.
    assert subscriber.notifications("/lifecycle") == []
    h.advance(60 * 60)
    assert [n["lifecycleEvent"] for n in subscriber.notifications("/lifecycle")] == [
        "reauthorizationRequired"
    ]


def test_get_pstn_calls_parameters_are_checked(h: Harness, clock: FrozenClock) -> None:
    now = clock.now()
    cases = [
        "getPstnCalls(fromDateTime=2024-01-01)",
        f"getPstnCalls(fromDateTime={iso(now)},toDateTime={iso(now - 1)})",
        f"getPstnCalls(fromDateTime={iso(now - 91 * 86400)},toDateTime={iso(now)})",
        "getPstnCalls(fromDateTime=yesterday,toDateTime=today)",
        "getDirectRoutingCalls(fromDateTime=2024-01-01)",
    ]
    for case in cases:
        assert_error(h.get(f"{RECORDS}/{case}"), 400, "invalidRequest")
    ok = h.get(f"{RECORDS}/getPstnCalls(fromDateTime=2019-11-01,toDateTime=2019-12-01)")
    assert ok.status_code == 200 and ok.json()["value"] == []
    other = h.get(
        f"{RECORDS}/getPstnCalls(fromDateTime=2019-11-01,toDateTime=2019-12-01)",
        app="dd3885da-f9ab-486b-bfae-85de3d445555",
    )
    assert_error(other, 403, "accessDenied")


def test_get_pstn_calls_pages(h: Harness, clock: FrozenClock) -> None:
    start = clock.now()
    for number in ("+12345678905", "+12345678906", "+12345678907"):
        body = seed("create-call-9")["body"]
        body["targets"][0]["identity"]["phone"]["id"] = number
        call = h.establish_p2p(body)
        assert h.delete(f"{CALLS}/{call['id']}").status_code == 204
        h.advance(1)
    h.advance(DELAY)
    window = f"getPstnCalls(fromDateTime={iso(start)},toDateTime={iso(clock.now())})"
    headers = {**h.auth(), "Prefer": "odata.maxpagesize=2"}
    first = h.client.get(f"{RECORDS}/{window}", headers=headers).json()
    assert [r["calleeNumber"] for r in first["value"]] == ["+12345678905", "+12345678906"]
    second = h.client.get(first["@odata.nextLink"], headers=headers).json()
    assert [r["calleeNumber"] for r in second["value"]] == ["+12345678907"]
    assert "@odata.nextLink" not in second
