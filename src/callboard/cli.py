"""``callboard serve | worker | token | db upgrade``."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from callboard.config import Settings, load_settings

cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Callboard: Microsoft Graph cloud-communications APIs, self-hosted.",
)
db_cli = typer.Typer(no_args_is_help=True, help="Database maintenance.")
cli.add_typer(db_cli, name="db")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql://user@host/db "
        "(default: sqlite:///callboard.db; env CALLBOARD_DATABASE_URL).",
    ),
]
Directory = Annotated[
    str | None,
    typer.Option("--directory", help="Directory JSON file to load (default: the built-in one)."),
]


def _settings(**overrides: object) -> Settings:
    return load_settings(**overrides)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8765).")] = None,
    database_url: DatabaseUrl = None,
    directory: Directory = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Start the HTTP server (and, by default, the job runner in the same process)."""
    import uvicorn

    from callboard.app import create_app

    settings = _settings(host=host, port=port, database_url=database_url, directory_file=directory)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=log_level == "debug",
    )


@cli.command()
def worker(database_url: DatabaseUrl = None, directory: Directory = None) -> None:
    """Run the job runner alone (deliveries, simulated parties, timers)."""
    from callboard.app import build_services

    settings = _settings(database_url=database_url, directory_file=directory)
    logging.basicConfig(level="INFO", format="%(levelname)s %(name)s: %(message)s")
    services = build_services(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await services.runner.run_forever(stop)

    asyncio.run(main())


@cli.command()
def token(
    app: Annotated[str | None, typer.Option("--app", help="Application (client) id.")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="User id or userPrincipalName: a delegated token.")
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Tenant id.")] = None,
    database_url: DatabaseUrl = None,
    directory: Directory = None,
) -> None:
    """Print an access token (default: the development directory's bot app)."""
    from callboard.app import build_services
    from callboard.errors import GraphError
    from callboard.services.tokens import issue_token

    settings = _settings(database_url=database_url, directory_file=directory)
    rt = build_services(settings).runtime
    try:
        typer.echo(issue_token(rt, app_id=app, user=user, tenant_id=tenant))
    except GraphError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from None


@db_cli.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Apply migrations (serve and worker also do this on start)."""
    from callboard.store.db import make_engine, startup_lock, upgrade

    engine = make_engine(_settings(database_url=database_url).database_url)
    with startup_lock(engine):
        upgrade(engine)
    engine.dispose()
    typer.echo("database is up to date")


def main() -> None:
    cli()
