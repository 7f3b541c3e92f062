#!/usr/bin/env python3
"""Regenerate ``tests/data/graph-v1.0-calls.json``: the part of Graph's v1.0 CSDL that
Callboard serves, as a small JSON digest the schema tests validate bodies against.

Usage: ``python scripts/vendor_csdl.py PATH/TO/graph-v1.0-Prod.csdl [OUTPUT]``

The CSDL is Graph's v1.0 ``$metadata`` as published in the public
``microsoftgraph/msgraph-metadata`` repository (``graph-v1.0-Prod.csdl``). The digest keeps,
for the root types below and everything they reach (property types, base types, derived
complex types): each type's base, ``Abstract`` and ``OpenType`` flags, structural properties
and non-nullable ones; every enum's members; and the bound actions Callboard serves with
their return type (or none).
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "graph-v1.0-calls.json"

# What Callboard's Graph routes and notifications carry.
ROOTS = (
    "microsoft.graph.call",
    "microsoft.graph.participant",
    "microsoft.graph.commsOperation",
    "microsoft.graph.commsNotifications",
    "microsoft.graph.onlineMeeting",
    "microsoft.graph.contentSharingSession",
    "microsoft.graph.subscription",
    "microsoft.graph.presence",
    "microsoft.graph.audioRoutingGroup",
    "microsoft.graph.changeNotificationCollection",
    "microsoft.graph.callRecords.callRecord",
    "microsoft.graph.callRecords.pstnCallLogRow",
    "microsoft.graph.callRecords.directRoutingLogRow",
    "microsoft.graph.meetingAttendanceReport",
)
# Entity types whose derived types a body may name in @odata.type (complex types always
# bring their derived types; entity types would bring half of Graph through ``entity``).
WITH_DERIVED_ENTITIES = ("microsoft.graph.commsOperation",)
# Bound actions Callboard serves: (binding type, action name).
ACTIONS = (
    *(
        ("microsoft.graph.call", name)
        for name in (
            "answer",
            "reject",
            "redirect",
            "keepAlive",
            "mute",
            "unmute",
            "playPrompt",
            "subscribeToTone",
            "cancelMediaProcessing",
            "sendDtmfTones",
            "updateRecordingStatus",
            "changeScreenSharingRole",
            "recordResponse",
            "transfer",
            "addLargeGalleryView",
        )
    ),
    ("Collection(microsoft.graph.participant)", "invite"),
    ("microsoft.graph.participant", "mute"),
    ("microsoft.graph.participant", "startHoldMusic"),
    ("microsoft.graph.participant", "stopHoldMusic"),
    ("Collection(microsoft.graph.call)", "logTeleconferenceDeviceQuality"),
    ("Collection(microsoft.graph.onlineMeeting)", "createOrGet"),
    ("microsoft.graph.onlineMeeting", "sendVirtualAppointmentSms"),
    ("microsoft.graph.onlineMeeting", "sendVirtualAppointmentReminderSms"),
    *(
        ("microsoft.graph.presence", name)
        for name in (
            "setPresence",
            "clearPresence",
            "setUserPreferredPresence",
            "clearUserPreferredPresence",
            "setStatusMessage",
        )
    ),
    ("microsoft.graph.cloudCommunications", "getPresencesByUserId"),
    ("microsoft.graph.subscription", "reauthorize"),
)


def _qualify(name: str, aliases: dict[str, str]) -> str:
    """``graph.call`` -> ``microsoft.graph.call``; collections keep their wrapper."""
    if name.startswith("Collection(") and name.endswith(")"):
        return f"Collection({_qualify(name[len('Collection(') : -1], aliases)})"
    prefix, _, local = name.rpartition(".")
    return f"{aliases.get(prefix, prefix)}.{local}" if prefix else name


def _element_type(name: str) -> str:
    return name[len("Collection(") : -1] if name.startswith("Collection(") else name


def read(path: Path) -> dict[str, Any]:
    """Every type, enum and bound action of every schema in the CSDL, fully qualified."""
    root = ET.parse(path).getroot()
    schemas = list(root.iter(f"{EDM}Schema"))
    aliases = {s.get("Alias", ""): s.get("Namespace", "") for s in schemas if s.get("Alias")}
    types: dict[str, dict[str, Any]] = {}
    enums: dict[str, dict[str, Any]] = {}
    actions: dict[str, str | None] = {}
    for schema in schemas:
        namespace = schema.get("Namespace", "")
        for element in schema:
            tag = element.tag.removeprefix(EDM)
            name = f"{namespace}.{element.get('Name')}"
            if tag in ("EntityType", "ComplexType"):
                base = element.get("BaseType")
                types[name] = {
                    "kind": "entity" if tag == "EntityType" else "complex",
                    "base": _qualify(base, aliases) if base else None,
                    "abstract": element.get("Abstract") == "true",
                    "open": element.get("OpenType") == "true",
                    # Contained navigation properties are in the body when expanded
                    # (a callRecord's sessions, a report's attendanceRecords).
                    "properties": {
                        p.get("Name", ""): _qualify(p.get("Type", ""), aliases)
                        for p in element
                        if p.tag == f"{EDM}Property"
                        or (
                            p.tag == f"{EDM}NavigationProperty"
                            and p.get("ContainsTarget") == "true"
                        )
                    },
                    "nonNullable": [
                        p.get("Name", "")
                        for p in element.findall(f"{EDM}Property")
                        if p.get("Nullable") == "false"
                    ],
                }
            elif tag == "EnumType":
                enums[name] = {
                    "flags": element.get("IsFlags") == "true",
                    "members": [m.get("Name", "") for m in element.findall(f"{EDM}Member")],
                }
            elif tag == "Action" and element.get("IsBound") == "true":
                params = element.findall(f"{EDM}Parameter")
                returns = element.find(f"{EDM}ReturnType")
                binding = _qualify(params[0].get("Type", ""), aliases)
                key = f"{binding}/{name}"
                actions[key] = (
                    _qualify(returns.get("Type", ""), aliases) if returns is not None else None
                )
    return {"types": types, "enums": enums, "actions": actions}


def digest(full: dict[str, Any]) -> dict[str, Any]:
    """The closure of ``ROOTS`` and the actions' return types."""
    types: dict[str, dict[str, Any]] = full["types"]
    enums: dict[str, dict[str, Any]] = full["enums"]
    derived: dict[str, list[str]] = {}
    for name, spec in types.items():
        if spec["base"]:
            derived.setdefault(spec["base"], []).append(name)
    actions: dict[str, str | None] = {}
    for binding, name in ACTIONS:
        key = f"{binding}/microsoft.graph.{name}"
        if key not in full["actions"]:
            raise SystemExit(f"the CSDL has no action {key}")
        actions[key] = full["actions"][key]
    pending = list(ROOTS) + [_element_type(t) for t in actions.values() if t]
    kept: dict[str, dict[str, Any]] = {}
    kept_enums: dict[str, dict[str, Any]] = {}
    while pending:
        name = pending.pop()
        if name in kept or name in kept_enums or name.startswith("Edm."):
            continue
        if name in enums:
            kept_enums[name] = enums[name]
            continue
        spec = types[name]
        kept[name] = spec
        if spec["base"]:
            pending.append(spec["base"])
        pending.extend(_element_type(t) for t in spec["properties"].values())
        if spec["kind"] == "complex" or name in WITH_DERIVED_ENTITIES:
            pending.extend(derived.get(name, []))
    return {
        "source": "microsoftgraph/msgraph-metadata graph-v1.0-Prod.csdl",
        "types": dict(sorted(kept.items())),
        "enums": dict(sorted(kept_enums.items())),
        "actions": dict(sorted(actions.items())),
    }


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    output = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUTPUT
    result = digest(read(Path(argv[1])))
    output.write_text(json.dumps(result, indent=1, sort_keys=False) + "\n")
    counts = {key: len(result[key]) for key in ("types", "enums", "actions")}
    print(
        f"{output}: {counts['types']} types, {counts['enums']} enums, {counts['actions']} actions"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
