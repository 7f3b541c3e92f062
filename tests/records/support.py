"""A subscriber's endpoint on loopback: answers Graph's validation handshake (echoes the
token) and records every change or lifecycle notification, in arrival order."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from callboard.clock import FrozenClock, iso
from tests.support import LoopbackServer


class Subscriber:
    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        subscriber = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                token = parse_qs(urlsplit(self.path).query).get("validationToken")
                if token:
                    text = token[0].encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                    return
                with subscriber._lock:
                    subscriber.bodies.append(json.loads(raw))
                    subscriber.paths.append(urlsplit(self.path).path)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return self._server.url + "/notifications"

    @property
    def lifecycle_url(self) -> str:
        return self._server.url + "/lifecycle"

    def notifications(self, path: str = "/notifications") -> list[dict[str, Any]]:
        with self._lock:
            pairs = list(zip(self.paths, self.bodies, strict=True))
        return [item for p, body in pairs if p == path for item in body["value"]]

    def close(self) -> None:
        self._server.close()


def subscribe(
    client: TestClient,
    headers: dict[str, str],
    subscriber: Subscriber,
    clock: FrozenClock,
    *,
    resource: str = "/communications/callRecords",
    change_type: str = "created",
    minutes: float = 60,
    lifecycle: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "changeType": change_type,
        "notificationUrl": subscriber.url,
        "resource": resource,
        "expirationDateTime": iso(clock.now() + minutes * 60),
        "clientState": "secretClientValue",
    }
    if lifecycle:
        body["lifecycleNotificationUrl"] = subscriber.lifecycle_url
    response = client.post("/v1.0/subscriptions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
