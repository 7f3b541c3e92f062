"""The directory: tenants, users, applications, application instances, and how simulated
remote parties behave when they are called.

The directory document (the JSON of docs/directory.md: a file, the built-in one, or the admin
API's body) is the wire edge: ``Directory.parse`` reads it once into these types, which the
rest of Callboard uses. It is stored as it was sent, one ``DirectoryEntry`` per item, so the
admin API shows back what was loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from callboard.domain.party_scripts import (
    TimedStep,
    TransferAnswer,
    parse_script,
    script_document,
)
from callboard.errors import BadRequest
from callboard.json_types import JsonObject


class Response(StrEnum):
    """What a simulated callee does when its phone rings."""

    ANSWER = "answer"
    DECLINE = "decline"
    BUSY = "busy"
    NO_ANSWER = "noAnswer"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Behaviour:
    response: Response = Response.ANSWER
    # None: the server's default delay (settings.answer_delay_seconds).
    answer_after_seconds: float | None = None
    hang_up_after_seconds: float | None = None
    # What the party does once in the call (domain/party_scripts.py), and when transferred.
    script: tuple[TimedStep, ...] = ()
    transfer: TransferAnswer | None = None

    @classmethod
    def parse(cls, data: JsonObject) -> Behaviour:
        unknown = set(data) - {
            "response",
            "answerAfterSeconds",
            "hangUpAfterSeconds",
            "script",
            "transfer",
        }
        if unknown:
            raise BadRequest(f"Unknown behaviour properties: {', '.join(sorted(unknown))}.")
        try:
            response = Response(data.get("response", "answer"))
        except ValueError:
            allowed = ", ".join(r.value for r in Response)
            raise BadRequest(f"behaviour.response must be one of: {allowed}.") from None
        answer = _non_negative(data.get("answerAfterSeconds"), "answerAfterSeconds")
        hang_up = _non_negative(data.get("hangUpAfterSeconds"), "hangUpAfterSeconds")
        script = parse_script(data["script"]) if data.get("script") is not None else ()
        try:
            transfer = None if data.get("transfer") is None else TransferAnswer(data["transfer"])
        except ValueError:
            raise BadRequest("behaviour.transfer must be accept or refuse.") from None
        return cls(response, answer, hang_up, script, transfer)

    def to_dict(self) -> JsonObject:
        document: JsonObject = {
            "response": self.response.value,
            "answerAfterSeconds": self.answer_after_seconds,
            "hangUpAfterSeconds": self.hang_up_after_seconds,
        }
        if self.script:
            document["script"] = script_document(self.script)
        if self.transfer is not None:
            document["transfer"] = self.transfer.value
        return document


def _non_negative(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise BadRequest(f"{name} must be a non-negative number of seconds.")
    return float(value)


def _or(item: JsonObject, key: str, default: str) -> str:
    """``item[key]`` as sent, or ``default`` when the item has no such key."""
    value: str = item.get(key, default)
    return value


@dataclass(frozen=True)
class Tenant:
    id: str
    display_name: str

    @classmethod
    def parse(cls, item: JsonObject) -> Tenant:
        return cls(item["id"], _or(item, "displayName", item["id"]))


@dataclass(frozen=True)
class User:
    id: str
    tenant_id: str
    display_name: str
    user_principal_name: str
    licenses: tuple[str, ...] = ()
    phone: str | None = None
    behaviour: Behaviour | None = None

    @classmethod
    def parse(cls, item: JsonObject) -> User:
        return cls(
            id=item["id"],
            tenant_id=item["tenantId"],
            display_name=_or(item, "displayName", item["id"]),
            user_principal_name=_or(item, "userPrincipalName", item["id"]),
            licenses=tuple(item.get("licenses", [])),
            phone=item.get("phone"),
            behaviour=Behaviour.parse(item["behaviour"]) if item.get("behaviour") else None,
        )


@dataclass(frozen=True)
class Application:
    app_id: str
    display_name: str
    client_secret: str
    tenants: tuple[str, ...]
    application_permissions: frozenset[str]
    delegated_permissions: frozenset[str]
    calling_webhook_url: str | None = None

    @classmethod
    def parse(cls, item: JsonObject) -> Application:
        return cls(
            app_id=item["appId"],
            display_name=_or(item, "displayName", item["appId"]),
            client_secret=item.get("clientSecret", ""),
            tenants=tuple(item["tenants"]),
            application_permissions=frozenset(item.get("applicationPermissions", [])),
            delegated_permissions=frozenset(item.get("delegatedPermissions", [])),
            calling_webhook_url=item.get("callingWebhookUrl"),
        )


@dataclass(frozen=True)
class ApplicationInstance:
    id: str
    tenant_id: str
    display_name: str
    app_id: str
    phone_number: str | None = None

    @classmethod
    def parse(cls, item: JsonObject) -> ApplicationInstance:
        return cls(
            id=item["id"],
            tenant_id=item["tenantId"],
            display_name=_or(item, "displayName", item["id"]),
            app_id=item["appId"],
            phone_number=item.get("phoneNumber"),
        )


@dataclass(frozen=True)
class AccessPolicy:
    """A Teams application access policy: these apps may act on these users' meetings."""

    app_ids: frozenset[str]
    users: frozenset[str]
    all_users: bool

    @classmethod
    def parse(cls, item: JsonObject) -> AccessPolicy:
        users = [str(u) for u in item.get("users", [])]
        return cls(
            app_ids=frozenset(item["appIds"]), users=frozenset(users), all_users="*" in users
        )


