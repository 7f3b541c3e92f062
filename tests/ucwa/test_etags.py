"""Entity tags of If-Match and If-None-Match: the one parser."""

from __future__ import annotations

import pytest

from callboard.api.ucwa.etags import entity_tags, quoted


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        (None, []),
        ("", []),
        ("   ", []),
        ('"abc"', ["abc"]),
        ("abc", ["abc"]),
        ('W/"abc"', ["abc"]),
        ('"a", W/"b" ,c', ["a", "b", "c"]),
        ("*", ["*"]),
    ],
)
def test_entity_tags(header: str | None, tags: list[str]) -> None:
    assert entity_tags(header) == tags


def test_quoted() -> None:
    assert quoted("abc") == '"abc"'
    assert entity_tags(quoted("abc")) == ["abc"]
