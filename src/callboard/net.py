"""Host and URL checks shared by callback validation, notification delivery and the SMS
gateways: one definition of "loopback" for all of them.

Callback URLs read from clients are parsed without ever raising: ``urllib.parse`` raises
``ValueError`` for malformed hosts and ports (``https://[::1/cb``, ``https://[zz]/cb``,
``https://host:99999/cb``), and a client's typo must become Graph's 400, never a 500.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from callboard.errors import BadRequest


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


def endpoint_of(url: str) -> str:
    """``scheme://host:port`` of a URL: what one bot's connections share (limits, faults)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.scheme}://{parts.hostname}:{port}"
    except ValueError:
        return url


def rewrite(url: str, rewrites: dict[str, str]) -> str:
    for prefix, replacement in rewrites.items():
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    return url


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


def check_callback_uri(
    uri: object, *, allow_http_loopback: bool, name: str = "callbackUri"
) -> HttpUrl:
    """The parsed callback URL, or ``BadRequest``: https anywhere, http only to loopback and
    only where ``allow_http_loopback`` (the ``CALLBOARD_ALLOW_HTTP_LOOPBACK_CALLBACKS``
    setting) says so."""
    url = parse_http_url(uri)
    if url is not None and isinstance(uri, str) and has_user_info(uri):
        # Notifications carry their own bearer token; credentials in the URL would leak.
        raise BadRequest(f"{name} must not carry a user name or password.")
    if url is not None and url.scheme == "https":
        return url
    if url is not None and is_loopback(url.host):
        if allow_http_loopback:
            return url
        raise BadRequest(
            f"{name} must use https; plain http to loopback is disabled by "
            "CALLBOARD_ALLOW_HTTP_LOOPBACK_CALLBACKS."
        )
    raise BadRequest(f"{name} must be an absolute https URL (got {uri!r}).")


# -- Where callbacks may go (SSRF) --------------------------------------------------------

Resolve = Callable[[str], list[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# What C's inet_aton reads as an IPv4 address: 0x7f.1, 2130706433, 0177.0.0.1 ...
_IPV4_SHORTHAND = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)


def resolve_host(host: str) -> list[str]:
    """The addresses a name resolves to (the system resolver); [] when it does not."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def ip_literal(host: str) -> IpAddress | None:
    """The address a host names without DNS, in any spelling a client library accepts:
    dotted, bracketed IPv6, and the IPv4 shorthands (``0x7f.1``, ``2130706433``)."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _IPV4_SHORTHAND.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_public(address: IpAddress) -> bool:
    """A globally routable unicast address: not loopback, private, link-local (cloud
    metadata), unspecified, multicast or reserved; an IPv4-mapped IPv6 address by its IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class DestinationPolicy:
    """Which hosts callbacks may reach. ``block_private`` (production) refuses every
    address that is not public, unless ``CALLBOARD_CALLBACK_ALLOW`` names its network or
    its host name."""

    block_private: bool
    hosts: frozenset[str] = frozenset()
    networks: tuple[IpNetwork, ...] = ()

    @classmethod
    def parse(cls, allow: str, *, block_private: bool) -> DestinationPolicy:
        """``allow``: comma-separated CIDRs, addresses and host names."""
        hosts: set[str] = set()
        networks: list[IpNetwork] = []
        for item in (part.strip().lower() for part in allow.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                hosts.add(item.rstrip("."))
        return cls(block_private, frozenset(hosts), tuple(networks))

    def allows_address(self, address: IpAddress) -> bool:
        if not self.block_private or is_public(address):
            return True
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        return any(a in n for n in self.networks for a in (address, mapped) if a is not None)

    def refusal(self, host: str, resolve: Resolve) -> str | None:
        """Why ``host`` may not be called back, or None when it may: checked on its literal
        address, else on every address the name resolves to."""
        if not self.block_private:
            return None
        name = host.strip().lower().rstrip(".").strip("[]")
        if name in self.hosts:
            return None
        literal = ip_literal(host)
        if literal is None and (name == "localhost" or name.endswith(".localhost")):
            literal = ipaddress.IPv4Address("127.0.0.1")
        addresses = [literal] if literal is not None else _addresses(resolve(name))
        for address in addresses:
            if not self.allows_address(address):
                return (
                    f"{host} is not a public address ({address}); "
                    "CALLBOARD_CALLBACK_ALLOW may name it"
                )
        return None


def _no_names(_name: str) -> list[str]:
    return []


@functools.lru_cache(maxsize=1024)
def literal_refusal(allow: str, host: str) -> str | None:
    """Why production refuses ``host`` before any DNS (an IP literal, ``localhost``), or
    None; a name passes here and is checked on the addresses it connects to. ``allow`` is
    ``CALLBOARD_CALLBACK_ALLOW``. Cached: callback hosts are few and checked on every
    delivery, and parsing the allow-list and the host cost more than the POST's headers."""
    return DestinationPolicy.parse(allow, block_private=True).refusal(host, _no_names)


def _addresses(values: list[str]) -> list[IpAddress]:
    found = []
    for value in values:
        address = ip_literal(value)
        if address is not None:
            found.append(address)
    return found
