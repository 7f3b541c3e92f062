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
sms_cli = typer.Typer(no_args_is_help=True, help="Virtual-appointment SMS messages.")
cli.add_typer(sms_cli, name="sms")

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


@sms_cli.command("list")
def sms_list(
    meeting_id: Annotated[
        str | None, typer.Option("--meeting-id", help="Only this meeting.")
    ] = None,
    status: Annotated[str | None, typer.Option("--status", help="queued, sent, failed, …")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Only this E.164 number.")] = None,
    top: Annotated[int, typer.Option("--top", help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """List SMS messages (newest last), filtered like GET /_callboard/sms."""
    import json

    from callboard.services import appointments
    from callboard.store.db import make_engine
    from callboard.store.uow import UnitOfWork

    engine = make_engine(_settings(database_url=database_url).database_url)
    try:
        with UnitOfWork(engine, now=0.0) as uow:
            found = uow.sms.list_page(meeting_id=meeting_id, status=status, to=to, skip=0, top=top)
    finally:
        engine.dispose()
    for message in found:
        row = appointments.render_message(message)
        if as_json:
            typer.echo(json.dumps(row))
        else:
            reason = f"  ({row['reason']})" if row["reason"] and row["status"] == "failed" else ""
            typer.echo(
                f"{row['id']}  {row['type']:<12} {row['to']:<14} {row['status']:<9} "
                f"{row['dueDateTime'] or row['createdDateTime']}{reason}"
            )


def main() -> None:
    cli()
