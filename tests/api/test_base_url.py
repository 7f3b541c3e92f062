"""``deps.base_url`` remembers Starlette's base URL per scheme, host and root path: the
remembered answer is always the one Starlette would give, and the memory stays bounded."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from starlette.requests import Request

from callboard.api import deps


def _request(
    *, host: bytes | None, scheme: str = "http", root_path: str = "", base: str | None = None
) -> Request:
    headers = [(b"host", host)] if host is not None else []
    runtime = SimpleNamespace(settings=SimpleNamespace(base_url=base))
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "scheme": scheme,
        "path": "/v1.0/communications/calls/x",
        "root_path": root_path,
        "query_string": b"",
        "headers": headers,
        "server": ("10.0.0.1", 8443),
        "app": SimpleNamespace(state=SimpleNamespace(runtime=runtime)),
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("host", "scheme", "root_path", "expected"),
    [
        (b"example.org:8765", "http", "", "http://example.org:8765"),
        (b"example.org", "https", "/api", "https://example.org/api"),
        (None, "https", "", "https://10.0.0.1:8443"),
        (b"bad host!", "http", "", "http://10.0.0.1:8443"),
    ],
)
def test_base_url_is_starlettes(
    host: bytes | None, scheme: str, root_path: str, expected: str
) -> None:
    for _ in range(2):  # computed, then remembered
        request = _request(host=host, scheme=scheme, root_path=root_path)
        assert deps.base_url(request) == expected == str(request.base_url).rstrip("/")
    assert deps.graph_root(request) == f"{expected}/v1.0"


def test_configured_base_url_wins() -> None:
    request = _request(host=b"example.org", base="https://graph.example.com/")
    assert deps.base_url(request) == "https://graph.example.com"


def test_remembered_base_urls_stay_bounded() -> None:
    for n in range(deps._BASE_URLS_MAX * 2):
        host = f"h{n}.example.org".encode()
        assert deps.base_url(_request(host=host)) == f"http://h{n}.example.org"
        assert len(deps._BASE_URLS) <= deps._BASE_URLS_MAX
