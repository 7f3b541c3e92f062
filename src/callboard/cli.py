"""``callboard serve | worker | token | db upgrade | sms list``.

Each command imports what it needs inside its function: ``callboard token`` and ``sms list``
should not pay for importing the whole server (FastAPI, the routes) just to start. No import
here dodges a cycle.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from callboard import logs
from callboard.config import Settings, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

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


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


LogFormatOption = Annotated[
    LogFormat | None,
    typer.Option(
        "--log-format",
        help="text (default) or json: one JSON object per line (env CALLBOARD_LOG_FORMAT).",
    ),
]


def _settings(**overrides: object) -> Settings:
    return load_settings(**overrides)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8765).")] = None,
    database_url: DatabaseUrl = None,
    directory: Directory = None,
    tls: Annotated[
        bool,
        typer.Option(
            "--tls",
            help="Serve https with a development certificate (generated in the data directory); "
            "clients trust its CA file (docs/auth.md).",
        ),
    ] = False,
    data_dir: Annotated[
        str | None,
        typer.Option("--data-dir", help="Where the development CA lives (default .callboard)."),
    ] = None,
    ephemeral: Annotated[
        bool,
        typer.Option(
            "--ephemeral",
            help="A fresh SQLite database in a temporary directory, removed at exit.",
        ),
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    log_format: LogFormatOption = None,
) -> None:
    """Start the HTTP server (and, by default, the job runner in the same process)."""
    import shutil
    import tempfile

    from callboard.app import create_app, settle_heap

    if ephemeral and database_url is not None:
        typer.echo("error: --ephemeral makes its own database; drop --database-url", err=True)
        raise typer.Exit(2)
    scratch = tempfile.mkdtemp(prefix="callboard-ephemeral-") if ephemeral else None
    if scratch is not None:
        database_url = f"sqlite:///{scratch}/callboard.db"
        # uvicorn shuts down on SIGTERM/SIGINT and then raises the signal again, which by
        # default ends the process before ``finally`` could remove the directory.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _exit_on_signal)
    try:
        settings = _settings(
            host=host,
            port=port,
            database_url=database_url,
            directory_file=directory,
            data_dir=data_dir,
            tls=tls or None,
            log_format=log_format and log_format.value,
        )
        logs.configure(settings.log_format, log_level)
        _refuse_unsafe_start(settings)
        ssl: dict[str, str] = {}
        if settings.tls:
            from callboard import devtls

            files = devtls.ensure(settings.data_dir, settings.host)
            ssl = {"ssl_certfile": str(files.cert_file), "ssl_keyfile": str(files.key_file)}
            typer.echo(
                f"https with the development certificate; clients trust {files.ca_file.resolve()}"
                " (e.g. REQUESTS_CA_BUNDLE / SSL_CERT_FILE)",
                err=True,
            )
        app = create_app(settings)
        settle_heap()
        _warn_unsafe_bind(settings)
        _run_server(
            app,
            host=settings.host,
            port=settings.port,
            log_level=log_level,
            # Callboard logs each request itself (callboard.requests), with its request-id.
            access_log=False,
            log_config=None,
            **ssl,
        )
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _run_server(app: FastAPI, **options: Any) -> None:
    """``uvicorn.run``, telling the app when the server is stopping: streams that never end
    by themselves (the console's events) end then, where uvicorn would wait for them, and so
    for the browser tab that holds one open."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, **options))
    app.state.shutting_down = lambda: server.should_exit
    server.run()


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _refuse_unsafe_start(settings: Settings, *, serving: bool = True) -> None:
    """Production does not start with development secrets or an open admin API."""
    from callboard.services.production_checks import GENERATE_HINT, production_problems

    problems = production_problems(settings, serving=serving)
    if problems:
        for problem in problems:
            typer.echo(f"error: production mode refuses to start: {problem}", err=True)
        typer.echo(f"(secrets: at least 32 characters; {GENERATE_HINT})", err=True)
        raise typer.Exit(2)


def _warn_unsafe_bind(settings: Settings) -> None:
    """Loud, last before uvicorn's own start-up lines, so that it is not scrolled away."""
    from callboard.services.production_checks import unsafe_bind_warning

    warning = unsafe_bind_warning(settings)
    if warning is not None:
        logging.getLogger("callboard").warning(warning)
        typer.echo(f"\n{'!' * 78}\n{warning}\n{'!' * 78}\n", err=True)


@cli.command()
def worker(
    database_url: DatabaseUrl = None,
    directory: Directory = None,
    log_format: LogFormatOption = None,
) -> None:
    """Run the job runner alone (deliveries, simulated parties, timers)."""
    from callboard.app import build_services, settle_heap

    settings = _settings(
        database_url=database_url,
        directory_file=directory,
        log_format=log_format and log_format.value,
    )
    logs.configure(settings.log_format)
    _refuse_unsafe_start(settings, serving=False)
    services = build_services(settings)
    settle_heap()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await services.runner.run_forever(stop)

    try:
        import uvloop
    except ImportError:  # uvicorn[standard] has no uvloop on Windows: the standard loop
        asyncio.run(main())
    else:
        # The loop serve gets from uvicorn: about a tenth less CPU per notification.
        uvloop.run(main())


@cli.command()
def token(
    app: Annotated[str | None, typer.Option("--app", help="Application (client) id.")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="User id or userPrincipalName: a delegated token.")
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Tenant id.")] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="The running server to ask (default: env CALLBOARD_URL, else the configured "
            "host and port).",
        ),
    ] = None,
    database_url: DatabaseUrl = None,
    directory: Directory = None,
) -> None:
    """Print an access token (default: the development directory's bot app).

    Asks the running server, so that the token carries its keys and its clock; with
    --database-url (or CALLBOARD_DATABASE_URL) it is signed from that database instead."""
    import os

    from callboard.errors import GraphError

    if database_url is None and "CALLBOARD_DATABASE_URL" not in os.environ:
        if directory is not None:
            # The running server has its own directory; a file here would be ignored.
            typer.echo("error: --directory applies only with --database-url", err=True)
            raise typer.Exit(2)
        _print_token_from_server(url, app=app, user=user, tenant=tenant)
        return
    from callboard.app import build_services
    from callboard.services.token_issuing import issue_token

    settings = _settings(database_url=database_url, directory_file=directory)
    rt = build_services(settings).runtime
    try:
        typer.echo(issue_token(rt, app_id=app, user=user, tenant_id=tenant))
    except GraphError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    finally:
        rt.engine.dispose()


