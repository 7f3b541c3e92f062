"""Entity tags in ``If-Match`` and ``If-None-Match`` (RFC 9110 section 13.1): one parser."""

from __future__ import annotations


def entity_tags(header: str | None) -> list[str]:
    """The tags of a condition header, unquoted and without ``W/``; ``*`` stays ``*``.
    A missing or blank header: no tags."""
    if header is None or not header.strip():
        return []
    return [t.strip().removeprefix("W/").strip('"') for t in header.split(",")]


def quoted(tag: str) -> str:
    """An ETag header value: tags are quoted on output (and accepted quoted or bare)."""
    return f'"{tag}"'
