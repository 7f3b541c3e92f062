"""Fixtures of the call-record, presence-subscription and attendance tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from callboard.services.runtime import Runtime
from tests.api.calling import Harness
from tests.records.support import Subscriber
from tests.schema.capture import Watch
from tests.support import Receiver


@pytest.fixture
def subscriber(graph_watch: Watch) -> Iterator[Subscriber]:
    s = Subscriber()
    yield s
    s.close()
    graph_watch.notifications(list(s.bodies))


@pytest.fixture
def h(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    rt: Runtime,
) -> Harness:
    return Harness(app_client, auth, receiver, run_jobs, advance, rt)
