"""Test helpers: a real HTTP receiver for notifications, seed examples, JWT checks."""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


@cache
def _examples() -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = json.loads((DATA / "seed-examples.json").read_text())
    return result


def seed(name: str, kind: str = "request", index: int = 0) -> dict[str, Any]:
    """A seed example's body (a deep copy), e.g. ``seed("create-call-1")``."""
    matches = [e for e in _examples() if e["name"] == name and e["kind"] == kind]
    return copy.deepcopy(matches[index])


def error_message(response: Any, status: int, code: str) -> str:
    """The message of a Graph error envelope, after checking its status and code."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    message: str = error["message"]
    return message


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def notification(self) -> dict[str, Any]:
        value: dict[str, Any] = self.body["value"][0]
        return value


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (a free port) for a test: a bot, a fake API."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for one, and every test shuts one down.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Receiver:
    """A bot's callback endpoint on loopback that records every POST.

    ``responses`` is consumed one status per request (then 200): a receiver that fails
    and recovers is ``Receiver(responses=[500, 503])``.
    """

    def __init__(self) -> None:
        self.received: list[Received] = []
        # Every request, including the ones answered with an error status.
        self.attempts: list[Received] = []
        self.responses: list[int] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                item = Received(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw) if raw else None,
                )
                with receiver._lock:
                    receiver.attempts.append(item)
                    status = receiver.responses.pop(0) if receiver.responses else 200
                    if status < 300:
                        receiver.received.append(item)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return self._server.url

    def close(self) -> None:
        self._server.close()

    def notifications(self) -> list[dict[str, Any]]:
        return [r.notification for r in self.received]

    def states(self, call_id: str) -> list[str]:
        """The call states notified for one call, in arrival order."""
        return [
            n["resourceData"]["state"]
            for n in self.notifications()
            if n["resourceUrl"] == f"/communications/calls/{call_id}"
        ]
