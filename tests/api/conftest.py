"""Fixtures shared by the API tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from callboard.services.runtime import Runtime
from tests.api.calling import Harness
from tests.support import Receiver


@pytest.fixture
def h(
    app_client: TestClient,
    auth: Callable[..., dict[str, str]],
    receiver: Receiver,
    run_jobs: Callable[[], int],
    advance: Callable[[float], int],
    rt: Runtime,
) -> Harness:
    """The client, tokens, receiver and clock of one test, with the call helpers."""
    return Harness(app_client, auth, receiver, run_jobs, advance, rt)
