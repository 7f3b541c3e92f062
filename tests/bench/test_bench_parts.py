"""The benchmark's parts, without starting servers: a run of ``python -m bench --quick`` takes
minutes on a busy machine, so the suite checks that each row is produced from its figures,
that the receiver detects out-of-order notifications, and that the ceiling app and the
create-then-delete load generator do what the rows rely on. No timing assertions."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web
from bench.ceiling import CALL_BYTES, app
from bench.goals import MEMORY_CALLS, backlog_ok, memory_ok
from bench.loadgen import Request, run_create_delete
from bench.options import ROWS, parse_args
from bench.receiver import OrderCheck
from bench.report import Report, report
from bench.results import Drain, Load, Memory, Results
from starlette.testclient import TestClient


def notification(
    call: str, version: int, state: str | None = None, sub: str = ""
) -> dict[str, Any]:
    data: dict[str, Any] = {"@odata.etag": f'W/"{version}"'}
    if state is not None:
        data["state"] = state
    return {"resourceUrl": f"/communications/calls/{call}{sub}", "resourceData": data}


def test_order_check_accepts_each_calls_notifications_in_order() -> None:
    order = OrderCheck()
    for n in (
        notification("a", 1, "establishing"),
        notification("b", 1, "establishing"),
        notification("a", 2, "established"),
        notification("a", 3, sub="/operations/op1"),
        notification("a", 4, "terminating"),
        notification("a", 4, "terminated"),
        notification("b", 2, "established"),
        {"resourceUrl": "/communications/calls/a/participants", "resourceData": [{}]},
    ):
        order.see(n)
    assert order.violations == 0
    assert set(order.last) == {"a", "b"}


def test_order_check_counts_a_lower_version_or_a_state_going_back() -> None:
    order = OrderCheck()
    order.see(notification("a", 2, "established"))
    order.see(notification("a", 1, "establishing"))
    assert order.violations == 1
    order.see(notification("a", 5, "terminated"))
    order.see(notification("a", 5, "terminating"))
    assert order.violations == 2
    order.see(notification("a", 5, sub="/operations/op1"))  # same commit, no state: in order
    assert order.violations == 2


def test_ceiling_parses_the_body_and_answers_a_2_kb_call() -> None:
    with TestClient(app) as client:
        created = client.post("/v1.0/communications/calls", json={"callbackUri": "x"})
        got = client.get("/v1.0/communications/calls/abc")
        with pytest.raises(json.JSONDecodeError):  # the body is really parsed
            client.post(
                "/v1.0/communications/calls",
                content=b"{not json",
                headers={"Content-Type": "application/json"},
            )
    assert created.status_code == 201
    assert len(created.content) == CALL_BYTES
    assert json.loads(created.content)["@odata.type"] == "#microsoft.graph.call"
    assert got.status_code == 200
    assert got.content == created.content


def test_options_quick_only_and_aliases() -> None:
    quick = parse_args(["--quick", "--only", "get,ceiling,notify"])
    assert quick.rows == ("ceiling", "get", "drain")  # run order, aliases resolved
    assert quick.duration < 8 and quick.memory_calls < MEMORY_CALLS
    full = parse_args([])
    assert full.rows == ROWS
    assert (full.duration, full.warmup, full.connections) == (8.0, 2.0, 32)
    assert full.memory_calls == MEMORY_CALLS
    with pytest.raises(SystemExit):
        parse_args(["--only", "ceiling,nonsense"])


def test_goal_judgements() -> None:
    assert backlog_ok(100, 150, delivered_per_s=800)
    assert not backlog_ok(100, 1000, delivered_per_s=800)
    assert memory_ok(40.0, 1.0, 100_000, 25_000)
    assert not memory_ok(151.0, 0.0, 100_000, 25_000)
    # Still growing at the main batch's rate: missed even under 150 MB.
    assert not memory_ok(100.0, 25.0, 100_000, 25_000)


def load(rps: float, p99: float = 5.0, **extra: Any) -> Load:
    values: dict[str, Any] = {
        "rps": rps,
        "p50_ms": p99 / 2,
        "p99_ms": p99,
        "completed": int(rps * 8),
        "statuses": {201: int(rps * 8)},
        "unexpected": 0,
        "errors": 0,
        "server_cpu": 1.0,
        "client_cpu": 0.3,
        "receiver_cpu": 0.1,
        "seconds": 8.0,
    }
    values.update(extra)
    return Load(**values)


def every_row() -> Results:
    create = load(5000, 12.0, notified=40000, backlog_start=50, backlog=60, calls=50000)
    create.cpu_ms_per_call = 0.4
    return Results(
        ceiling=[load(10000, 4.0)],
        health=[load(9000, 4.0)],
        create=[create],
        create_idle=[load(6000, 10.0, cpu_ms_per_call=0.3)],
        create_pg=[load(3500, 25.0, cpu_ms_per_call=1.0)],
        get=[load(7000, 6.0)],
        drain=[Drain(10000, 10000, 0, 1.5, 1.4, 3.0, 0.9, received=10000, calls=5000)],
        memory=[Memory(100_000, 25_000, 100 << 20, 160 << 20, 161 << 20, 90.0, 0, 0)],
    )


def test_report_prints_every_row_with_its_goal_and_verdict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    opts = parse_args([])
    summary = report(opts, every_row())
    out = capsys.readouterr().out
    for mark in ("(b)", "(h)", "(1)", "(1')", "(2)", "(3)", "(4)", "(5)", "(6)"):
        assert mark in out
    assert summary["verdicts"] == {
        "create_p99": True,
        "create_ratio": True,
        "backlog": True,
        "create_pg_p99": True,
        "create_pg_ratio": True,
        "drain": True,
        "drain_order": True,
        "memory": True,
        "get_p99": True,
        "get_ratio": True,
    }
    assert summary["ratios"]["create"] == pytest.approx(0.5)
    assert summary["client_saturated"] is False


def test_report_misses_goals_and_says_why_a_row_was_skipped() -> None:
    results = every_row()
    results.create = [load(3000, 25.0, backlog_start=10, backlog=9000, notified=8000)]
    results.create_pg = []
    results.skipped["create-pg"] = "PostgreSQL is not reachable"
    results.drain[0].order_violations = 3
    results.get[0].client_cpu = 0.95
    results.memory[0].rss_after = results.memory[0].rss_start + (200 << 20)
    table = Report(parse_args([]), results)
    table.rows()
    verdicts = table.summary["verdicts"]
    assert verdicts["create_p99"] is False
    assert verdicts["create_ratio"] is False
    assert verdicts["backlog"] is False
    assert verdicts["drain_order"] is False
    assert verdicts["memory"] is False
    assert "create_pg_p99" not in verdicts
    assert table.summary["client_saturated"] is True
    assert any("PostgreSQL is not reachable" in str(c) for c in table.table.columns[0].cells)


def test_report_does_not_judge_memory_below_the_goals_call_count() -> None:
    results = every_row()
    results.memory = [Memory(1000, 250, 100 << 20, 101 << 20, 101 << 20, 3.0, 0, 0)]
    table = Report(parse_args(["--quick"]), results)
    table.rows()
    assert table.summary["verdicts"]["memory"] is None


def test_create_delete_ends_every_call_it_creates() -> None:
    created: list[str] = []
    deleted: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        if request.method == "POST":
            await request.read()
            created.append(f"c{len(created)}")
            location = f"http://127.0.0.1/v1.0/communications/calls/{created[-1]}"
            return web.Response(status=201, headers={"Location": location}, body=b"{}")
        deleted.append(request.path.rsplit("/", 1)[1])
        return web.Response(status=204)

    async def scenario() -> tuple[int, int, int]:
        server = web.Server(handle, access_log=None)
        runner = web.ServerRunner(server)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            create = Request("POST", "/v1.0/communications/calls", {}, b"{}", expect=201)
            delete = Request("DELETE", "/", {"Authorization": "Bearer t"}, expect=204)
            got = await run_create_delete("127.0.0.1", port, create, delete, 50, connections=4)
        finally:
            await runner.cleanup()
        return got.created, got.ended, got.unexpected + got.errors

    assert asyncio.run(scenario()) == (50, 50, 0)
    assert sorted(created) == sorted(deleted)