def _print_token_from_server(
    url: str | None, *, app: str | None, user: str | None, tenant: str | None
) -> None:
    """``POST /_callboard/token`` on the running server: never a database of our own (which,
    run in another directory, would be a new one with new keys)."""
    import os
    import ssl

    import httpx

    settings = _settings()
    scheme = "https" if settings.tls else "http"
    root = (
        url
        or os.environ.get("CALLBOARD_URL")
        or settings.base_url
        or f"{scheme}://{settings.host}:{settings.port}"
    ).rstrip("/")
    verify: bool | ssl.SSLContext = True
    if root.startswith("https:"):
        import ssl
        from pathlib import Path

        ca_file = Path(settings.data_dir) / "tls" / "dev-ca.pem"
        if ca_file.exists():
            verify = ssl.create_default_context(cafile=str(ca_file))
    body = {"app": app, "user": user, "tenant": tenant}
    # A server in production or beyond loopback asks for the admin token.
    headers = {"Authorization": f"Bearer {settings.admin_token}"} if settings.admin_token else {}
    try:
        response = httpx.post(
            f"{root}/_callboard/token", json=body, headers=headers, verify=verify, timeout=30
        )
    except httpx.HTTPError as exc:
        typer.echo(
            f"error: no Callboard server answers at {root} ({exc}). Start one with "
            "`callboard serve`, name it with --url, or sign from a database with --database-url.",
            err=True,
        )
        raise typer.Exit(2) from None
    if response.status_code == 404:
        typer.echo(f"error: {root} does not serve /_callboard/token (admin API off?)", err=True)
        raise typer.Exit(2)
    try:
        document = response.json()
    except ValueError:
        document = {}
    if response.status_code != 200 or "access_token" not in document:
        message = (document.get("error") or {}).get("message") or response.text
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2)
    typer.echo(document["access_token"])


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

    from callboard.services import sms_records
    from callboard.store.db import make_engine
    from callboard.store.uow import UnitOfWork

    engine = make_engine(_settings(database_url=database_url).database_url)
    try:
        with UnitOfWork(engine, now=0.0) as uow:
            found = uow.sms.list_page(meeting_id=meeting_id, status=status, to=to, skip=0, top=top)
    finally:
        engine.dispose()
    for message in found:
        row = sms_records.render_message(message)
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
