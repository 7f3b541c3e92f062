"""A small validator of JSON values against Graph's v1.0 CSDL (the vendored digest).

It checks what a Graph client relies on: property names declared on the type or its base
types (on open types, extra properties only where ``extras`` allows them: ones Graph really
sends), primitive types, enum members with the schema's exact casing, ``@odata.type`` naming
the declared type or one derived from it, and abstract types always carrying ``@odata.type``.
The digest is made by ``scripts/vendor_csdl.py``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DIGEST = Path(__file__).resolve().parent.parent / "data" / "graph-v1.0-calls.json"
GRAPH = "microsoft.graph."

# Control information a body may carry (OData JSON format, section 4.5).
ANNOTATIONS = frozenset({"@odata.type", "@odata.context", "@odata.id", "@odata.etag"})
COLLECTION_ANNOTATIONS = frozenset({"@odata.context", "@odata.nextLink", "@odata.count"})

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?"
_PATTERNS = {
    "Edm.DateTimeOffset": re.compile(rf"{_DATE}T{_TIME}(Z|[+-]\d{{2}}:\d{{2}})"),
    "Edm.Date": re.compile(_DATE),
    "Edm.TimeOfDay": re.compile(_TIME),
    "Edm.Duration": re.compile(r"-?P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"),
    "Edm.Guid": re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"),
}
_INT_RANGES = {
    "Edm.Byte": (0, 255),
    "Edm.SByte": (-128, 127),
    "Edm.Int16": (-(2**15), 2**15 - 1),
    "Edm.Int32": (-(2**31), 2**31 - 1),
    "Edm.Int64": (-(2**63), 2**63 - 1),
}


@dataclass
class Schema:
    """The digest's types, enums and bound actions, and the extras allowed on open types."""

    types: dict[str, dict[str, Any]]
    enums: dict[str, dict[str, Any]]
    actions: dict[str, str | None]
    # Open type -> property names Graph sends beyond the declared ones.
    extras: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Every structured type a validated value turned out to be (for the run's summary).
    seen: set[str] = field(default_factory=set)

    @classmethod
    def load(
        cls, path: Path = DIGEST, extras: Mapping[str, frozenset[str]] | None = None
    ) -> Schema:
        digest = json.loads(path.read_text())
        return cls(digest["types"], digest["enums"], digest["actions"], extras or {})

    def lineage(self, name: str) -> Iterator[str]:
        """The type and its base types, nearest first."""
        current: str | None = name
        while current is not None:
            yield current
            current = self.types[current]["base"]

    def derives_from(self, name: str, base: str) -> bool:
        return name in self.types and base in self.lineage(name)

    def properties(self, name: str) -> dict[str, str]:
        declared: dict[str, str] = {}
        for ancestor in self.lineage(name):
            declared.update(self.types[ancestor]["properties"])
        return declared

    def action(self, binding: str, name: str) -> str | None:
        """The return type of a bound action; KeyError when the schema has no such action."""
        return self.actions[f"{binding}/{GRAPH}{name}"]

    def validate(
        self, value: Any, type_name: str, path: str = "$", dynamic: frozenset[str] = frozenset()
    ) -> list[str]:
        """Every way ``value`` breaks ``type_name`` (empty when it conforms).

        ``dynamic``: undeclared top-level properties the client itself set on an open type
        in this request (OData keeps a client's dynamic properties, so they come back).
        """
        errors: list[str] = []
        self._value(value, type_name, path, errors, dynamic)
        return errors

    def validate_collection(self, body: Any, item_type: str, path: str = "$") -> list[str]:
        """A collection response: ``{"value": [...]}`` plus control information."""
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            return [f"{path}: a collection response needs a 'value' array"]
        errors = [
            f"{path}.{key}: not allowed on a collection response"
            for key in body
            if key != "value" and key not in COLLECTION_ANNOTATIONS
        ]
        self._value(body["value"], f"Collection({item_type})", f"{path}.value", errors)
        return errors

    def _value(
        self,
        value: Any,
        type_name: str,
        path: str,
        errors: list[str],
        dynamic: frozenset[str] = frozenset(),
    ) -> None:
        if value is None:
            return  # nullability is checked by the structured type holding the property
        if type_name.startswith("Collection("):
            if not isinstance(value, list):
                errors.append(f"{path}: expected an array of {type_name[11:-1]}")
                return
            for index, item in enumerate(value):
                if item is None:
                    errors.append(f"{path}[{index}]: null in a collection")
                else:
                    self._value(item, type_name[11:-1], f"{path}[{index}]", errors)
        elif type_name.startswith("Edm."):
            problem = primitive_problem(value, type_name)
            if problem:
                errors.append(f"{path}: {problem}")
        elif type_name in self.enums:
            self._enum(value, type_name, path, errors)
        elif type_name in self.types:
            self._structured(value, type_name, path, errors, dynamic)
        else:
            errors.append(f"{path}: type {type_name} is not in the vendored schema")

    def _enum(self, value: Any, type_name: str, path: str, errors: list[str]) -> None:
        enum = self.enums[type_name]
        if not isinstance(value, str):
            errors.append(f"{path}: {type_name} is a string member name, got {value!r}")
            return
        names = value.split(",") if enum["flags"] else [value]
        for name in names:
            if name.strip() not in enum["members"]:
                errors.append(f"{path}: {value!r} is not a member of {type_name} {enum['members']}")

    def _structured(
        self, value: Any, declared: str, path: str, errors: list[str], dynamic: frozenset[str]
    ) -> None:
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object of type {declared}")
            return
        actual = declared
        odata_type = value.get("@odata.type")
        if odata_type is not None:
            named = odata_type[1:] if isinstance(odata_type, str) else ""
            if not isinstance(odata_type, str) or not odata_type.startswith("#"):
                errors.append(f"{path}.@odata.type: {odata_type!r} is not '#namespace.type'")
                return
            if not self.derives_from(named, declared):
                errors.append(
                    f"{path}.@odata.type: {odata_type!r} is not {declared} or derived from it"
                )
                return
            actual = named
        self.seen.add(actual)
        if self.types[actual]["abstract"]:
            errors.append(f"{path}: {declared} is abstract, so @odata.type is required")
            return
        declared_properties = self.properties(actual)
        non_nullable = {n for t in self.lineage(actual) for n in self.types[t]["nonNullable"]}
        open_type = self.types[actual]["open"]
        allowed = set(dynamic).union(
            *(self.extras.get(t, frozenset()) for t in self.lineage(actual))
        )
        for key, item in value.items():
            where = f"{path}.{key}"
            if key.startswith("@") or "@" in key:
                if key not in ANNOTATIONS:
                    errors.append(f"{where}: control information Graph does not send here")
                continue
            if key in non_nullable and item is None:
                errors.append(f"{where}: {actual} declares it non-nullable, got null")
            elif key in declared_properties:
                self._value(item, declared_properties[key], where, errors)
            elif open_type and key in allowed:
                continue
            elif open_type:
                errors.append(
                    f"{where}: not declared on {actual} (an open type; not an extra "
                    "Graph is known to send)"
                )
            else:
                errors.append(f"{where}: not declared on {actual} or its base types")


def primitive_problem(value: Any, type_name: str) -> str | None:
    """Why ``value`` is not a JSON representation of the Edm primitive (None when it is)."""
    if type_name == "Edm.String":
        return None if isinstance(value, str) else f"expected a string, got {value!r}"
    if type_name == "Edm.Boolean":
        return None if isinstance(value, bool) else f"expected a boolean, got {value!r}"
    if type_name in _INT_RANGES:
        low, high = _INT_RANGES[type_name]
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return None
        return f"expected an {type_name[4:]}, got {value!r}"
    if type_name in ("Edm.Double", "Edm.Single", "Edm.Decimal"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return None
        if value in ("NaN", "INF", "-INF") and type_name != "Edm.Decimal":
            return None
        return f"expected a number, got {value!r}"
    if type_name in _PATTERNS:
        if isinstance(value, str) and _PATTERNS[type_name].fullmatch(value):
            return None
        return f"expected an {type_name[4:]}, got {value!r}"
    if type_name == "Edm.Binary":
        try:
            base64.b64decode(value, validate=True)
        except (TypeError, ValueError):
            return f"expected base64 (Edm.Binary), got {value!r}"
        return None
    if type_name == "Edm.Stream":
        return "a stream property is not sent inline"
    return f"{type_name} is not a primitive type the validator knows"


@cache
def graph_schema() -> Schema:
    """The vendored schema with the extras Graph sends on open types (docs/decisions.md)."""
    from tests.schema.extras import ALL_EXTRAS

    return Schema.load(extras=ALL_EXTRAS)
