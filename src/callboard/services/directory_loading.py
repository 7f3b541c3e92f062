"""Loading, validating and reading the directory; signing keys; simulated-party behaviours."""

from __future__ import annotations

import json
import threading
from importlib import resources
from pathlib import Path

from callboard.domain.directory import (
    Behaviour,
    Directory,
    directory_entries,
    entries_document,
)
from callboard.errors import BadRequest
from callboard.json_types import JsonObject
from callboard.store.db import Engine
from callboard.store.uow import UnitOfWork
from callboard.tokens import KeyRing, generate_private_pem


def default_directory_document() -> JsonObject:
    text = resources.files("callboard").joinpath("data/dev-directory.json").read_text()
    result: JsonObject = json.loads(text)
    return result


def read_directory_file(path: str) -> JsonObject:
    try:
        document: JsonObject = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BadRequest(f"Cannot read the directory file {path}: {exc}") from exc
    return document


class DirectoryCache:
    """The directory as stored, parsed once per load (this process's reloads refresh it)."""

    def __init__(self) -> None:
        self._directory: Directory | None = None
        self._lock = threading.Lock()

    def get(self, uow: UnitOfWork) -> Directory:
        directory = self._directory
        if directory is None:
            directory = Directory.parse(entries_document(uow.directory.entries()))
            with self._lock:
                self._directory = directory
        return directory

    def invalidate(self) -> None:
        with self._lock:
            self._directory = None


def replace_directory(uow: UnitOfWork, document: JsonObject) -> Directory:
    """Validate and store a directory, replacing the previous one (caller commits)."""
    directory = Directory.parse(document)
    uow.directory.replace(directory_entries(document))
    return directory


def ensure_directory(uow: UnitOfWork, directory_file: str | None) -> None:
    """Load ``directory_file`` if given; otherwise the built-in one when none is stored."""
    if directory_file:
        replace_directory(uow, read_directory_file(directory_file))
    elif not uow.directory.entries():
        replace_directory(uow, default_directory_document())


def directory_document(uow: UnitOfWork) -> JsonObject:
    """The stored directory as the document it was loaded from."""
    return entries_document(uow.directory.entries())


def load_keyring(engine: Engine, now: float) -> KeyRing:
    """The signing keys, creating the first one on first use (kept across restarts)."""
    with UnitOfWork(engine, now=now) as uow:
        keys = uow.keys.all()
        if keys:
            return KeyRing(keys)
        kid, pem = generate_private_pem()
        uow.keys.add(kid, pem, now)
        uow.commit()
    with UnitOfWork(engine, now=now) as uow:
        # Re-read: a concurrent first start may have added its key too; all are valid.
        return KeyRing(uow.keys.all())


def behaviour_for(uow: UnitOfWork, directory: Directory, tenant_id: str, key: str) -> Behaviour:
    """How the party behind ``kind:id`` responds: admin override, then directory, then default."""
    _kind, _, identity_id = key.partition(":")
    stored = uow.behaviours.get(identity_id)
    if stored is not None:
        return stored
    user = directory.user(tenant_id, identity_id)
    if user is not None and user.behaviour is not None:
        return user.behaviour
    return Behaviour()
