"""Testing a bot against Callboard: a pytest plugin (the ``callboard`` fixture) and the
pieces it is made of, usable without pytest (docs/pytest-plugin.md).

Nothing here starts anything on import: the server starts when a test first asks for it.
"""

from callboard.testing.receiver import Notification, NotificationReceiver
from callboard.testing.server import CallboardServer, ServerClock

__all__ = ["CallboardServer", "Notification", "NotificationReceiver", "ServerClock"]
