"""Graph never redirects: a path that Starlette would answer with a 307 to another route
(``calls/%2F`` -> ``calls``) is an unknown route in Graph's envelope."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_a_slash_as_the_call_id_is_not_redirected(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    response = app_client.get(
        "/v1.0/communications/calls/%2F", headers=auth(), follow_redirects=False
    )
    assert response.status_code == 404, response.text
    assert "error" in response.json()
