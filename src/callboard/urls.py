"""Callback URLs read from clients: parsed without ever raising, checked with a 400.

``urllib.parse`` raises ``ValueError`` for malformed hosts and ports (``https://[::1/cb``,
``https://[zz]/cb``, ``https://host:99999/cb``); here every such URL is simply invalid, so a
client's typo becomes Graph's 400 and never a 500.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from callboard.errors import BadRequest

# Whitespace or control characters anywhere make a URL unusable for a POST.
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class HttpUrl:
    scheme: str  # "http" or "https", lower case
    host: str  # lower case, IPv6 without brackets
    port: int | None


def parse_http_url(value: object) -> HttpUrl | None:
    """An absolute http(s) URL with a host and a valid port, or None; never raises."""
    if not isinstance(value, str) or _UNSAFE.search(value):
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return None
    if ":" in host:  # only a bracketed IPv6 literal gets a colon past urlsplit
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    return HttpUrl(scheme, host, port)


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback IP address (IPv6 with or without brackets)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_callback_uri(
    uri: object, *, allow_http_loopback: bool, name: str = "callbackUri"
) -> HttpUrl:
    """The parsed callback URL, or ``BadRequest``: https anywhere, http only to loopback and
    only where ``allow_http_loopback`` (the ``CALLBOARD_ALLOW_HTTP_LOOPBACK_CALLBACKS``
    setting) says so."""
    url = parse_http_url(uri)
    if url is not None and url.scheme == "https":
        return url
    if url is not None and is_loopback_host(url.host):
        if allow_http_loopback:
            return url
        raise BadRequest(
            f"{name} must use https; plain http to loopback is disabled by "
            "CALLBOARD_ALLOW_HTTP_LOOPBACK_CALLBACKS."
        )
    raise BadRequest(f"{name} must be an absolute https URL (got {uri!r}).")
