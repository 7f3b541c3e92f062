"""Identifier factories, injected so that tests can use predictable ids."""

from __future__ import annotations

import itertools
import uuid
from typing import Protocol


class IdFactory(Protocol):
    def new(self) -> str: ...


class RandomIds:
    def new(self) -> str:
        return str(uuid.uuid4())


class SequentialIds:
    """``00000000-0000-4000-8000-000000000001``, ``...002``, ... for tests."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new(self) -> str:
        return f"00000000-0000-4000-8000-{next(self._counter):012d}"
