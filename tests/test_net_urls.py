"""Callback URLs: parsed without raising, refused with a 400 when malformed."""

from __future__ import annotations

import pytest

from callboard.errors import BadRequest
from callboard.net import HttpUrl, check_callback_uri, is_loopback, parse_http_url


@pytest.mark.parametrize(
    "value",
    [
        "https://[::1/cb",
        "https://[zz]/cb",
        "https://[1.2.3.4]/cb",
        "https://host:99999/cb",
        "https://host:port/cb",
        "https://host:-1/cb",
        "https:///cb",
        "https://",
        "bot.contoso.com/cb",
        "ftp://bot.contoso.com/cb",
        "https://bot contoso.com/cb",
        "https://bot.contoso.com/\x00",
        "",
        None,
        42,
    ],
)
def test_malformed_urls_are_none(value: object) -> None:
    assert parse_http_url(value) is None
    with pytest.raises(BadRequest):
        check_callback_uri(value, allow_http_loopback=True)


def test_parsed_parts() -> None:
    assert parse_http_url("HTTPS://Bot.Contoso.com:8443/api/calls") == HttpUrl(
        "https", "bot.contoso.com", 8443
    )
    assert parse_http_url("http://[::1]:3978/cb") == HttpUrl("http", "::1", 3978)
    assert parse_http_url("https://[fe80::1%25eth0]/cb") is not None


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST", "127.0.0.1", "127.9.9.9", "::1", "[::1]"]
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["bot.contoso.com", "10.0.0.1", "[zz]", "", "::2"])
def test_other_hosts(host: str) -> None:
    assert not is_loopback(host)


def test_https_anywhere_http_only_to_loopback_when_allowed() -> None:
    assert check_callback_uri("https://bot.contoso.com/cb", allow_http_loopback=False).port is None
    assert check_callback_uri("http://127.0.0.1:3978/cb", allow_http_loopback=True).port == 3978
    with pytest.raises(BadRequest, match="disabled by CALLBOARD_ALLOW_HTTP_LOOPBACK_CALLBACKS"):
        check_callback_uri("http://localhost/cb", allow_http_loopback=False)
    with pytest.raises(BadRequest, match="absolute https URL"):
        check_callback_uri("http://bot.contoso.com/cb", allow_http_loopback=True)
    with pytest.raises(BadRequest, match="^answer.callbackUri must"):
        check_callback_uri("https://[::1/cb", allow_http_loopback=True, name="answer.callbackUri")
