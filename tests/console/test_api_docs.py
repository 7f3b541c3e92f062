"""``/docs`` works offline: every URL its page loads is Callboard's own and answers."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient


def test_docs_reference_only_local_urls_that_answer(app_client: TestClient) -> None:
    page = app_client.get("/docs")
    assert page.status_code == 200
    html = page.text
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""url:\s*['"]([^'"]+)['"]""", html)
    assert urls
    assert not re.search(r"https?://", html), "the page names an external URL"
    for url in urls:
        parts = urlsplit(urljoin("http://callboard.test/docs", url))
        assert parts.netloc == "callboard.test", url
        response = app_client.get(parts.path)
        assert response.status_code == 200, url
        assert response.content
    assert (
        app_client.get("/docs/assets/swagger-ui-bundle.js")
        .headers["content-type"]
        .startswith("text/javascript")
    )


def test_other_asset_names_are_not_served(app_client: TestClient) -> None:
    assert app_client.get("/docs/assets/index.html").status_code == 404
    assert app_client.get("/docs/assets/..%2F__init__.py").status_code == 404
    assert app_client.get("/redoc").status_code == 404


def test_graph_routes_declare_the_bearer_scheme(app_client: TestClient) -> None:
    document = app_client.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    create_call = document["paths"]["/v1.0/communications/calls"]["post"]
    assert create_call["security"] == [{"bearerAuth": []}]
    assert document["paths"]["/beta/communications/calls/{call_id}"]["get"]["security"]
    for path, operations in document["paths"].items():
        if not path.startswith(("/v1.0/", "/beta/")):
            for operation in operations.values():
                assert "security" not in operation, path
