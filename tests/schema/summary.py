"""Pytest hooks (imported by ``tests/conftest.py``): how much the schema checks covered.

Each process counts its own; under xdist the workers hand their counts to the controller,
which prints the total at the end of the run.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.schema import capture
from tests.schema.csdl import graph_schema

KEY = "graph_schema"
_totals: dict[str, Any] = {"bodies": 0, "notifications": 0, "skipped": 0, "types": set()}


def _mine() -> dict[str, Any]:
    tally = capture.TALLY
    return {
        "bodies": tally.bodies,
        "notifications": tally.notifications,
        "skipped": tally.skipped,
        "types": sorted(graph_schema().seen),
    }


def _add(counts: dict[str, Any]) -> None:
    for key in ("bodies", "notifications", "skipped"):
        _totals[key] += counts[key]
    _totals["types"].update(counts["types"])


def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:  # an xdist worker: report to the controller
        output[KEY] = _mine()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    counts = getattr(node, "workeroutput", {}).get(KEY)
    if counts:
        _add(counts)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if getattr(config, "workeroutput", None) is not None:
        return
    if not hasattr(config, "workerinput") and not _totals["types"]:
        _add(_mine())  # no workers: this process ran the tests
    if _totals["bodies"] or _totals["notifications"]:
        terminalreporter.write_line(
            f"Graph v1.0 schema: {_totals['bodies']} response bodies and "
            f"{_totals['notifications']} notifications checked, {len(_totals['types'])} types "
            f"seen ({_totals['skipped']} beta, UCWA or admin bodies skipped)"
        )
