"""Graph answers a missing or bad token with 401 before it says anything about the body or
the path: whatever the hot routes do to authenticate, that order holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support import seed

URL = "/v1.0/communications/calls"

BAD_BODIES: list[Any] = [
    {"callbackUri": 5},  # a wrong type
    {"@odata.type": "#microsoft.graph.nothing"},  # no such type
    [],  # not an object
]


def _assert_401(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


@pytest.mark.parametrize("body", BAD_BODIES)
@pytest.mark.parametrize("header", [None, "Bearer nope"])
def test_create_call_with_a_bad_body_and_no_valid_token_is_401(
    app_client: TestClient, body: Any, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    _assert_401(app_client.post(URL, json=body, headers=headers))


def test_create_call_without_a_body_or_a_token_is_401(app_client: TestClient) -> None:
    _assert_401(app_client.post(URL))


@pytest.mark.parametrize("body", BAD_BODIES)
def test_create_call_with_a_bad_body_and_a_good_token_is_400(
    app_client: TestClient, auth: Callable[..., dict[str, str]], body: Any
) -> None:
    response = app_client.post(URL, json=body, headers=auth())
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalidRequest"


def test_create_call_without_a_body_and_a_good_token_is_400(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    response = app_client.post(URL, headers=auth())
    assert response.status_code == 400, response.text


def test_get_call_without_a_token_is_401_and_with_one_404(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    _assert_401(app_client.get(f"{URL}/no-such-call"))
    response = app_client.get(f"{URL}/no-such-call", headers=auth())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "itemNotFound"


def test_created_call_answers_the_same_on_get(
    app_client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    created = app_client.post(URL, json=seed("create-call-1")["body"], headers=auth())
    assert created.status_code == 201, created.text
    path = f"{URL}/{created.json()['id']}"
    assert created.headers["location"].endswith(path)
    fetched = app_client.get(path, headers=auth())
    assert fetched.status_code == 200
    assert fetched.json()["@odata.context"] == created.json()["@odata.context"]
    assert fetched.headers["odata-version"] == "4.0"
