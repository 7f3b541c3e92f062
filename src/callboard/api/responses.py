"""JSON responses with Graph's headers."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from callboard import json_codec


class GraphJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json_codec.dumps(content)


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return GraphJSONResponse(content, status_code=status_code, headers=headers)
