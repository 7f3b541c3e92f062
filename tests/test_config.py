"""Settings sources and mode defaults; loading a directory file at start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callboard.app import build_services
from callboard.config import Mode, Settings, load_settings
from callboard.errors import BadRequest
from callboard.services.directory_loading import default_directory_document


def test_development_defaults() -> None:
    s = Settings()
    assert s.mode is Mode.DEVELOPMENT
    assert (
        s.admin,
        s.allow_http_loopback_callbacks,
        s.virtual_clock,
        s.callback_loopback_only,
    ) == (True, True, True, True)
    assert (s.host, s.port) == ("127.0.0.1", 8765)
    assert s.database_url == "sqlite:///callboard.db"


def test_production_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLBOARD_MODE", "production")
    s = load_settings()
    assert (
        s.admin,
        s.allow_http_loopback_callbacks,
        s.virtual_clock,
        s.callback_loopback_only,
    ) == (False, False, False, False)


def test_toml_file_then_env_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "callboard.toml"
    config.write_text(
        'port = 9000\nhost = "0.0.0.0"\nwebhook_max_attempts = 3\n'
        '[callback_rewrites]\n"https://bot.contoso.com" = "http://127.0.0.1:3978"\n'
    )
    monkeypatch.setenv("CALLBOARD_CONFIG", str(config))
    monkeypatch.setenv("CALLBOARD_PORT", "9100")
    s = load_settings(host="127.0.0.2")
    assert s.port == 9100  # the environment beats the file
    assert s.host == "127.0.0.2"  # a flag beats both
    assert s.webhook_max_attempts == 3
    assert s.callback_rewrites == {"https://bot.contoso.com": "http://127.0.0.1:3978"}


def test_explicit_mode_choices_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLBOARD_MODE", "production")
    monkeypatch.setenv("CALLBOARD_ADMIN_ENABLED", "true")
    assert load_settings().admin is True


def test_directory_file_is_loaded_at_start(tmp_path: Path, database_url: str) -> None:
    document = {
        "tenants": [{"id": "t1", "displayName": "T"}],
        "users": [{"id": "u1", "tenantId": "t1", "displayName": "U", "userPrincipalName": "u@t"}],
        "applications": [
            {
                "appId": "a1",
                "displayName": "A",
                "tenants": ["t1"],
                "applicationPermissions": ["Calls.Initiate.All"],
            }
        ],
    }
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(document))
    services = build_services(Settings(database_url=database_url, directory_file=str(path)))
    rt = services.runtime
    with rt.uow() as uow:
        directory = rt.directory(uow)
    assert set(directory.applications) == {"a1"}
    assert directory.user("t1", "u@t") is not None
    rt.engine.dispose()


@pytest.mark.parametrize(
    "document",
    [
        {"tenants": [{"id": "t"}], "users": [{"id": "u", "tenantId": "nope"}]},
        {"tenants": [{"displayName": "no id"}]},
        {"tenants": [{"id": "t"}, {"id": "t"}]},
        {"tenants": [{"id": 7}]},
        {"tenants": [], "wizards": []},
        {
            "tenants": [{"id": "t"}],
            "applications": [{"appId": "a", "tenants": ["t"]}],
            "applicationInstances": [{"id": "i", "tenantId": "t", "appId": "other"}],
        },
        {
            "tenants": [{"id": "t"}],
            "users": [{"id": "u", "tenantId": "t", "behaviour": {"response": "maybe"}}],
        },
    ],
)
def test_invalid_directory_file_is_refused(
    tmp_path: Path, database_url: str, document: dict[str, object]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(BadRequest):
        build_services(Settings(database_url=database_url, directory_file=str(path)))


def test_unreadable_directory_file_is_refused(database_url: str) -> None:
    with pytest.raises(BadRequest, match="Cannot read"):
        build_services(Settings(database_url=database_url, directory_file="/nonexistent.json"))


def test_built_in_directory_holds_every_seed_identity() -> None:
    document = default_directory_document()
    apps = {a["appId"] for a in document["applications"]}
    assert {"2891555a-92ff-42e6-80fa-6e1300c6b5c6", "dd3885da-f9ab-486b-bfae-85de3d445555"} <= apps
    tenants = {t["id"] for t in document["tenants"]}
    assert "86dc81db-c112-4228-9222-63f3esaa1edb" in tenants  # not a GUID, on purpose
    instances = {i["id"] for i in document["applicationInstances"]}
    assert "3d913abb-aec0-4964-8fa6-3c6850c4f278" in instances
