"""``callboard sms list``: the messages of the database, filtered like the admin route."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from callboard.cli import cli
from callboard.config import Settings
from tests.conftest import CALLING_BOT, CONTOSO
from tests.support import seed


def test_sms_list(
    app_client: TestClient, auth: Callable[..., dict[str, str]], settings: Settings
) -> None:
    request = seed("reminder-sms")
    headers = auth(app=CALLING_BOT, tenant=CONTOSO, user="dana@contoso.com")
    assert app_client.post(request["url"], json=request["body"], headers=headers).status_code == 202
    runner = CliRunner()
    url = ["--database-url", settings.database_url]
    result = runner.invoke(cli, ["sms", "list", *url])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert "+13129224122" in lines[0] and "scheduled" in lines[0]
    assert "failed" in lines[1] and "not a valid United States phone number" in lines[1]
    result = runner.invoke(cli, ["sms", "list", "--status", "failed", "--json", *url])
    (row,) = [json.loads(line) for line in result.output.strip().splitlines()]
    assert row["to"] == "+1242421412" and row["meetingId"] == request["url"].split("/")[4]
    result = runner.invoke(cli, ["sms", "list", "--to", "+10000000000", *url])
    assert result.exit_code == 0 and result.output == ""
