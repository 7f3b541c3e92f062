"""Loading, validating and reading the directory; signing keys; simulated-party behaviours."""

from __future__ import annotations

import json
import threading
from importlib import resources
from pathlib import Path

from callboard.domain.directory import (
    AccessPolicy,
    Application,
    ApplicationInstance,
    Behaviour,
    Directory,
    Tenant,
    User,
)
from callboard.errors import BadRequest
from callboard.json_types import JsonObject
from callboard.store.db import Engine
from callboard.store.uow import UnitOfWork
from callboard.tokens import KeyRing, generate_private_pem

Entry = tuple[str, str, str, JsonObject]


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


# Each section's key properties: non-empty strings, unique within the section.
_KEYS = {
    "onlineMeetings": ("id",),
    "tenants": ("id",),
    "users": ("tenantId", "id"),
    "applications": ("appId",),
    "applicationInstances": ("tenantId", "id"),
}


def _check_keys(document: JsonObject) -> None:
    """A repeated key would otherwise surface as a database integrity error."""
    for section, names in _KEYS.items():
        seen: set[tuple[str, ...]] = set()
        for index, item in enumerate(document.get(section, [])):
            key = tuple(item[name] for name in names)
            if not all(isinstance(part, str) and part for part in key):
                raise BadRequest(f"{section}[{index}]: {', '.join(names)} must be strings.")
            if key in seen:
                raise BadRequest(f"{section}[{index}] repeats {'/'.join(key)}.")
            seen.add(key)


def parse_directory(document: JsonObject) -> Directory:
    """Validate a directory document (the JSON format in docs/directory.md)."""
    if not isinstance(document, dict):
        raise BadRequest("The directory must be a JSON object.")
    unknown = set(document) - set(SECTIONS.values())
    if unknown:
        raise BadRequest(f"Unknown directory sections: {', '.join(sorted(unknown))}.")
    d = Directory()
    try:
        _check_keys(document)
        for t in document.get("tenants", []):
            d.tenants[t["id"]] = Tenant(t["id"], t.get("displayName", t["id"]))
        for u in document.get("users", []):
            _known_tenant(d, u["tenantId"], f"user {u['id']}")
            behaviour = Behaviour.parse(u["behaviour"]) if u.get("behaviour") else None
            d.users[(u["tenantId"], u["id"])] = User(
                id=u["id"],
                tenant_id=u["tenantId"],
                display_name=u.get("displayName", u["id"]),
                user_principal_name=u.get("userPrincipalName", u["id"]),
                licenses=tuple(u.get("licenses", [])),
                phone=u.get("phone"),
                behaviour=behaviour,
            )
        for a in document.get("applications", []):
            for tid in a["tenants"]:
                _known_tenant(d, tid, f"application {a['appId']}")
            d.applications[a["appId"]] = Application(
                app_id=a["appId"],
                display_name=a.get("displayName", a["appId"]),
                client_secret=a.get("clientSecret", ""),
                tenants=tuple(a["tenants"]),
                application_permissions=frozenset(a.get("applicationPermissions", [])),
                delegated_permissions=frozenset(a.get("delegatedPermissions", [])),
                calling_webhook_url=a.get("callingWebhookUrl"),
            )
        for i in document.get("applicationInstances", []):
            _known_tenant(d, i["tenantId"], f"application instance {i['id']}")
            if i["appId"] not in d.applications:
                raise BadRequest(f"Application instance {i['id']} names unknown app {i['appId']}.")
            d.instances[(i["tenantId"], i["id"])] = ApplicationInstance(
                id=i["id"],
                tenant_id=i["tenantId"],
                display_name=i.get("displayName", i["id"]),
                app_id=i["appId"],
                phone_number=i.get("phoneNumber"),
            )
        for p in document.get("applicationAccessPolicies", []):
            _known_tenant(d, p["tenantId"], "application access policy")
            users = [str(u) for u in p.get("users", [])]
            d.access_policies.setdefault(p["tenantId"], []).append(
                AccessPolicy(
                    app_ids=frozenset(p["appIds"]), users=frozenset(users), all_users="*" in users
                )
            )
        for m in document.get("onlineMeetings", []):
            _known_tenant(d, m["tenantId"], f"online meeting {m['id']}")
            if (m["tenantId"], m["organizerId"]) not in d.users:
                raise BadRequest(f"The online meeting {m['id']} names an unknown organizer.")
            d.meeting_fixtures.append(m)
    except (KeyError, TypeError) as exc:
        raise BadRequest(f"The directory is missing a required property: {exc}.") from exc
    return d


def _known_tenant(d: Directory, tenant_id: str, what: str) -> None:
    if tenant_id not in d.tenants:
        raise BadRequest(f"The {what} names unknown tenant {tenant_id}.")


# Directory kind -> document section, in document order.
SECTIONS = {
    "tenant": "tenants",
    "user": "users",
    "application": "applications",
    "applicationInstance": "applicationInstances",
    "applicationAccessPolicy": "applicationAccessPolicies",
    "onlineMeeting": "onlineMeetings",
}


def _entry_key(kind: str, item: JsonObject, index: int) -> tuple[str, str]:
    """(tenant, id) under which an entry is stored."""
    if kind == "tenant":
        return item["id"], item["id"]
    if kind == "application":
        return "*", item["appId"]
    if kind == "applicationAccessPolicy":
        return item["tenantId"], str(item.get("id", index))
    return item["tenantId"], item["id"]


def _entries(document: JsonObject) -> list[Entry]:
    entries: list[Entry] = []
    for kind, section in SECTIONS.items():
        for index, item in enumerate(document.get(section, [])):
            entries.append((kind, *_entry_key(kind, item, index), item))
    return entries


def _document(entries: list[Entry]) -> JsonObject:
    document: JsonObject = {name: [] for name in SECTIONS.values()}
    for kind, _tid, _id, doc in entries:
        document[SECTIONS[kind]].append(doc)
    return document


class DirectoryCache:
    """The directory as stored, parsed once per load (this process's reloads refresh it)."""

    def __init__(self) -> None:
        self._directory: Directory | None = None
        self._lock = threading.Lock()

    def get(self, uow: UnitOfWork) -> Directory:
        directory = self._directory
        if directory is None:
            directory = parse_directory(_document(uow.directory.entries()))
            with self._lock:
                self._directory = directory
        return directory

    def invalidate(self) -> None:
        with self._lock:
            self._directory = None


def replace_directory(uow: UnitOfWork, document: JsonObject) -> Directory:
    """Validate and store a directory, replacing the previous one (caller commits)."""
    directory = parse_directory(document)
    uow.directory.replace(_entries(document))
    return directory


def ensure_directory(uow: UnitOfWork, directory_file: str | None) -> None:
    """Load ``directory_file`` if given; otherwise the built-in one when none is stored."""
    if directory_file:
        replace_directory(uow, read_directory_file(directory_file))
    elif not uow.directory.entries():
        replace_directory(uow, default_directory_document())


def directory_document(uow: UnitOfWork) -> JsonObject:
    return _document(uow.directory.entries())


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
        return Behaviour.parse(stored)
    user = directory.user(tenant_id, identity_id)
    if user is not None and user.behaviour is not None:
        return user.behaviour
    return Behaviour()
