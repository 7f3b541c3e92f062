"""Property-based fuzzing of every operation in the served OpenAPI document: whatever the
path ids, query values, tokens and bodies, the answer is never a 5xx.

Hypothesis drives it directly (schemathesis would bring a heavy dependency tree for the same
check). Bodies follow the operation's schema part of the time, so requests get past parsing
into the services, and are arbitrary JSON the rest; strings come from a pool of hostile values
(NUL, unpaired surrogates, malformed URLs, huge numbers). The run is derandomised and bounded:
the same examples every run, a few seconds per database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.calling import p2p_body
from tests.conftest import DEV_APP

Auth = Callable[..., dict[str, str]]
Schema = dict[str, Any]

HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff x",
    "\U0001f600",
    "%00",
    "../..",
    "'",
    "' or 1 eq 1",
    "\\",
    "[",
    "https://[::1/cb",
    "https://[zz]/cb",
    "https://bot.contoso.com:99999/cb",
    "http://127.0.0.1:3978/cb",
    "https://bot.contoso.com/api/calls",
    "+14255550100",
    "alice@callboard.dev",
    "a11ce000-0000-4000-8000-000000000001",
    "b0b00000-0000-4000-8000-000000000002",
    "#microsoft.graph.call",
    "#microsoft.graph.serviceHostedMediaConfig",
    "audio",
    "x" * 5000,
]
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 2**31, 2**63, 1e308]),
)
STRINGS = st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=12))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, STRINGS)
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(STRINGS, inner, max_size=3)
    ),
    max_leaves=8,
)


def _resolve(spec: Schema, schema: Schema) -> Schema:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def from_schema(spec: Schema, schema: Schema, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that mostly fit ``schema``, with hostile strings where it asks for text."""
    schema = _resolve(spec, schema)
    if depth > 4:
        return SCALARS
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return st.one_of(*(from_schema(spec, option, depth + 1) for option in options))
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]), STRINGS)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {
                name: from_schema(spec, sub, depth + 1)
                for name, sub in properties.items()
                if name in required
            },
            optional={
                name: from_schema(spec, sub, depth + 1)
                for name, sub in properties.items()
                if name not in required
            },
        )
    if kind == "array":
        items = from_schema(spec, schema.get("items", {}), depth + 1)
        return st.lists(items, max_size=3)
    if kind in ("integer", "number"):
        return NUMBERS
    if kind == "boolean":
        return st.one_of(st.booleans(), SCALARS)
    if kind == "string":
        return STRINGS
    return ANY_JSON


def operations(spec: Schema) -> list[tuple[str, str, Schema]]:
    found = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            found.append((method.upper(), path, operation))
    return found


def _leaves(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*at, key))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*at, i))]
    return [at]


def _replaced(value: Any, at: tuple[Any, ...], new: Any) -> Any:
    if not at:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[at[0]] = _replaced(value[at[0]], at[1:], new)
    return copy


def mutated(valid: Any) -> st.SearchStrategy[Any]:
    """A valid body with one value swapped for a hostile one: reaches the services."""
    return st.builds(_replaced, st.just(valid), st.sampled_from(_leaves(valid)), SCALARS)


# Valid bodies to mutate, by the end of the operation's path.
VALID_BODIES = {
    "/communications/calls": p2p_body(),
    "/onlineMeetings": {
        "subject": "Fuzz",
        "startDateTime": "2026-01-01T10:00:00Z",
        "endDateTime": "2026-01-01T11:00:00Z",
    },
}


def body_for(spec: Schema, path: str, operation: Schema) -> st.SearchStrategy[Any]:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:  # UCWA reads its own bodies; the admin routes take free JSON
        return ANY_JSON
    choices = [from_schema(spec, schema), ANY_JSON]
    choices += [mutated(v) for end, v in VALID_BODIES.items() if path.endswith(end)]
    return st.one_of(*choices)


def id_values(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(known), STRINGS)


def encode(value: str) -> str:
    return quote(value, safe="", errors="surrogatepass")


@pytest.fixture
def known_ids(app_client: TestClient, auth: Auth) -> dict[str, list[str]]:
    """Ids of a real call, meeting and UCWA application, so some requests find something."""
    alice = auth(app=DEV_APP, tenant=None, user="alice@callboard.dev")
    call = app_client.post("/v1.0/communications/calls", json=p2p_body(), headers=auth())
    meeting = app_client.post("/v1.0/me/onlineMeetings", json={"subject": "x"}, headers=alice)
    ucwa = app_client.post(
        "/ucwa/oauth/v1/applications",
        json={"culture": "en-US", "endpointId": "fuzz", "userAgent": "fuzz"},
        headers=alice,
    )
    assert call.status_code == 201 and meeting.status_code == 201 and ucwa.status_code == 201
    app_href = ucwa.json()["_links"]["self"]["href"]
    return {
        "call_id": [call.json()["id"]],
        "meeting_id": [meeting.json()["id"]],
        "app_id": [app_href.rsplit("/", 1)[-1]],
        "user_id": ["alice@callboard.dev", "a11ce000-0000-4000-8000-000000000001"],
    }


def test_no_operation_answers_5xx(
    app_client: TestClient, auth: Auth, known_ids: dict[str, list[str]]
) -> None:
    spec: Schema = app_client.get("/openapi.json").json()
    # A client that answers 500 instead of raising would hide the traceback: keep raising.
    client = app_client
    tokens = [
        auth(),
        auth(app=DEV_APP, tenant=None, user="alice@callboard.dev"),
        {},
        {"Authorization": "Bearer not-a-token"},
    ]
    ops = operations(spec)

    @st.composite
    def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str], Any]:
        method, template, operation = draw(st.sampled_from(ops))
        path = template
        query: list[str] = []
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            value = draw(id_values(known_ids.get(name, ["x"])))
            if parameter["in"] == "path":
                path = path.replace("{" + name + "}", encode(value) or "x")
            elif parameter["in"] == "query" and draw(st.booleans()):
                query.append(f"{encode(name)}={encode(value)}")
        if query:
            path += "?" + "&".join(query)
        headers = dict(draw(st.sampled_from(tokens)))
        body = None
        if method in ("POST", "PUT", "PATCH"):
            body = draw(body_for(spec, template, operation))
            headers["Content-Type"] = draw(
                st.sampled_from(["application/json", "application/vnd.microsoft.com.ucwa+json"])
            )
        return method, path, headers, body

    @settings(
        max_examples=300,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests())
    def check(request: tuple[str, str, dict[str, str], Any]) -> None:
        method, path, headers, body = request
        content = None if body is None else json.dumps(body).encode()
        response = client.request(method, path, content=content, headers=headers)
        assert response.status_code < 500, f"{method} {path}: {response.text[:500]}"

    check()


def test_the_fuzzer_reaches_every_operation(app_client: TestClient) -> None:
    spec: Schema = app_client.get("/openapi.json").json()
    paths = {path for _, path, _ in operations(spec)}
    assert any(re.match(r"/v1\.0/communications/calls/\{call_id\}/answer$", p) for p in paths)
    assert any(p.startswith("/ucwa/") for p in paths)
    assert any(p.startswith("/_callboard/") for p in paths)
