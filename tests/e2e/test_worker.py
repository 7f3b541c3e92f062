"""``callboard worker`` as its own process: a server that runs no jobs
(CALLBOARD_RUN_JOBS_IN_PROCESS=false) and a worker on the same database deliver the
notifications. Both start together on an empty database, as a compose file would start them.
"""

from __future__ import annotations

import signal
from typing import Any

import jwt
import pytest

from tests.conftest import CALLING_BOT
from tests.e2e.conftest import Launcher
from tests.e2e.live import callboard_env, wait_for
from tests.support import Receiver, seed

pytestmark = pytest.mark.slow


def test_worker_delivers_for_a_server_that_runs_no_jobs(
    fresh_database_url: str, receiver: Receiver, launcher: Launcher
) -> None:
    # The virtual clock is per process: advancing the server's would not move the worker's,
    # so the simulated callee answers at once instead.
    timing = {"connect_delay_seconds": 0, "answer_delay_seconds": 0}
    # Each process rewrites the bot's host to its own path: the path shows who delivered.
    worker = launcher.worker(
        fresh_database_url,
        callboard_env(f"{receiver.url}/via-worker", runner_poll_seconds=0.05, **timing),
    )
    server = launcher.serve(
        fresh_database_url,
        callboard_env(f"{receiver.url}/via-server", run_jobs_in_process=False, **timing),
    )
    assert worker.running, worker.log()
    token = server.token(CALLING_BOT)

    response = server.graph(
        "POST", "/communications/calls", token, json=seed("create-call-1")["body"]
    )
    assert response.status_code == 201, response.text
    call_id = response.json()["id"]

    def call_jobs() -> list[dict[str, Any]]:
        return [j for j in server.jobs() if j["payload"].get("callId") == call_id]

    def due_now(job: dict[str, Any]) -> bool:
        # The call's keepAlive expiry is 45 minutes away: not a job to run yet.
        return bool(job["payload"].get("action") != "keepAliveLapsed")

    wait_for(
        lambda: (
            "established" in receiver.states(call_id)
            and all(j["status"] == "done" for j in call_jobs() if due_now(j))
        ),
        what="the worker to run every job of the call",
    )
    expiry = [j for j in call_jobs() if not due_now(j)]
    assert [j["status"] for j in expiry] == ["pending"]
    assert receiver.states(call_id) == ["establishing", "established"]
    deliveries = [j for j in call_jobs() if j["kind"] == "webhook.deliver"]
    assert len(receiver.received) == len(deliveries)
    assert {r.path for r in receiver.received} == {"/via-worker/callback"}
    # The worker's writes are the server's state.
    assert server.call_state(call_id, token) == "established"

    # The worker signs with a key the server publishes: one key ring, in the database.
    jwks = server.http.get("/v1/keys").json()["keys"]
    for item in receiver.received:
        notification_token = item.headers["authorization"].removeprefix("Bearer ")
        kid = jwt.get_unverified_header(notification_token)["kid"]
        (jwk,) = [k for k in jwks if k["kid"] == kid]
        claims = jwt.decode(
            notification_token, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience=CALLING_BOT
        )
        assert claims["iss"] == "https://api.botframework.com"

    assert worker.stop(signal.SIGTERM) == 0, worker.log()[-4000:]
