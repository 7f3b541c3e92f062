"""Call records: built when a call ends, published after the delay, announced to
subscribers, read with ``GET /communications/callRecords/{id}``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from callboard.clock import FrozenClock, iso
from callboard.services import call_records
from callboard.store import tables
from tests.api.calling import CALLS, JOHN, Harness, assert_error, p2p_body
from tests.conftest import CALLING_BOT, CONTOSO, FABRIKAM, TEST_BOT
from tests.records.support import Subscriber, subscribe
from tests.support import seed

RECORDS = "/v1.0/communications/callRecords"
DELAY = 60.0


def _end(h: Harness, call_id: str) -> None:
    assert h.delete(f"{CALLS}/{call_id}").status_code == 204
    h.advance(h.rt.settings.terminate_delay_seconds)


def test_a_finished_call_is_announced_then_readable(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    subscription = subscribe(h.client, h.auth(), subscriber, clock)
    started = clock.now()
    call = h.establish_p2p()
    answered = clock.now()
    h.advance(30)
    _end(h, call["id"])
    record_id = call["callChainId"]
    # Not before the delay: Graph's records arrive some time after the call.
    assert subscriber.notifications() == []
    assert_error(h.get(f"{RECORDS}/{record_id}"), 404, "itemNotFound")
    h.advance(DELAY)
    [note] = subscriber.notifications()
    assert note["changeType"] == "created"
    assert note["resource"] == f"communications/callRecords/{record_id}"
    assert note["resourceData"]["id"] == record_id
    assert note["resourceData"]["@odata.type"] == "#Microsoft.Graph.callrecord"
    assert note["resourceData"]["@odata.id"] == note["resource"]
    assert note["clientState"] == "secretClientValue"
    assert note["subscriptionId"] == subscription["id"]
    assert note["tenantId"] == CONTOSO
    assert note["subscriptionExpirationDateTime"] == subscription["expirationDateTime"]

    record = h.get(f"{RECORDS}/{record_id}").json()
    assert record["id"] == record_id
    assert record["type"] == "peerToPeer"
    assert record["modalities"] == ["audio"]
    assert record["startDateTime"] == iso(started)
    assert record["endDateTime"] == iso(clock.now() - DELAY)
    assert "sessions" not in record
    assert record["organizer_v2"]["identity"]["application"]["id"] == CALLING_BOT
    assert "participants_v2" not in record
    with_people = h.get(f"{RECORDS}/{record_id}?$expand=participants_v2").json()
    assert with_people["@odata.context"].endswith("callRecords(participants_v2())/$entity")
    ids = {p["id"] for p in with_people["participants_v2"]}
    assert JOHN in ids and CALLING_BOT in ids

    expanded = h.get(f"{RECORDS}/{record_id}?$expand=sessions($expand=segments)").json()
    assert expanded["@odata.context"].endswith("callRecords(sessions(segments()))/$entity")
    [session] = expanded["sessions"]
    assert session["callee"]["identity"]["user"]["id"] == JOHN
    assert session["startDateTime"] == iso(answered)
    assert session["failureInfo"] is None
    [segment] = session["segments"]
    assert segment["endDateTime"] == session["endDateTime"]

    listed = h.get(f"{RECORDS}/{record_id}/sessions?$expand=segments").json()["value"]
    assert listed == expanded["sessions"]
    plain = h.get(f"{RECORDS}/{record_id}/sessions").json()["value"]
    assert "segments" not in plain[0]
    people = h.get(f"{RECORDS}/{record_id}/participants_v2").json()["value"]
    assert people == with_people["participants_v2"]
    assert_error(h.get(f"{RECORDS}/nope/sessions"), 404, "itemNotFound")


def test_an_unanswered_call_has_a_failed_session(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    subscribe(h.client, h.auth(), subscriber, clock)
    h.set_behaviour(JOHN, response="decline")
    call = h.create_call(p2p_body())
    h.run_jobs()
    for _ in range(4):
        h.advance(1)
    assert h.ended(call["id"])["state"] == "terminated"
    h.advance(DELAY + 5)
    [note] = subscriber.notifications()
    record = h.get(f"{RECORDS}/{note['resourceData']['id']}?$expand=sessions").json()
    [session] = record["sessions"]
    assert session["failureInfo"]["stage"] == "callSetup"
    assert "segments" not in session


def test_an_incoming_call_is_recorded_with_the_caller_as_organizer(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    subscribe(h.client, h.auth(), subscriber, clock)
    call = h.place_incoming()
    assert h.action(call["id"], "answer", _answer()).status_code == 202
    h.advance(h.connect_delay)
    h.advance(10)
    _end(h, call["id"])
    h.advance(DELAY)
    [note] = subscriber.notifications()
    record = h.get(f"{RECORDS}/{note['resourceData']['id']}").json()
    assert record["organizer_v2"]["identity"]["user"]["id"] == JOHN


def _answer() -> dict[str, Any]:
    return {
        "callbackUri": "https://bot.contoso.com/answered",
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
        "acceptedModalities": ["audio"],
    }


def test_permission_tenant_and_unknown_ids(h: Harness, clock: FrozenClock) -> None:
    call = h.establish_p2p()
    _end(h, call["id"])
    h.advance(DELAY)
    record_id = call["callChainId"]
    assert h.get(f"{RECORDS}/{record_id}").status_code == 200
    # TestBot lacks CallRecords.Read.All.
    assert_error(h.get(f"{RECORDS}/{record_id}", app=TEST_BOT), 403, "accessDenied")
    # Another tenant's record is not found.
    assert_error(h.get(f"{RECORDS}/{record_id}", tenant=FABRIKAM), 404, "itemNotFound")
    assert_error(h.get(f"{RECORDS}/no-such-record"), 404, "itemNotFound")
    # Delegated tokens cannot read call records.
    response = h.client.get(f"{RECORDS}/{record_id}", headers=h.auth(user=JOHN))
    assert_error(response, 403, "accessDenied")
    assert h.get(f"/beta/communications/callRecords/{record_id}").status_code == 200


def test_a_phone_call_appears_in_get_pstn_calls(h: Harness, clock: FrozenClock) -> None:
    day = clock.now()
    body = seed("create-call-9")["body"]
    body["targets"][0]["identity"]["phone"]["id"] = "+12345678905"
    call = h.establish_p2p(body)
    h.advance(42)
    _end(h, call["id"])
    h.advance(DELAY)
    window = f"fromDateTime={iso(day - 3600)},toDateTime={iso(day + 3600)}"
    response = h.get(f"{RECORDS}/getPstnCalls({window})")
    assert response.status_code == 200, response.text
    [row] = response.json()["value"]
    assert row["callId"] == call["callChainId"]
    assert row["calleeNumber"] == "+12345678905"
    assert row["callType"] == "ucap_out"
    assert row["duration"] == 42
    direct = h.get(f"{RECORDS}/microsoft.graph.callRecords.getDirectRoutingCalls({window})")
    assert direct.status_code == 200 and direct.json()["value"] == []


def test_the_record_is_durable_with_the_call_end(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    """The publish timer is written in the transaction that ends the call: a process that
    stops before it runs leaves it in the jobs table, and any later runner publishes it."""
    subscribe(h.client, h.auth(), subscriber, clock)
    call = h.establish_p2p()
    _end(h, call["id"])
    jobs = h.client.get("/_callboard/jobs", params={"kind": "callRecord.publish"}).json()
    [job] = jobs["value"]
    assert job["status"] == "pending"
    assert job["run_at"] == iso(clock.now() + DELAY)
    assert job["payload"] == {"recordId": call["callChainId"]}
    # Publishing twice (a job re-run after a lost lock) announces once.
    h.advance(DELAY)
    call_records.publish(h.rt, {"recordId": call["callChainId"]}, job["id"])
    h.run_jobs()
    assert len(subscriber.notifications()) == 1


def test_an_updates_only_subscription_hears_of_a_new_record(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    subscribe(h.client, h.auth(), subscriber, clock, change_type="updated")
    call = h.establish_p2p()
    _end(h, call["id"])
    h.advance(DELAY)
    [note] = subscriber.notifications()
    assert (note["changeType"], note["resourceData"]["id"]) == ("updated", call["callChainId"])


def test_an_incoming_phone_call_appears_in_get_pstn_calls(h: Harness, clock: FrozenClock) -> None:
    start = clock.now()
    call = h.place_incoming(fromUserId=None, fromPhone="+12065550142")
    assert h.action(call["id"], "answer", _answer()).status_code == 202
    h.advance(h.connect_delay)
    h.advance(15)
    _end(h, call["id"])
    h.advance(DELAY)
    window = f"fromDateTime={iso(start - 60)},toDateTime={iso(clock.now())}"
    [row] = h.get(f"{RECORDS}/getPstnCalls({window})").json()["value"]
    assert (row["callType"], row["callerNumber"], row["calleeNumber"]) == (
        "ucap_in",
        "+12065550142",
        None,
    )
    assert row["duration"] >= 15


def test_a_subscription_filtered_by_participant(
    h: Harness, subscriber: Subscriber, clock: FrozenClock
) -> None:
    other = "98da8a1a-1b87-452c-a713-65d3f10b5555"
    subscribe(
        h.client,
        h.auth(),
        subscriber,
        clock,
        resource=f"communications/callRecords?$filter=participants/any(p:p/id eq '{JOHN}')",
    )
    subscribe(
        h.client,
        h.auth(),
        subscriber,
        clock,
        resource=f"communications/callRecords?$filter=participants/any(p:p/id in ('{other}'))",
    )
    call = h.establish_p2p()
    _end(h, call["id"])
    h.advance(DELAY)
    # Only the subscription naming John hears of John's call.
    [note] = subscriber.notifications()
    assert note["resourceData"]["id"] == call["callChainId"]
    bad = {
        "changeType": "created",
        "notificationUrl": subscriber.url,
        "resource": "communications/callRecords?$filter=startDateTime gt 2024-01-01",
        "expirationDateTime": iso(clock.now() + 600),
    }
    assert_error(h.post("/v1.0/subscriptions", bad), 400, "invalidRequest")


def test_list_call_records_with_filters(h: Harness, clock: FrozenClock) -> None:
    first_start = clock.now()
    first = h.establish_p2p()
    _end(h, first["id"])
    h.advance(600)
    second_start = clock.now()
    second = h.establish_p2p(p2p_body("98da8a1a-1b87-452c-a713-65d3f10b5555"))
    _end(h, second["id"])
    h.advance(DELAY)
    listed = h.get(RECORDS).json()
    assert [r["id"] for r in listed["value"]] == [first["callChainId"], second["callChainId"]]
    assert "sessions" not in listed["value"][0] and "participants_v2" not in listed["value"][0]
    after = h.get(f"{RECORDS}?$filter=startDateTime ge {iso(second_start)}").json()["value"]
    assert [r["id"] for r in after] == [second["callChainId"]]
    window = f"startDateTime ge {iso(first_start - 1)} and startDateTime lt {iso(second_start)}"
    assert [r["id"] for r in h.get(f"{RECORDS}?$filter={window}").json()["value"]] == [
        first["callChainId"]
    ]
    johns = h.get(f"{RECORDS}?$filter=participants_v2/any(p:p/id eq '{JOHN}')").json()
    assert [r["id"] for r in johns["value"]] == [first["callChainId"]]
    paged = h.client.get(RECORDS, headers={**h.auth(), "Prefer": "odata.maxpagesize=1"}).json()
    assert len(paged["value"]) == 1
    rest = h.client.get(paged["@odata.nextLink"], headers=h.auth()).json()
    assert [r["id"] for r in rest["value"]] == [second["callChainId"]]
    assert_error(h.get(f"{RECORDS}?$filter=type eq 'peerToPeer'"), 400, "invalidRequest")
    assert_error(h.get(RECORDS, app=TEST_BOT), 403, "accessDenied")
    assert h.get(RECORDS, tenant=FABRIKAM).json()["value"] == []


def test_a_row_stored_before_the_parties_were_typed_reads_and_renders(
    h: Harness, engine: Engine
) -> None:
    """Rows written before ``CallParty``: the document ``dataclasses.asdict`` wrote (and an
    older one still, without the later properties) is read and rendered as it always was."""
    bot = {"application": {"id": CALLING_BOT, "displayName": "Calling Bot"}}
    john = {"user": {"id": JOHN, "displayName": "John"}}
    document: dict[str, Any] = {
        "record_id": "old-record",
        "call_id": "old-call",
        "tenant_id": CONTOSO,
        "app_id": CALLING_BOT,
        "kind": "peerToPeer",
        "direction": "outgoing",
        "started_at": 1000.0,
        "organizer": bot,
        "targets": [john],
        "legs": [
            {
                "participant_id": "p1",
                "identity": bot,
                "joined_at": 1001.0,
                "left_at": 1030.0,
                "modalities": ["audio"],
            },
            {
                "participant_id": "p2",
                "identity": john,
                "joined_at": 1002.0,
                "left_at": 1030.0,
                "modalities": ["audio"],
            },
        ],
        "ended_at": 1030.0,
        "failure": None,
    }
    with engine.begin() as conn:
        conn.execute(
            tables.call_records.insert(),
            {
                "id": "old-record",
                "call_id": "old-call",
                "tenant_id": CONTOSO,
                "app_id": CALLING_BOT,
                "status": "published",
                "started_at": 1000.0,
                "ended_at": 1030.0,
                "document": document,
            },
        )
    record = h.get(f"{RECORDS}/old-record?$expand=sessions,participants_v2").json()
    assert record["organizer"] == bot
    assert record["participants"] == [bot, john]
    assert [p["id"] for p in record["participants_v2"]] == [CALLING_BOT, JOHN]
    assert (record["version"], record["joinWebUrl"]) == (1, None)
    [session] = record["sessions"]
    assert session["caller"]["identity"] == bot and session["callee"]["identity"] == john
    assert (session["startDateTime"], session["endDateTime"]) == (iso(1002.0), iso(1030.0))
