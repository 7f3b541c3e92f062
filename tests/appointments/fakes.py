"""A local fake of Twilio's Messages API and of a signed SMS webhook (loopback only)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.support import LoopbackServer


@dataclass
class FakeRequest:
    path: str
    headers: dict[str, str]
    raw: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.raw.decode()).items()}


class FakeSmsApi:
    """Answers POSTs with the queued ``statuses`` (then 201), Twilio's JSON body on success."""

    def __init__(self) -> None:
        self.requests: list[FakeRequest] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with fake._lock:
                    fake.requests.append(
                        FakeRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
                    )
                    status = fake.statuses.pop(0) if fake.statuses else 201
                    sid = f"SM{len(fake.requests):032d}"
                body: dict[str, Any] = (
                    {"sid": sid, "status": "queued"}
                    if status < 300
                    else {"code": 21211, "message": "Invalid 'To' Phone Number", "status": status}
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return self._server.url

    def close(self) -> None:
        self._server.close()
