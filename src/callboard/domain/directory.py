"""The directory: tenants, users, applications, application instances, and how simulated
remote parties behave when they are called."""

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


@dataclass(frozen=True)
class Tenant:
    id: str
    display_name: str


@dataclass(frozen=True)
class User:
    id: str
    tenant_id: str
    display_name: str
    user_principal_name: str
    licenses: tuple[str, ...] = ()
    phone: str | None = None
    behaviour: Behaviour | None = None


@dataclass(frozen=True)
class Application:
    app_id: str
    display_name: str
    client_secret: str
    tenants: tuple[str, ...]
    application_permissions: frozenset[str]
    delegated_permissions: frozenset[str]
    calling_webhook_url: str | None = None


@dataclass(frozen=True)
class ApplicationInstance:
    id: str
    tenant_id: str
    display_name: str
    app_id: str
    phone_number: str | None = None


@dataclass(frozen=True)
class AccessPolicy:
    """A Teams application access policy: these apps may act on these users' meetings."""

    app_ids: frozenset[str]
    users: frozenset[str]
    all_users: bool


@dataclass
class Directory:
    tenants: dict[str, Tenant] = field(default_factory=dict)
    users: dict[tuple[str, str], User] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    instances: dict[tuple[str, str], ApplicationInstance] = field(default_factory=dict)
    access_policies: dict[str, list[AccessPolicy]] = field(default_factory=dict)
    # Meetings that exist whenever this directory is loaded (the seeds' meetings).
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
