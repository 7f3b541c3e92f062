"""The prefix gates in front of the included routers (``api/route_gates.py``) answer exactly
what FastAPI's own matching answers: every route is still found, 404 and 405 stay apart, and
the OpenAPI document lists the same operations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Match

from callboard import app as app_module
from callboard.api import route_gates


@pytest.fixture(scope="module")
def gated() -> FastAPI:
    return app_module.build_app()


def _gated_entries(app: FastAPI) -> list[Any]:
    return [e for e in app.router.routes if hasattr(e, route_gates.PREFIX_ATTRIBUTE)]


def _route_paths(app: FastAPI, *, documented_only: bool = False) -> Iterator[tuple[str, set[str]]]:
    """Each route's template and methods; ``documented_only`` leaves out the routes the
    OpenAPI document leaves out (the console's event stream, which never ends)."""
    for entry in app.router.routes:
        contexts = getattr(entry, "effective_route_contexts", None)
        if contexts is None:
            continue
        for context in contexts():
            if documented_only and not getattr(context, "include_in_schema", True):
                continue
            methods = getattr(context, "methods", None) or {"GET"}
            yield context.path_format, set(methods)


def _concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", template)


def _scope(path: str, method: str = "GET", root_path: str = "") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": root_path + path,
        "root_path": root_path,
        "headers": [],
        "query_string": b"",
    }


def test_the_graph_admin_and_ucwa_routers_are_gated(gated: FastAPI) -> None:
    prefixes = {getattr(e, route_gates.PREFIX_ATTRIBUTE) for e in _gated_entries(gated)}
    assert {"/v1.0/communications/calls", "/beta/", "/_callboard/health", "/ucwa/"} <= prefixes


def test_a_gate_answers_what_fastapi_answers(gated: FastAPI) -> None:
    """For every route's path (and near misses), with and without a root path, each gated
    entry's answer is its ungated answer."""
    probes = ["/", "/nothing", "/v1.0", "/v1.0/", "/beta/communications/calls/"]
    for template, _ in _route_paths(gated):
        path = _concrete(template)
        probes += [path, path + "/", path.rstrip("/") + "x", path.upper()]
    entries = _gated_entries(gated)
    assert entries
    seen_full = 0
    for entry in entries:
        ungated = type(entry).__mro__[1].matches
        for path in probes:
            for method in ("GET", "POST", "PUT"):
                for root_path in ("", "/proxy"):
                    scope = _scope(path, method, root_path)
                    got = entry.matches(dict(scope))
                    want = ungated(entry, dict(scope))
                    assert got[0] == want[0], (entry, path, method, root_path)
                    seen_full += got[0] == Match.FULL
    assert seen_full > 100


def test_every_route_is_still_found(gated: FastAPI) -> None:
    """A request for any route's path gets past routing: no 404 that says the segment is
    unknown (the route itself may still answer 401, 404 for an unknown id, and so on)."""
    client = TestClient(gated, raise_server_exceptions=False)
    for template, methods in _route_paths(gated, documented_only=True):
        if "{path" in template:
            continue
        path = _concrete(template)
        method = sorted(methods)[0]
        response = client.request(method, path)
        assert response.status_code != 405, (method, path)
        if response.status_code == 404:
            assert "Resource not found for the segment" not in response.text, (method, path)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("PUT", "/v1.0/communications/calls", 405),
        ("PUT", "/beta/communications/calls/x1/answer", 405),
        ("DELETE", "/_callboard/health", 405),
        ("GET", "/v1.0/nothing/here", 404),
        ("GET", "/beta/communications/nothing", 404),
        ("GET", "/_callboard/nothing", 404),
        ("GET", "/nothing", 404),
    ],
)
def test_404_and_405_stay_apart(gated: FastAPI, method: str, path: str, status: int) -> None:
    response = TestClient(gated).request(method, path)
    assert response.status_code == status, response.text


def test_the_openapi_document_is_unchanged(gated: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(route_gates, "install", lambda app: 0)
    ungated = app_module.build_app()
    assert not _gated_entries(ungated)
    assert gated.openapi() == ungated.openapi()


def test_static_prefix() -> None:
    assert route_gates.static_prefix(["/a/b/{id}", "/a/b/{id}/c"]) == "/a/b/"
    assert route_gates.static_prefix(["/a/b", "/a/c/{id}"]) == "/a/"
    assert route_gates.static_prefix(["/{tenant}/x", "/a"]) == "/"


@pytest.mark.parametrize(
    ("path", "root_path", "expected"),
    [
        ("/v1.0/x", "", "/v1.0/x"),
        ("/proxy/v1.0/x", "/proxy", "/v1.0/x"),
        ("/proxy", "/proxy", ""),
        ("/proxyish/v1.0", "/proxy", "/proxyish/v1.0"),
        ("/other", "/proxy", "/other"),
    ],
)
def test_route_path_is_starlettes(path: str, root_path: str, expected: str) -> None:
    from starlette._utils import get_route_path

    scope = {"path": path, "root_path": root_path}
    assert route_gates.route_path(scope) == get_route_path(scope) == expected
