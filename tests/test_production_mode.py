"""Production refuses to start with development secrets or an open admin API; development
warns when it listens beyond loopback (docs/decisions.md, "Production is safe by default")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callboard import app as app_module
from callboard import cli as cli_module
from callboard.cli import cli
from callboard.config import Mode, Settings
from callboard.services.directory_loading import default_directory_document
from callboard.services.production_checks import (
    production_problems,
    unsafe_bind_warning,
    weak_secret,
)

STRONG = "Jq3v9y0c2X1Hn8ZkP4sW7tLmB6dR5eFa"  # 32 characters
ADMIN_TOKEN = "admin-" + STRONG


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CALLBOARD_MODE", "CALLBOARD_DIRECTORY_FILE", "CALLBOARD_ADMIN_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CALLBOARD_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("CALLBOARD_HOST", raising=False)
    monkeypatch.delenv("CALLBOARD_CONFIG", raising=False)


def _directory(tmp_path: Path, secret: str | None = STRONG) -> str:
    document: dict[str, Any] = default_directory_document()
    for app in document["applications"]:
        if secret is None:
            app.pop("clientSecret", None)
        else:
            app["clientSecret"] = f"{secret}-{app['appId']}" if secret == STRONG else secret
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(document))
    return str(path)


def _production(**values: Any) -> Settings:
    return Settings(mode=Mode.PRODUCTION, **values)


class TestProductionProblems:
    def test_development_has_none(self) -> None:
        assert production_problems(Settings()) == []
        assert production_problems(Settings(host="0.0.0.0")) == []

    def test_the_built_in_directory_is_refused(self) -> None:
        (problem,) = production_problems(_production())
        assert "no directory file" in problem

    def test_the_development_directory_as_a_file_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "dev.json"
        path.write_text(json.dumps(default_directory_document()))
        problems = production_problems(_production(directory_file=str(path)))
        apps = [a for a in default_directory_document()["applications"] if a.get("clientSecret")]
        assert len(problems) == len(apps)
        assert all("development secret" in p for p in problems)
        assert any("callboard-dev-secret" not in p and apps[0]["appId"] in p for p in problems)

    @pytest.mark.parametrize("secret", ["", "short", STRONG[:-1], "callboard-dev-secret"])
    def test_weak_client_secrets_are_refused(self, tmp_path: Path, secret: str) -> None:
        problems = production_problems(_production(directory_file=_directory(tmp_path, secret)))
        assert problems
        assert all("client secret" in p for p in problems)

    def test_a_missing_client_secret_is_refused(self, tmp_path: Path) -> None:
        assert production_problems(_production(directory_file=_directory(tmp_path, None)))

    def test_generated_secrets_pass(self, tmp_path: Path) -> None:
        assert production_problems(_production(directory_file=_directory(tmp_path))) == []

    def test_an_unreadable_directory_file_is_a_problem(self, tmp_path: Path) -> None:
        (problem,) = production_problems(_production(directory_file=str(tmp_path / "none")))
        assert "Cannot read the directory file" in problem

    @pytest.mark.parametrize(("token", "why"), [("", "is not set"), ("short", "shorter")])
    def test_the_admin_api_needs_a_strong_token(self, tmp_path: Path, token: str, why: str) -> None:
        settings = _production(
            directory_file=_directory(tmp_path), admin_enabled=True, admin_token=token
        )
        (problem,) = production_problems(settings)
        assert "CALLBOARD_ADMIN_TOKEN" in problem and why in problem
        # The worker serves no admin API: it does not ask for the token.
        assert production_problems(settings, serving=False) == []
        settings.admin_token = ADMIN_TOKEN
        assert production_problems(settings) == []

    def test_weak_secret(self) -> None:
        assert weak_secret(STRONG) is None
        assert weak_secret("x" * 31) == "is shorter than 32 characters"
        assert (
            weak_secret("calling-bot-secret") == "is a development secret published with Callboard"
        )


class _Started:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def create_app(self, settings: Settings) -> object:
        self.calls.append({"settings": settings})
        return object()

    def run(self, app: object, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    def build_services(self, settings: Settings) -> object:
        self.calls.append({"settings": settings})
        raise RuntimeError("the worker would start here")


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> _Started:
    """``serve`` and ``worker`` without a server: create_app, build_services and the uvicorn
    server record their arguments (and the worker stops there)."""
    recorder = _Started()
    monkeypatch.setattr(app_module, "create_app", recorder.create_app)
    monkeypatch.setattr(app_module, "build_services", recorder.build_services)
    monkeypatch.setattr(cli_module, "_run_server", recorder.run)
    return recorder


class TestTheCommandsRefuse:
    @pytest.mark.parametrize("command", ["serve", "worker"])
    def test_without_a_directory(
        self, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: _Started
    ) -> None:
        monkeypatch.setenv("CALLBOARD_MODE", "production")
        database = tmp_path / "callboard.db"
        result = CliRunner().invoke(cli, [command, "--database-url", f"sqlite:///{database}"])
        assert result.exit_code == 2, result.output
        assert "production mode refuses to start" in result.stderr
        assert "no directory file" in result.stderr
        assert "secrets.token_urlsafe" in result.stderr
        assert not database.exists()  # refused before anything was opened
        assert started.calls == []

    def test_with_the_development_secrets(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: _Started
    ) -> None:
        monkeypatch.setenv("CALLBOARD_MODE", "production")
        path = tmp_path / "dev.json"
        path.write_text(json.dumps(default_directory_document()))
        database = tmp_path / "callboard.db"
        result = CliRunner().invoke(
            cli, ["serve", "--directory", str(path), "--database-url", f"sqlite:///{database}"]
        )
        assert result.exit_code == 2, result.output
        assert "development secret" in result.stderr
        assert not database.exists()
        assert started.calls == []


class TestBindWarning:
    @pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "callboard.lan"])
    def test_beyond_loopback_in_development(self, host: str) -> None:
        warning = unsafe_bind_warning(Settings(host=host))
        assert warning is not None
        assert host in warning and "beyond loopback" in warning
        assert "refuses every request until CALLBOARD_ADMIN_TOKEN is set" in warning
        with_token = unsafe_bind_warning(Settings(host=host, admin_token=ADMIN_TOKEN))
        assert with_token is not None and "asks for CALLBOARD_ADMIN_TOKEN" in with_token

    @pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
    def test_none_on_loopback(self, host: str) -> None:
        assert unsafe_bind_warning(Settings(host=host)) is None

    def test_none_in_production(self) -> None:
        assert unsafe_bind_warning(_production(host="0.0.0.0")) is None

    def test_serve_prints_it(self, started: _Started) -> None:
        result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
        assert result.exit_code == 0, result.output
        assert "WARNING: development mode listening on 0.0.0.0" in result.stderr
        assert started.calls[-1]["host"] == "0.0.0.0"

    def test_serve_on_loopback_is_quiet(self, started: _Started) -> None:
        result = CliRunner().invoke(cli, ["serve"])
        assert result.exit_code == 0, result.output
        assert "WARNING" not in result.stderr
        assert started.calls[-1]["host"] == "127.0.0.1"

    def test_production_with_everything_starts(
        self, started: _Started, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CALLBOARD_MODE", "production")
        monkeypatch.setenv("CALLBOARD_ADMIN_ENABLED", "true")
        monkeypatch.setenv("CALLBOARD_ADMIN_TOKEN", ADMIN_TOKEN)
        result = CliRunner().invoke(
            cli, ["serve", "--host", "0.0.0.0", "--directory", _directory(tmp_path)]
        )
        assert result.exit_code == 0, result.output
        assert "WARNING" not in result.stderr
        assert started.calls[0]["settings"].admin_token == ADMIN_TOKEN


def test_callboard_token_sends_the_admin_token(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    sent: dict[str, Any] = {}

    def post(url: str, **kwargs: Any) -> httpx.Response:
        sent.update(kwargs, url=url)
        return httpx.Response(200, json={"access_token": "the-token"})

    monkeypatch.setattr(httpx, "post", post)
    monkeypatch.delenv("CALLBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("CALLBOARD_ADMIN_TOKEN", ADMIN_TOKEN)
    result = CliRunner().invoke(cli, ["token", "--url", "http://127.0.0.1:1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "the-token"
    assert sent["headers"] == {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert sent["url"] == "http://127.0.0.1:1/_callboard/token"
