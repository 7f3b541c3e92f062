"""The call-test harness (``h``) for the console's tests."""

from __future__ import annotations

from tests.api.conftest import h

__all__ = ["h"]
