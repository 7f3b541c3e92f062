"""``callboard token``: one line on stdout, a JWT the live server accepts."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.conftest import DEV_APP, DEV_TENANT
from tests.e2e.conftest import Shared, token_of
from tests.e2e.live import callboard_env, free_port, run_cli

pytestmark = pytest.mark.slow

ALICE = "a11ce000-0000-4000-8000-000000000001"


def verified_claims(shared: Shared, token: str) -> dict[str, Any]:
    """Check the signature against the server's published keys (JWKS) and decode."""
    keys = shared.server.http.get("/common/discovery/v2.0/keys").json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [k for k in keys if k["kid"] == kid]
    claims: dict[str, Any] = jwt.decode(
        token, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience="https://graph.microsoft.com"
    )
    return claims


def test_token_prints_one_line_that_is_a_jwt(shared: Shared) -> None:
    result = shared.tokens["default"]

    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n")
    assert len(result.stdout.splitlines()) == 1
    token = result.stdout.strip()
    assert token.count(".") == 2 and " " not in token
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = verified_claims(shared, token)
    # Default: the development directory's bot app, app-only, in its tenant.
    assert claims["appid"] == DEV_APP
    assert claims["tid"] == DEV_TENANT
    assert claims["idtyp"] == "app"
    assert "Calls.Initiate.All" in claims["roles"]
    assert "scp" not in claims


def test_app_token_is_accepted_by_the_live_server(shared: Shared) -> None:
    token = token_of(shared, "default")

    unknown = str(uuid.uuid4())
    response = shared.server.graph("GET", f"/communications/calls/{unknown}", token)
    # Authenticated and authorised: the call simply does not exist.
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "itemNotFound"

    forged = token[: token.rindex(".") + 1] + "AAAA"
    response = shared.server.graph("GET", f"/communications/calls/{unknown}", forged)
    assert response.status_code == 401


def test_user_token_is_delegated_with_scp(shared: Shared) -> None:
    result = shared.tokens["alice"]

    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    claims = verified_claims(shared, result.stdout.strip())
    assert claims["idtyp"] == "user"
    assert claims["oid"] == ALICE
    assert claims["upn"] == "alice@callboard.dev"
    assert claims["tid"] == DEV_TENANT
    assert "OnlineMeetings.ReadWrite" in claims["scp"].split()
    assert "roles" not in claims


def test_unknown_app_fails_with_a_message_on_stderr(shared: Shared) -> None:
    result = shared.tokens["unknown-app"]

    assert result.returncode != 0
    assert result.stdout == ""
    assert "Unknown application" in result.stderr
    assert "00000000-0000-4000-8000-00000000dead" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_a_running_server_it_says_so_and_creates_nothing(tmp_path: Path) -> None:
    # Run outside any checkout, with no database named: it must not make a database (with
    # keys of its own) where it runs, but ask the server, and say that none answers.
    popen = run_cli(
        ["token", "--url", f"http://127.0.0.1:{free_port()}"], callboard_env(None), tmp_path
    )
    out, err = popen.communicate(timeout=120)

    assert popen.returncode == 2
    assert out == ""
    assert "no Callboard server answers at http://127.0.0.1:" in err
    assert "--database-url" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_token_from_the_running_server_is_accepted(shared: Shared, tmp_path: Path) -> None:
    popen = run_cli(
        ["token", "--url", shared.server.url, "--user", "alice@callboard.dev"],
        callboard_env(None),
        tmp_path,
    )
    out, err = popen.communicate(timeout=120)

    assert popen.returncode == 0, err
    claims = verified_claims(shared, out.strip())
    assert claims["oid"] == ALICE and claims["idtyp"] == "user"
    assert list(tmp_path.iterdir()) == []


def test_a_directory_file_without_a_database_is_refused(tmp_path: Path) -> None:
    popen = run_cli(["token", "--directory", "dir.json"], callboard_env(None), tmp_path)
    out, err = popen.communicate(timeout=120)

    assert popen.returncode == 2
    assert out == ""
    assert "--directory applies only with --database-url" in err
    assert list(tmp_path.iterdir()) == []
