"""The one name for a JSON object at a wire edge.

``JsonObject`` is what crosses an edge still as JSON: a Graph or UCWA document rendered for
a client or a notification, a request body or open type before it is parsed, a stored
document before it is decoded, and the client's own free-form parts that Graph echoes as
sent (an ``identitySet``, a call's open-type properties). State that Callboard reasons about
is typed (dataclasses in ``domain``); it is rendered to a ``JsonObject`` in one place per
resource and parsed from one. ``tests/test_wire_types.py`` keeps ``dict[str, Any]`` from
being written anywhere else, so every free-form object is greppable by this name.
"""

from __future__ import annotations

from typing import Any, TypeAlias

JsonObject: TypeAlias = dict[str, Any]
