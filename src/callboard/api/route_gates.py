"""A prefix check in front of each included router's route matching.

FastAPI (0.165) matches a request against the included routers in order, and each one runs
every regex of its routes: a path served by a router included late (``/beta/...``,
``/_callboard/health``, ``/ucwa/...``) was matched against well over a hundred routes first.
Every path a router serves starts with the static part its routes have in common (``/v1.0/``,
``/beta/communications/calls``), so a path that does not start with it cannot match any of
them, fully or partially: the gate answers "no match" at the cost of one ``startswith``, and
leaves every other answer (and so 404 against 405, redirects, the OpenAPI document) to
FastAPI. Where the FastAPI in use does not expose an included router's routes this way, the
routers stay ungated: slower, never wrong.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from starlette.routing import Match
from starlette.types import Scope

# The attribute holding a gated entry's prefix, and each gated type's gated subclass.
PREFIX_ATTRIBUTE = "_callboard_route_prefix"
_GATED_TYPES: dict[type, type] = {}


def route_path(scope: Scope) -> str:
    """The path routes are matched against: without the root path (Starlette's rule)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    return path[len(root_path) :] if path[len(root_path)] == "/" else path


def static_prefix(paths: list[str]) -> str:
    """What every one of these route templates starts with, before its first parameter."""
    return os.path.commonprefix([path.split("{", 1)[0] for path in paths])


def _gated(base: type) -> type:
    gated = _GATED_TYPES.get(base)
    if gated is None:
        ungated = base.matches  # type: ignore[attr-defined]

        def matches(self: Any, scope: Scope) -> tuple[Match, Scope]:
            if not route_path(scope).startswith(getattr(self, PREFIX_ATTRIBUTE)):
                return Match.NONE, {}
            result: tuple[Match, Scope] = ungated(self, scope)
            return result

        gated = _GATED_TYPES[base] = type(
            base.__name__, (base,), {"matches": matches, "__module__": base.__module__}
        )
    return gated


def install(app: FastAPI) -> int:
    """Gate the app's included routers; called once every router is included. Returns how
    many were gated."""
    count = 0
    for entry in app.router.routes:
        contexts = getattr(entry, "effective_route_contexts", None)
        if contexts is None:
            continue
        paths = [getattr(context, "path_format", None) for context in contexts()]
        if not paths or not all(isinstance(path, str) for path in paths):
            continue
        prefix = static_prefix(paths)  # type: ignore[arg-type]
        if len(prefix) <= 1:
            continue
        setattr(entry, PREFIX_ATTRIBUTE, prefix)
        entry.__class__ = _gated(type(entry))
        count += 1
    return count
