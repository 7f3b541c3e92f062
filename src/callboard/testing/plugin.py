"""The ``callboard`` pytest fixture, registered by Callboard's ``pytest11`` entry point.

One ``callboard serve --ephemeral`` per test session (per worker under pytest-xdist, each on
its own free port and database), started the first time a test asks for ``callboard``; a
fast reset before every test. Importing this module starts nothing and imports little, so a
suite that never uses the fixture pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from callboard.json_types import JsonObject

if TYPE_CHECKING:
    import httpx

    from callboard.testing.receiver import NotificationReceiver
    from callboard.testing.server import CallboardServer, ServerClock

# Where the development directory's bot app is told incoming calls arrive: sent to the
# session's receiver instead.
DEV_BOT_CALLBACK = "http://127.0.0.1:3978"


class Callboard:
    """What a test gets: the server's URL, tokens, its clock, simulated parties, the bot's
    notification receiver and the SMS outbox."""

    def __init__(self, server: CallboardServer, receiver: NotificationReceiver) -> None:
        self.server = server
        self.receiver = receiver

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``; Graph is at ``{base_url}/v1.0`` and ``/beta``."""
        return self.server.base_url

    @property
    def graph_url(self) -> str:
        return f"{self.server.base_url}/v1.0"

    @property
    def callback_uri(self) -> str:
        """A ``callbackUri`` that reaches ``receiver``."""
        return f"{self.receiver.url}/api/calls"

    @property
    def clock(self) -> ServerClock:
        return self.server.clock

    @property
    def http(self) -> httpx.Client:
        return self.server.http

    @property
    def ca_file(self) -> str | None:
        ca_file = self.server.ca_file
        return str(ca_file) if ca_file else None

    def token(
        self, app: str | None = None, *, user: str | None = None, tenant: str | None = None
    ) -> str:
        return self.server.token(app, user=user, tenant=tenant)

    def script(self, identity: str, response: str = "answer", **behaviour: Any) -> JsonObject:
        return self.server.script(identity, response, **behaviour)

    def party(self, call_id: str, action: str, **details: Any) -> JsonObject:
        return self.server.party(call_id, action, **details)

    @property
    def sms_outbox(self) -> list[JsonObject]:
        return self.server.sms_outbox

    def reset(self) -> None:
        self.server.reset()
        self.receiver.clear()


@pytest.fixture(scope="session")
def callboard_settings() -> JsonObject:
    """Callboard settings for the session's server, without the ``CALLBOARD_`` prefix
    (override this fixture in a conftest.py, session-scoped, to change them)."""
    return {}


@pytest.fixture(scope="session")
def callboard_session(
    callboard_settings: JsonObject, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callboard]:
    """The session's server and receiver (started on first use, stopped at the end)."""
    from callboard.testing.receiver import NotificationReceiver
    from callboard.testing.server import CallboardServer

    receiver = NotificationReceiver()
    settings = dict(callboard_settings)
    rewrites = dict(settings.get("callback_rewrites") or {})
    rewrites.setdefault(DEV_BOT_CALLBACK, receiver.url)
    settings["callback_rewrites"] = rewrites
    server = CallboardServer(settings, workdir=tmp_path_factory.mktemp("callboard"))
    try:
        server.start()
        yield Callboard(server, receiver)
    finally:
        server.stop()
        receiver.close()


@pytest.fixture
def callboard(callboard_session: Callboard) -> Callboard:
    """Callboard with fresh state: no calls, meetings, behaviours or SMS, nothing received,
    the clock at real time."""
    callboard_session.reset()
    return callboard_session
