"""The admin API's guard: who may use ``/_callboard/*`` (docs/decisions.md, "The admin API's
guard"). A dependency of the admin router, so that every admin route and nothing else has it.

- **Host.** The ``Host`` header must name a loopback name or address, the configured base URL's
  host or the bind address: a page on ``attacker.example`` whose name was rebound to 127.0.0.1
  (DNS rebinding) sends its own name and is refused.
- **Origin.** A state-changing request that carries ``Origin`` (every browser request but a
  same-origin GET) must come from the server's own origin: a page elsewhere cannot reset the
  server or wipe its directory (CSRF).
- **Credentials.** In production, and whenever the server listens beyond loopback, the request
  must carry ``Authorization: Bearer <CALLBOARD_ADMIN_TOKEN>``.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import Request

from callboard.api.deps import runtime
from callboard.config import Settings
from callboard.errors import AccessDenied, Unauthenticated
from callboard.net import host_of, is_loopback

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Not routable: a server bound to one of these is reached under some other name.
_WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})


def _host_name(netloc: str) -> str:
    """``example.com:8765`` -> ``example.com``; ``[::1]:8765`` -> ``::1``; ``""`` if invalid."""
    try:
        return urlsplit(f"//{netloc}").hostname or ""
    except ValueError:
        return ""


def allowed_host(host: str, settings: Settings) -> bool:
    """Whether ``host`` (a name or address, no port) may be addressed by admin requests."""
    host = host.strip().lower().rstrip(".")
    if not host:
        return False
    # Browsers resolve every *.localhost name to loopback themselves (RFC 6761).
    if is_loopback(host) or host.endswith(".localhost"):
        return True
    if settings.base_url and host == host_of(settings.base_url):
        return True
    bind = settings.host.strip().lower().strip("[]")
    return bind not in _WILDCARD_BINDS and host == bind


def _check_host(request: Request, settings: Settings) -> str:
    netloc = request.headers.get("host", "")
    if not allowed_host(_host_name(netloc), settings):
        raise AccessDenied(
            f"The admin API does not answer to the host {netloc!r}: use a loopback address or "
            "the configured CALLBOARD_BASE_URL."
        )
    return netloc.lower()


def _origin_of(url: str) -> str:
    try:
        parts = urlsplit(url.strip().lower())
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _check_origin(request: Request, netloc: str, settings: Settings) -> None:
    origin = request.headers.get("origin")
    if origin is None or request.method in SAFE_METHODS:
        return
    # The server's own origin: as this request reached it, or as the base URL publishes it
    # (behind a TLS-terminating proxy the two schemes differ).
    own = {f"{request.url.scheme}://{netloc}", _origin_of(settings.base_url)}
    if _origin_of(origin) not in own - {""}:
        raise AccessDenied(
            f"The admin API refuses state changes from the origin {origin!r} (cross-site)."
        )


def _check_credentials(request: Request, settings: Settings) -> None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    expected = settings.admin_token
    if not expected:
        raise Unauthenticated(
            "The admin API needs credentials here and none are configured: set "
            "CALLBOARD_ADMIN_TOKEN and send it as a bearer token."
        )
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise Unauthenticated("The admin API needs the admin token (CALLBOARD_ADMIN_TOKEN).")


async def admin_guard(request: Request) -> None:
    settings = runtime(request).settings
    netloc = _check_host(request, settings)
    _check_origin(request, netloc, settings)
    if settings.admin_needs_credentials:
        _check_credentials(request, settings)


def require_admin_token(request: Request) -> None:
    """The admin token's check alone, for routes outside the admin API (``GET /metrics``)."""
    _check_credentials(request, runtime(request).settings)
