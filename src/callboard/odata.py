"""OData conventions: @odata.context, and collection paging with @odata.nextLink."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from callboard.errors import BadRequest
from callboard.json_types import JsonObject

DEFAULT_PAGE = 100
MAX_PAGE = 999


def page(
    items: list[Any], *, url: str, context: str, top: str | None, skiptoken: str | None
) -> JsonObject:
    """``{"@odata.context", "value", "@odata.nextLink"?}``; the link carries ``$skiptoken``."""
    size = _int(top, "$top", DEFAULT_PAGE)
    if not 1 <= size <= MAX_PAGE:
        raise BadRequest(f"$top must be between 1 and {MAX_PAGE}.")
    start = _int(skiptoken, "$skiptoken", 0)
    if start < 0:
        raise BadRequest("Invalid $skiptoken.")
    body: JsonObject = {"@odata.context": context, "value": items[start : start + size]}
    if start + size < len(items):
        body["@odata.nextLink"] = f"{url}?{urlencode({'$top': size, '$skiptoken': start + size})}"
    return body


def _int(value: str | None, name: str, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"Invalid value for {name}: {value!r}.") from None
