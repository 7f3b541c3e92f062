"""What production mode refuses to start with (docs/decisions.md, "Production is safe by
default"): the built-in development directory, whose client secrets anyone can read in the
source, weak client secrets, and an admin API without a strong admin token."""

from __future__ import annotations

from typing import Any

from callboard.config import Mode, Settings
from callboard.errors import BadRequest
from callboard.services.directory_loading import default_directory_document, read_directory_file

# 32 characters of secrets.token_urlsafe carry 192 bits; Entra ID's generated client secrets
# are 40 characters.
MIN_SECRET_LENGTH = 32
GENERATE_HINT = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'


def development_secrets() -> frozenset[str]:
    """The client secrets of the built-in development directory: public, never for production."""
    return frozenset(
        str(app["clientSecret"])
        for app in default_directory_document().get("applications", [])
        if app.get("clientSecret")
    )


def weak_secret(secret: str) -> str | None:
    """Why ``secret`` is not fit for production, or None."""
    if secret in development_secrets():
        return "is a development secret published with Callboard"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    return None


def directory_problems(document: Any) -> list[str]:
    apps = document.get("applications", []) if isinstance(document, dict) else []
    problems = []
    for app in apps if isinstance(apps, list) else []:
        if not isinstance(app, dict):
            continue
        why = weak_secret(str(app.get("clientSecret") or ""))
        if why is not None:
            problems.append(f"the client secret of application {app.get('appId')} {why}")
    return problems


def production_problems(settings: Settings, *, serving: bool = True) -> list[str]:
    """Everything that keeps a production server (``serving``) or worker from starting; empty
    in development."""
    if settings.mode is not Mode.PRODUCTION:
        return []
    problems = []
    if not settings.directory_file:
        problems.append(
            "no directory file: production does not load the built-in development directory; "
            "name yours with --directory or CALLBOARD_DIRECTORY_FILE"
        )
    else:
        try:
            problems += directory_problems(read_directory_file(settings.directory_file))
        except BadRequest as exc:
            problems.append(exc.detail)
    if serving and settings.admin:
        why = weak_secret(settings.admin_token) if settings.admin_token else "is not set"
        if why is not None:
            problems.append(f"the admin API is on and CALLBOARD_ADMIN_TOKEN {why}")
    return problems


def unsafe_bind_warning(settings: Settings) -> str | None:
    """The warning for a development server others can reach, or None."""
    if settings.mode is Mode.PRODUCTION or not settings.listens_beyond_loopback:
        return None
    admin = (
        "the admin API (/_callboard) asks for CALLBOARD_ADMIN_TOKEN"
        if settings.admin_token
        else "the admin API (/_callboard) refuses every request until CALLBOARD_ADMIN_TOKEN is set"
    )
    return (
        f"WARNING: development mode listening on {settings.host}, beyond loopback: other "
        "machines can reach this server, whose development directory's client secrets are "
        f"public; {admin}. Bind to 127.0.0.1 unless you mean it."
    )
