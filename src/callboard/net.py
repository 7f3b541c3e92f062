"""Host and URL checks shared by callback validation, notification delivery and the SMS
gateways: one definition of "loopback" for all of them."""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit


# Callback hosts are few and checked on every delivery: parsing each as an IP address
# once is enough.
@functools.lru_cache(maxsize=1024)
def is_loopback(host: str) -> bool:
    """``localhost`` or any loopback address (all of 127.0.0.0/8, ``::1``, bracketed or not).

    A name that merely starts with ``127.`` (``127.0.0.1.example.com``) is not loopback.
    """
    host = host.strip().lower().rstrip(".")
    if host == "localhost":
        return True
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(url: str) -> str:
    """The URL's host name, lower case, without brackets; ``""`` when it has none or the URL
    cannot be parsed."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def is_loopback_url(url: str) -> bool:
    host = host_of(url)
    return bool(host) and is_loopback(host)


def has_user_info(url: str) -> bool:
    """Whether the URL carries credentials (``http://user:password@host/``). Notifications
    authenticate with their own bearer token, so such a URL can never be delivered to."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.username is not None or parts.password is not None


def rewrite(url: str, rewrites: dict[str, str]) -> str:
    for prefix, replacement in rewrites.items():
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    return url
