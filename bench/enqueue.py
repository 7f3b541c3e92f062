"""Fill a database with ``webhook.deliver`` jobs through the service layer, without a server.

Run as ``python -m bench.enqueue DATABASE_URL APP_ID NOTIFICATIONS`` (the benchmark runs it in
a subprocess, with the same source tree as the server); prints ``{"queued", "seconds"}``.

Each call is placed with ``calls.create_call`` (seed 003 example 1's body), then rung and
answered with ``simulation.run_step``: the real outbox writes its two v1.0 notifications
(establishing, then established; peer-to-peer calls notify no roster), FIFO per call.
The simulated parties' own timers are scheduled an hour ahead, so the server that later
drains the backlog only delivers.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from callboard.api.graph.schemas import CallCreate
from callboard.app import build_services
from callboard.config import load_settings
from callboard.services import calls, simulation
from callboard.services.notifications import WEBHOOK_DELIVER
from callboard.services.token_issuing import issue_token
from callboard.store import tables

NOTIFICATIONS_PER_CALL = 2


def enqueue(database_url: str, app_id: str, body: dict[str, Any], notifications: int) -> int:
    """Place ``notifications // 2`` calls; returns the number of pending deliveries."""
    settings = load_settings(
        database_url=database_url,
        connect_delay_seconds=3600.0,
        answer_delay_seconds=3600.0,
        # Longer than the answer delay: ringing schedules the (hour-away) answer, not a
        # ringing timeout that would fall due while the backlog drains.
        ringing_timeout_seconds=7200.0,
        run_jobs_in_process=False,
    )
    services = build_services(settings)
    rt = services.runtime
    principal = rt.keyring.verify_access_token(issue_token(rt, app_id=app_id), rt.clock.now())
    validated = CallCreate.model_validate(body)
    for _ in range(max(1, notifications // NOTIFICATIONS_PER_CALL)):
        call = calls.create_call(rt, principal, validated.new_call(), api_version="v1.0")
        target = next(iter(call.invitations))
        for action in ("ring", "answer"):
            simulation.run_step(rt, {"callId": call.id, "action": action, "target": target}, 0)
    with rt.engine.connect() as conn:
        pending = conn.execute(
            tables.jobs.select().where(
                tables.jobs.c.kind == WEBHOOK_DELIVER, tables.jobs.c.status == "pending"
            )
        ).all()
    rt.engine.dispose()
    return len(pending)


def main() -> None:
    from bench.procs import seed_body

    database_url, app_id, notifications = sys.argv[1], sys.argv[2], int(sys.argv[3])
    started = time.perf_counter()
    queued = enqueue(database_url, app_id, seed_body(), notifications)
    print(json.dumps({"queued": queued, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
