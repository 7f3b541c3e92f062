"""A bot's notification endpoint on loopback: its URL is a ``callbackUri`` Callboard accepts
in development, and it records every notification it is sent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from callboard.json_types import JsonObject


@dataclass(frozen=True)
class Notification:
    """One ``commsNotification`` out of a POST (a POST may carry several), with the
    POST's path and headers (lower-cased names: ``authorization``, ``x-microsoft-skype-…``)."""

    path: str
    headers: dict[str, str]
    change_type: str
    resource_url: str
    resource_data: JsonObject

    @property
    def state(self) -> str | None:
        state = self.resource_data.get("state")
        return state if isinstance(state, str) else None


class NotificationReceiver:
    """Answers 202 to every POST and keeps what it was sent, in arrival order."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._notifications: list[Notification] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                receiver._record(self.path, headers, body)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: append any path, e.g. ``/api/calls``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _record(self, path: str, headers: dict[str, str], body: Any) -> None:
        items = body.get("value") if isinstance(body, dict) else None
        found = [
            Notification(
                path=path,
                headers=headers,
                change_type=str(item.get("changeType", "")),
                resource_url=str(item.get("resourceUrl", "")),
                resource_data=item.get("resourceData") or {},
            )
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict)
        ]
        with self._changed:
            self._notifications.extend(found)
            self._changed.notify_all()

    @property
    def notifications(self) -> list[Notification]:
        with self._changed:
            return list(self._notifications)

    def for_call(self, call_id: str) -> list[Notification]:
        """The notifications about one call (its state, participants, operations)."""
        prefix = f"/communications/calls/{call_id}"
        return [
            n
            for n in self.notifications
            if n.resource_url == prefix or n.resource_url.startswith(prefix + "/")
        ]

    def states(self, call_id: str) -> list[str]:
        """The call states notified for one call, in arrival order."""
        resource = f"/communications/calls/{call_id}"
        return [n.state for n in self.notifications if n.resource_url == resource and n.state]

    def wait_for(
        self, call_id: str, *, state: str | None = None, timeout: float = 10.0
    ) -> Notification:
        """The first notification of ``call_id`` reaching ``state`` (any notification about the
        call without ``state``); waits up to ``timeout`` real seconds, then AssertionError."""
        resource = f"/communications/calls/{call_id}"

        def match(n: Notification) -> bool:
            if state is None:
                return n.resource_url == resource or n.resource_url.startswith(resource + "/")
            return n.resource_url == resource and n.state == state

        what = f"call {call_id}" + (f" in state {state!r}" if state else "")
        return self.wait_until(match, timeout=timeout, what=what)

    def wait_for_operation(
        self, call_id: str, operation_id: str, *, status: str = "Completed", timeout: float = 10.0
    ) -> Notification:
        """The notification of a call's operation (playPrompt, …) reaching ``status``
        (``Completed`` or ``Failed``, as Graph's schema spells them; matched in any case)."""
        resource = f"/communications/calls/{call_id}/operations/{operation_id}"
        wanted = status.lower()
        return self.wait_until(
            lambda n: (
                n.resource_url == resource
                and str(n.resource_data.get("status", "")).lower() == wanted
            ),
            timeout=timeout,
            what=f"operation {operation_id} {status}",
        )

    def wait_until(
        self,
        predicate: Callable[[Notification], bool],
        *,
        timeout: float = 10.0,
        what: str = "a notification",
    ) -> Notification:
        """The first notification (received already or within ``timeout`` real seconds) that
        ``predicate`` accepts; AssertionError naming what arrived if none does."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for n in self._notifications:
                    if predicate(n):
                        return n
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(n.resource_url, n.state) for n in self._notifications]
                    raise AssertionError(f"no notification of {what} within {timeout:g}s: {seen}")
                self._changed.wait(left)

    def clear(self) -> None:
        with self._changed:
            self._notifications.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
