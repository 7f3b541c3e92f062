"""A configurable fake bot for the delivery tests: what it answers, and whether it holds
every POST until released (a bot that hangs)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support import LoopbackServer


@dataclass(frozen=True)
class BotReply:
    status: int = 202
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class FakeBot:
    """A callback endpoint on loopback. Each POST is answered with the next of ``replies``
    (queued by the test), then with ``default``. With ``hold``, every POST waits until
    ``release`` is set (a bound of 60 s in case a test fails before releasing).

    ``arrived``: the paths of the POSTs as they came in; ``answered``: as they were answered.
    ``waiting`` / ``most_waiting``: POSTs held now / at most at once."""

    def __init__(self, *, default: BotReply | None = None, hold: bool = False) -> None:
        self.default = default or BotReply()
        self.replies: list[BotReply] = []
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.arrived: list[str] = []
        self.answered: list[str] = []
        self.waiting = 0
        self.most_waiting = 0
        self._lock = threading.Lock()
        bot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with bot._lock:
                    bot.arrived.append(self.path)
                    reply = bot.replies.pop(0) if bot.replies else bot.default
                    bot.waiting += 1
                    bot.most_waiting = max(bot.most_waiting, bot.waiting)
                bot.release.wait(timeout=60)
                with bot._lock:
                    bot.waiting -= 1
                    bot.answered.append(self.path)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.body:
                    self.wfile.write(reply.body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = LoopbackServer(Handler)
        self.url = self._server.url

    def close(self) -> None:
        self.release.set()
        self._server.close()