# Directory kind -> document section, in document order.
SECTIONS = {
    "tenant": "tenants",
    "user": "users",
    "application": "applications",
    "applicationInstance": "applicationInstances",
    "applicationAccessPolicy": "applicationAccessPolicies",
    "onlineMeeting": "onlineMeetings",
}

# Each section's key properties: non-empty strings, unique within the section.
_KEYS = {
    "onlineMeetings": ("id",),
    "tenants": ("id",),
    "users": ("tenantId", "id"),
    "applications": ("appId",),
    "applicationInstances": ("tenantId", "id"),
}


@dataclass(frozen=True)
class DirectoryEntry:
    """One item of a directory document as stored: its kind, the (tenant, id) it is stored
    under, and the item as it was sent."""

    kind: str
    tenant_id: str
    id: str
    document: JsonObject

    @classmethod
    def of(cls, kind: str, item: JsonObject, index: int) -> DirectoryEntry:
        if kind == "tenant":
            return cls(kind, item["id"], item["id"], item)
        if kind == "application":
            return cls(kind, "*", item["appId"], item)
        if kind == "applicationAccessPolicy":
            return cls(kind, item["tenantId"], str(item.get("id", index)), item)
        return cls(kind, item["tenantId"], item["id"], item)


def directory_entries(document: JsonObject) -> list[DirectoryEntry]:
    """A (valid) directory document as the entries it is stored as, in document order."""
    return [
        DirectoryEntry.of(kind, item, index)
        for kind, section in SECTIONS.items()
        for index, item in enumerate(document.get(section, []))
    ]


def entries_document(entries: list[DirectoryEntry]) -> JsonObject:
    """The directory document of stored entries (every section, empty ones too)."""
    document: JsonObject = {name: [] for name in SECTIONS.values()}
    for entry in entries:
        document[SECTIONS[entry.kind]].append(entry.document)
    return document


@dataclass
class Directory:
    tenants: dict[str, Tenant] = field(default_factory=dict)
    users: dict[tuple[str, str], User] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    instances: dict[tuple[str, str], ApplicationInstance] = field(default_factory=dict)
    access_policies: dict[str, list[AccessPolicy]] = field(default_factory=dict)
    # Meetings that exist whenever this directory is loaded (the seeds' meetings): Graph
    # meeting bodies with their ids, which services/meetings.py parses when it makes them.
    meeting_fixtures: list[JsonObject] = field(default_factory=list)

    def user(self, tenant_id: str, user_id_or_upn: str) -> User | None:
        found = self.users.get((tenant_id, user_id_or_upn))
        if found is not None:
            return found
        wanted = user_id_or_upn.lower()
        return next(
            (
                u
                for u in self.users.values()
                if u.tenant_id == tenant_id and u.user_principal_name.lower() == wanted
            ),
            None,
        )

    def find_user_anywhere(self, user_id_or_upn: str) -> User | None:
        wanted = user_id_or_upn.lower()
        return next(
            (
                u
                for u in self.users.values()
                if u.id == user_id_or_upn or u.user_principal_name.lower() == wanted
            ),
            None,
        )

    def instance(self, tenant_id: str, instance_id: str) -> ApplicationInstance | None:
        return self.instances.get((tenant_id, instance_id))

    @classmethod
    def parse(cls, document: JsonObject) -> Directory:
        """Validate a directory document (the JSON format in docs/directory.md); 400 with
        the first problem."""
        if not isinstance(document, dict):
            raise BadRequest("The directory must be a JSON object.")
        unknown = set(document) - set(SECTIONS.values())
        if unknown:
            raise BadRequest(f"Unknown directory sections: {', '.join(sorted(unknown))}.")
        d = cls()
        try:
            _check_keys(document)
            for t in document.get("tenants", []):
                tenant = Tenant.parse(t)
                d.tenants[tenant.id] = tenant
            for u in document.get("users", []):
                d._known_tenant(u["tenantId"], f"user {u['id']}")
                user = User.parse(u)
                d.users[(user.tenant_id, user.id)] = user
            for a in document.get("applications", []):
                for tid in a["tenants"]:
                    d._known_tenant(tid, f"application {a['appId']}")
                app = Application.parse(a)
                d.applications[app.app_id] = app
            for i in document.get("applicationInstances", []):
                d._known_tenant(i["tenantId"], f"application instance {i['id']}")
                if i["appId"] not in d.applications:
                    raise BadRequest(
                        f"Application instance {i['id']} names unknown app {i['appId']}."
                    )
                instance = ApplicationInstance.parse(i)
                d.instances[(instance.tenant_id, instance.id)] = instance
            for p in document.get("applicationAccessPolicies", []):
                d._known_tenant(p["tenantId"], "application access policy")
                d.access_policies.setdefault(p["tenantId"], []).append(AccessPolicy.parse(p))
            for m in document.get("onlineMeetings", []):
                d._known_tenant(m["tenantId"], f"online meeting {m['id']}")
                if (m["tenantId"], m["organizerId"]) not in d.users:
                    raise BadRequest(f"The online meeting {m['id']} names an unknown organizer.")
                d.meeting_fixtures.append(m)
        except (KeyError, TypeError) as exc:
            raise BadRequest(f"The directory is missing a required property: {exc}.") from exc
        return d

    def _known_tenant(self, tenant_id: str, what: str) -> None:
        if tenant_id not in self.tenants:
            raise BadRequest(f"The {what} names unknown tenant {tenant_id}.")


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
