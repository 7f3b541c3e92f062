"""One loopback check for callbacks and SMS gateways: IP addresses parsed, not prefixes."""

from __future__ import annotations

import pytest

from callboard.net import has_user_info, host_of, is_loopback, is_loopback_url, literal_refusal


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST", "localhost."]
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1.nip.io", "127.example.com", "10.0.0.1", "::2", "bot.contoso.com", "", "[::1"],
)
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:3978/api/calls", True),
        ("http://[::1]:8080/x", True),
        ("https://localhost/x", True),
        ("http://127.0.0.1.nip.io/x", False),
        ("https://api.twilio.com", False),
        ("http://[::1/x", False),  # unparseable
        ("", False),
    ],
)
def test_loopback_urls(url: str, expected: bool) -> None:
    assert is_loopback_url(url) is expected


def test_host_of() -> None:
    assert host_of("http://u:p@[::1]:80/x") == "::1"
    assert host_of("http://Bot.Contoso.COM/x") == "bot.contoso.com"
    assert host_of("http://[::1/x") == ""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://u:p@127.0.0.1/x", True),
        ("http://u@127.0.0.1/x", True),
        ("http://:p@127.0.0.1/x", True),
        ("http://127.0.0.1/x?to=a@b", False),
        ("https://bot.contoso.com/api/calls", False),
        ("http://[::1/x", False),
    ],
)
def test_user_info(url: str, expected: bool) -> None:
    assert has_user_info(url) is expected


def test_literal_refusal_checks_addresses_and_leaves_names_to_connect_time() -> None:
    assert literal_refusal("", "127.0.0.1") is not None
    assert literal_refusal("", "0x7f.1") is not None
    assert literal_refusal("", "localhost") is not None
    assert literal_refusal("", "bot.contoso.com") is None  # its addresses: at connect time
    assert literal_refusal("", "8.8.8.8") is None
    assert literal_refusal("127.0.0.0/8", "127.0.0.1") is None  # the allow-list names it
