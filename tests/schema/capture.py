"""Checks every Graph body the tests see: responses of the shared test client and the
notifications the loopback receiver gets. ``conftest.py`` hooks them in; a test whose
traffic breaks the schema errors at teardown with every violation listed.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tests.schema.csdl import Schema, graph_schema
from tests.schema.routes import (
    CHANGE_NOTIFICATIONS,
    NOTIFICATIONS,
    Expected,
    is_graph_v1,
    resource_type,
    response_type,
)


@dataclass
class Tally:
    """What was checked (per process; ``tests/schema/summary.py`` adds up the workers)."""

    bodies: int = 0
    notifications: int = 0
    skipped: int = 0


TALLY = Tally()


def check_response(
    method: str, url: str, status: int, content: bytes, request_content: bytes = b""
) -> list[str]:
    """Violations of one response (an empty list when it conforms or is not Graph v1.0)."""
    path = urlsplit(url).path
    if not is_graph_v1(path):
        TALLY.skipped += 1
        return []
    where = f"{method} {path} -> {status}"
    TALLY.bodies += 1
    if status >= 400:
        return [f"{where}: {e}" for e in error_problems(content)]
    schema = graph_schema()
    try:
        expected = response_type(schema, method, path)
    except KeyError as exc:
        return [f"{where}: {exc.args[0]}"]
    if expected.type is None:
        return [] if content == b"" else [f"{where}: the action returns nothing, got {content!r}"]
    try:
        body = json.loads(content)
    except ValueError:
        return [f"{where}: expected a JSON {expected.type}, got {content[:80]!r}"]
    if expected.type.startswith("Edm.") and isinstance(body, dict):
        # A function returning a primitive: OData wraps it as {"@odata.context", "value"}.
        extra = set(body) - {"@odata.context", "value"}
        problems = [f"not allowed on a primitive response: {sorted(extra)}"] if extra else []
        return [
            f"{where}: {e}" for e in problems + schema.validate(body.get("value"), expected.type)
        ]
    dynamic = _client_keys(request_content) if method in ("POST", "PATCH") else frozenset()
    return [f"{where}: {e}" for e in _check(schema, body, expected, dynamic=dynamic)]


def _client_keys(request_content: bytes) -> frozenset[str]:
    try:
        sent = json.loads(request_content) if request_content else None
    except ValueError:
        return frozenset()
    return frozenset(sent) if isinstance(sent, dict) else frozenset()


def check_notification(body: Any) -> list[str]:
    """Violations of one notification POST (``commsNotifications``) and its resources."""
    TALLY.notifications += 1
    schema = graph_schema()
    if _is_change_notification(body):
        # A subscription's change or lifecycle notification. Its resourceData names the
        # changed resource's own type (Graph's examples), which resourceData does not derive
        # from: checked as a name, and the rest against resourceData.
        errors = []
        body = copy.deepcopy(body)
        for index, item in enumerate(body["value"]):
            data = item.get("resourceData")
            if isinstance(data, dict) and not str(data.pop("@odata.type", "#")).startswith("#"):
                errors.append(f"$.value[{index}].resourceData.@odata.type is not '#type'")
        errors.extend(_check(schema, body, Expected(CHANGE_NOTIFICATIONS)))
        return [f"notification {_summary(body)}: {e}" for e in errors]
    errors = _check(schema, body, Expected(NOTIFICATIONS))
    for index, item in enumerate(body.get("value") or [] if isinstance(body, dict) else []):
        if not isinstance(item, dict) or not isinstance(item.get("resourceUrl"), str):
            continue
        try:
            expected = resource_type(item["resourceUrl"])
        except KeyError as exc:
            errors.append(exc.args[0])
            continue
        if "resourceData" not in item:
            errors.append(f"$.value[{index}]: no resourceData")
            continue
        path = f"$.value[{index}].resourceData"
        errors.extend(_check(schema, item["resourceData"], expected, path, collection_as_list=True))
    return [f"notification {_summary(body)}: {e}" for e in errors]


def _is_change_notification(body: Any) -> bool:
    items = body.get("value") if isinstance(body, dict) else None
    return bool(items) and all(isinstance(i, dict) and "subscriptionId" in i for i in items)


def _check(
    schema: Schema,
    body: Any,
    expected: Expected,
    path: str = "$",
    collection_as_list: bool = False,
    dynamic: frozenset[str] = frozenset(),
) -> list[str]:
    assert expected.type is not None
    if expected.collection and collection_as_list:
        # A roster notification's resourceData is the array of participants itself.
        return schema.validate(body, f"Collection({expected.type})", path)
    if expected.collection:
        return schema.validate_collection(body, expected.type, path)
    return schema.validate(body, expected.type, path, dynamic)


def error_problems(content: bytes) -> list[str]:
    """Graph's error envelope: ``{"error": {"code", "message", "innerError"?}}``."""
    try:
        body = json.loads(content)
    except ValueError:
        return [f"an error needs Graph's JSON envelope, got {content[:80]!r}"]
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(body) != {"error"}:
        return [f"an error body is {{'error': {{...}}}} alone, got {body!r}"]
    problems = [
        f"error.{key} must be a non-empty string"
        for key in ("code", "message")
        if not isinstance(error.get(key), str) or not error[key]
    ]
    extra = set(error) - {"code", "message", "innerError", "details", "target"}
    if extra:
        problems.append(f"error has members Graph's envelope does not: {sorted(extra)}")
    return problems


BETA_CREATE = ("POST", "/beta/communications/calls", 201)


def _call_id(body: Any) -> str | None:
    try:
        url: str = body["value"][0]["resourceUrl"]
    except (KeyError, IndexError, TypeError):
        return None
    parts = url.split("/")
    return parts[3] if len(parts) > 3 and parts[1:3] == ["communications", "calls"] else None


def _summary(body: Any) -> str:
    try:
        first = body["value"][0]
        return f"{first.get('changeType')} {first.get('resourceUrl')}"
    except (KeyError, IndexError, TypeError, AttributeError):
        return repr(body)[:80]


class Watch:
    """Collects the violations of one test's responses and notifications."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        # Calls created through beta: their notifications follow beta's schema (ringing).
        self.beta_calls: set[str] = set()

    def response_hook(self, response: Any) -> None:
        """An HTTP client ``response`` event hook."""
        response.read()
        request = response.request
        if (request.method, request.url.path, response.status_code) == BETA_CREATE:
            self.beta_calls.add(response.json()["id"])
        self.violations.extend(
            check_response(
                request.method,
                str(request.url),
                response.status_code,
                response.content,
                request.content,
            )
        )

    def notifications(self, bodies: list[Any]) -> None:
        for body in bodies:
            if _call_id(body) in self.beta_calls:
                TALLY.skipped += 1
            else:
                self.violations.extend(check_notification(body))

    def verify(self) -> None:
        """Fail (at teardown) with every violation seen."""
        if self.violations:
            listing = "\n  ".join(dict.fromkeys(self.violations))
            raise AssertionError(f"bodies that break Graph's v1.0 schema:\n  {listing}")
