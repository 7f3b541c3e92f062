"""Timer steps that fall due together share one transaction; a failing one stays its own.

The runner applies the due ``call.progress`` steps of a slice in one unit of work
(``simulation.run_steps``). When one of them fails nothing of that transaction is written
and the steps run again one by one: the others take effect exactly once, and the failing
one is retried on its own, as when every step had its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from callboard.services.runtime import Runtime
from callboard.services.simulation import CALL_PROGRESS
from callboard.store.jobs import NewJob
from tests.support import Receiver, seed

URL = "/v1.0/communications/calls"


def _call(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post(URL, json=seed("create-call-1")["body"], headers=headers)
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def _jobs(rt: Runtime) -> list[dict[str, Any]]:
    with rt.uow() as uow:
        return uow.jobs.list_page(status=None, kind=CALL_PROGRESS, skip=0, top=1000)


def test_a_failing_step_among_due_steps_fails_alone(
    app_client: TestClient,
    rt: Runtime,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
) -> None:
    headers = auth()
    first = _call(app_client, headers)
    # Due with the calls' rings, between them: a step no handler knows (a bug's stand-in).
    with rt.uow() as uow:
        due = uow.now + rt.settings.connect_delay_seconds
        bogus = NewJob(CALL_PROGRESS, {"callId": first, "action": "bogus"}, due, None, 10)
        uow.jobs.add_all([bogus], uow.now)
        uow.commit()
    second = _call(app_client, headers)
    run_jobs()  # the establishing notifications

    advance(rt.settings.connect_delay_seconds)
    jobs = _jobs(rt)
    (failed,) = [j for j in jobs if j["payload"]["action"] == "bogus"]
    assert failed["status"] == "pending"
    assert failed["attempts"] == 1
    assert "unknown call.progress action 'bogus'" in failed["last_error"]
    rings = [j for j in jobs if j["payload"]["action"] == "ring"]
    assert [j["payload"]["callId"] for j in rings] == [first, second]
    assert all(j["status"] == "done" and j["attempts"] == 1 for j in rings)
    # Each call rang once: one answer step each.
    answers = [j["payload"]["callId"] for j in jobs if j["payload"]["action"] == "answer"]
    assert answers == [first, second]

    advance(rt.settings.answer_delay_seconds)
    assert receiver.states(first) == ["establishing", "established"]
    assert receiver.states(second) == ["establishing", "established"]
