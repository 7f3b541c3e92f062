"""Free-form JSON objects go by one name, ``JsonObject`` (``callboard/json_types.py``), so
the wire edges are greppable and a new untyped dict in the domain stands out in review."""

from __future__ import annotations

import re
from pathlib import Path

import callboard

SRC = Path(callboard.__file__).parent
RAW = re.compile(r"\b[dD]ict\[\s*str\s*,\s*Any\s*\]")


def _offenders(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "json_types.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RAW.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_raw_str_any_dicts_outside_the_alias() -> None:
    assert _offenders(SRC) == []


def test_the_check_sees_a_raw_dict(tmp_path: Path) -> None:
    (tmp_path / "state.py").write_text("live: dict[str, Any] = {}\nok: JsonObject = {}\n")
    (tmp_path / "json_types.py").write_text("JsonObject = dict[str, Any]\n")
    assert _offenders(tmp_path) == ["state.py:1: live: dict[str, Any] = {}"]
