"""UCWA's two representations, JSON and XML, both directions (docs/ucwa.md, "Representations").

JSON: ``{"rel", properties..., "_links": {rel: {"href"}}, "_embedded": {rel: [...]}}`` with
dates as ``\\/Date(ms)\\/``. XML: ``<resource rel href xmlns=UCWA>`` with ``<link>``,
``<property>``, ``<propertyList><item>`` and nested ``<resource>``; dates in ISO 8601 with an
offset. Input XML (``<input>``) is parsed with defusedxml: no DTDs, no entities.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from callboard.api.ucwa.resources import Resource
from callboard.clock import to_datetime
from callboard.domain.ucwa_meetings import Date
from callboard.errors import UcwaError
from callboard.json_types import JsonObject

NS = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
NAMESPACES = (NS, "https://schemas.microsoft.com/rtc/2012/03/ucwa")
MAX_BODY = 64 * 1024

JSON_TYPES = ("application/json", "application/vnd.microsoft.com.ucwa+json")
XML_TYPES = ("application/xml", "application/vnd.microsoft.com.ucwa+xml")


# -- content negotiation ----------------------------------------------------------------


def _media_types(header: str) -> list[tuple[str, float]]:
    result = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        quality = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    quality = float(f[2:])
                except ValueError:
                    quality = 0.0
        result.append((fields[0].lower(), quality))
    return sorted(result, key=lambda item: -item[1])


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or None (406)."""
    if not accept or not accept.strip():
        return JSON_TYPES[0]
    for media, quality in _media_types(accept):
        if quality <= 0:
            continue
        if media in JSON_TYPES or media in XML_TYPES:
            return media
        if media in ("*/*", "application/*"):
            return JSON_TYPES[0]
    return None


def is_xml(media: str) -> bool:
    return media in XML_TYPES


def body_format(content_type: str | None) -> str:
    """``json`` or ``xml`` from Content-Type; 415 for anything else."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in JSON_TYPES:
        return "json"
    if media in XML_TYPES:
        return "xml"
    raise UcwaError(
        415,
        "UnsupportedMediaType",
        f"Content-Type {media or '(none)'} is not supported: use application/json or "
        "application/xml.",
    )


# -- input ------------------------------------------------------------------------------


def parse(raw: bytes, content_type: str | None) -> JsonObject:
    kind = body_format(content_type)
    if len(raw) > MAX_BODY:
        raise UcwaError(413, "EntityTooLarge", f"The body is larger than {MAX_BODY} bytes.")
    if kind == "json":
        try:
            data: Any = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise UcwaError(400, "DeserializationFailure", "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise UcwaError(400, "DeserializationFailure", "The body must be a JSON object.")
    else:
        data = parse_xml(raw)
    result: JsonObject = data
    for ignored in ("rel", "_links", "_embedded"):
        result.pop(ignored, None)
    return result


def _local(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return None, tag


def parse_xml(raw: bytes) -> JsonObject:
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise UcwaError(
            400, "DeserializationFailure", "DTDs and entities are not allowed in XML input."
        ) from None
    except SafeET.ParseError:
        raise UcwaError(400, "DeserializationFailure", "The body is not well-formed XML.") from None
    ns, name = _local(root.tag)
    if name != "input" or ns not in (*NAMESPACES, None):
        raise UcwaError(
            400, "DeserializationFailure", f'The XML root must be <input xmlns="{NS}">.'
        )
    data: JsonObject = {}
    for child in root:
        _, kind = _local(child.tag)
        key = child.get("name")
        if not key:
            continue
        if kind == "property":
            data[key] = child.text or ""
        elif kind == "propertyList":
            data[key] = [item.text or "" for item in child if _local(item.tag)[1] == "item"]
    return data


# -- output -----------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, Date):
        return f"/Date({round(value.seconds * 1000)})/"
    return value


def to_json(resource: Resource) -> JsonObject:
    data: JsonObject = {"rel": resource.rel}
    for key, value in resource.properties.items():
        data[key] = _json_value(value)
    links: JsonObject = {"self": {"href": resource.href}}
    for rel, href in resource.links:
        links[rel] = {"href": href}
    data["_links"] = links
    if resource.embedded:
        data["_embedded"] = {
            rel: [to_json(r) for r in item] if isinstance(item, list) else to_json(item)
            for rel, item in resource.embedded.items()
        }
    return data


_DATE = re.compile(r'"/Date\((-?\d+)\)/"')


def render_json(resource: Resource | JsonObject) -> bytes:
    data = to_json(resource) if isinstance(resource, Resource) else resource
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _DATE.sub(r'"\\/Date(\1)\\/"', text).encode()


def _xml_value(value: Any) -> str:
    if isinstance(value, Date):
        return to_datetime(value.seconds).isoformat(timespec="milliseconds")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml(parent: Element | None, resource: Resource) -> Element:
    attrs = {"rel": resource.rel, "href": resource.href}
    element = (
        Element("resource", attrs) if parent is None else SubElement(parent, "resource", attrs)
    )
    for rel, href in resource.links:
        SubElement(element, "link", {"rel": rel, "href": href})
    prop = SubElement(element, "property", {"name": "rel"})
    prop.text = resource.rel
    for key, value in resource.properties.items():
        if value is None:
            continue
        if isinstance(value, list):
            plist = SubElement(element, "propertyList", {"name": key})
            for item in value:
                SubElement(plist, "item").text = _xml_value(item)
        else:
            SubElement(element, "property", {"name": key}).text = _xml_value(value)
    for item in resource.embedded.values():
        for child in item if isinstance(item, list) else [item]:
            _xml(element, child)
    return element


def render_xml(resource: Resource) -> bytes:
    root = _xml(None, resource)
    root.set("xmlns", NS)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="unicode").encode()


def error_json(error: UcwaError) -> JsonObject:
    data: JsonObject = {"code": error.code, "message": error.message}
    if error.subcode:
        data["subcode"] = error.subcode
    if error.parameters:
        data["parameters"] = [{"name": p} for p in error.parameters]
    return data


def error_xml(error: UcwaError) -> bytes:
    root = Element("reason", {"xmlns": NS})
    SubElement(root, "code").text = error.code
    if error.subcode:
        SubElement(root, "subcode").text = error.subcode
    SubElement(root, "message").text = error.message
    if error.parameters:
        params = SubElement(root, "parameters")
        for name in error.parameters:
            SubElement(params, "parameter", {"name": name})
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="unicode").encode()
