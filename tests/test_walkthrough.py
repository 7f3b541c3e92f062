"""The README's walkthrough is ``scripts/walkthrough``: each README command is in the script,
and the script runs green against a fresh server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
SCRIPT = ROOT / "scripts" / "walkthrough"
SDK_EXAMPLE = ROOT / "docs" / "examples" / "msgraph_sdk_call.py"
# A trailing shell comment: whitespace, "#", a space (never inside the JSON bodies).
_COMMENT = re.compile(r"\s+# .*$")


def _blocks(language: str) -> list[list[str]]:
    text = README.read_text()
    walkthrough = text[text.index("<!-- walkthrough:begin") : text.index("<!-- walkthrough:end")]
    found = re.findall(rf"```{language}\n(.*?)```", walkthrough, flags=re.DOTALL)
    return [block.splitlines() for block in found]


def _commands(language: str) -> list[str]:
    lines = []
    for block in _blocks(language):
        for line in block:
            command = _COMMENT.sub("", line).strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def test_every_readme_command_is_in_the_script() -> None:
    script = SCRIPT.read_text()
    commands = _commands("bash")
    assert len(commands) > 30
    missing = [line for line in commands if line not in script]
    assert not missing, "README commands missing from scripts/walkthrough:\n" + "\n".join(missing)


def test_the_readme_sdk_snippet_is_in_the_example() -> None:
    example = SDK_EXAMPLE.read_text()
    lines = _commands("python")
    assert lines
    assert [line for line in lines if line not in example] == []


@pytest.mark.slow
def test_the_walkthrough_runs() -> None:
    if not (ROOT / ".venv" / "bin" / "callboard").exists():
        pytest.skip("no .venv/bin/callboard: scripts/walkthrough runs in the repository's venv")
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLBOARD_")}
    result = subprocess.run(
        [str(SCRIPT)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-6000:]
    assert "walkthrough: every step as the README says" in result.stdout
