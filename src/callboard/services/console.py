"""What the web console needs beyond the admin API's listings: the change marker its live
updates poll, and the meetings with their rosters."""

from __future__ import annotations

from callboard.errors import ItemNotFound
from callboard.json_types import JsonObject
from callboard.services import meeting_rosters
from callboard.services.runtime import Runtime
from callboard.store import console_views


def change_marker(rt: Runtime) -> str:
    return console_views.change_marker(rt.engine)


def list_meetings(rt: Runtime, *, top: int) -> list[JsonObject]:
    """The newest meetings, each as the admin view describes it (roster and lobby)."""
    found = []
    for meeting_id in console_views.meeting_ids(rt.engine, top=top):
        try:
            found.append(meeting_rosters.describe(rt, meeting_id))
        except ItemNotFound:
            continue  # deleted between the two reads
    return found
