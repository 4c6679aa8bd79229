"""The resource table: every supported ServiceM8 resource, its path, scopes and typed fields.

Built from ``_spec/servicem8.json``, an extract of the vendor's OpenAPI spec (``api.json`` in the npm
package ``servicem8@0.9.54``; see ``tools/extract_spec.py``). The spec gives each field a JSON type;
this module adds the *kind* smexplore needs to type a DataFrame column and to compare values in a
filter (a timestamp sent as a string is still a timestamp).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources as _importlib_resources
from types import MappingProxyType
from typing import Any

from ..core.schema import Field, Kind, Resource, Wire
from .enrich import enriched_columns

__all__ = ["CUSTOM_FIELD_PREFIX", "get_resource", "resource_names"]

CUSTOM_FIELD_PREFIX = "customfield_"
# Per-account custom fields (``customfield_*``) exist on jobs and clients only.
_CUSTOM_FIELD_RESOURCES = frozenset({"job", "company"})

# Fields the spec types as strings that carry 0/1 flags (the spec's own descriptions say so).
_STRING_FLAGS = frozenset(
    {
        "activity_was_scheduled",
        "activity_was_recorded",
        "activity_was_automated",
        "has_been_opened",
        "can_receive_push_notification",
        "is_individual",
    }
)
# Fields the spec types as strings that carry amounts of money.
_MONEY = frozenset({"total_invoice_amount", "payment_amount"})
# Deprecated or untyped fields that still hold timestamps, recognised by name.
_TIMESTAMP_SUFFIXES = ("_timestamp", "_stamp", "_date")
# Descriptions in the spec that are plainly wrong (copy-paste slips in the vendor's file).
_DESCRIPTION_FIXES = {
    ("company", "address"): "Street address of the client.",
    ("company", "billing_address"): "Billing address of the client.",
    ("job", "work_done_description"): "Description of the work done on the job.",
}


def _kind(resource: str, name: str, prop: Mapping[str, Any]) -> Kind:
    json_type = prop.get("type")
    if prop.get("format") == "uuid" or name == "uuid" or name.endswith("_uuid"):
        return "uuid"
    if resource == "job" and name == "date":
        return "date"
    if name == "edit_date" or name.endswith(_TIMESTAMP_SUFFIXES):
        return "timestamp"
    if name == "status" and prop.get("enum"):
        return "category"
    if name in _STRING_FLAGS or (json_type == "integer" and prop.get("enum") == [0, 1]):
        return "flag"
    if json_type == "integer":
        return "int"
    if json_type == "number":
        return "float"
    if name in _MONEY:
        return "money"
    return "text"


def _says_read_only(description: str) -> bool:
    """The spec marks some read-only fields in words only ("(Read only)", "This is read-only")."""
    text = description.lower()
    return "read only" in text or "read-only" in text


def _wire(prop: Mapping[str, Any]) -> Wire:
    return {"integer": "int", "number": "float"}.get(prop.get("type", ""), "str")  # type: ignore[return-value]


@cache
def _table() -> Mapping[str, Resource]:
    raw = json.loads(
        _importlib_resources.files("smexplore").joinpath("servicem8/_spec/servicem8.json").read_text(encoding="utf-8")
    )
    table: dict[str, Resource] = {}
    for name, entry in raw["resources"].items():
        fields = {
            field: Field(
                name=field,
                kind=_kind(name, field, prop),
                wire=_wire(prop),
                read_only=bool(prop.get("readOnly", False)) or _says_read_only(prop.get("description", "")),
                description=_DESCRIPTION_FIXES.get((name, field), prop.get("description", "")),
                max_length=prop.get("maxLength"),
                choices=tuple(prop["enum"]) if "enum" in prop else None,
            )
            for field, prop in entry["properties"].items()
        }
        table[name] = Resource(
            name=name,
            schema=entry["schema"],
            scopes=MappingProxyType(dict(entry["scopes"])),
            required_on_create=tuple(entry["required_on_create"]),
            fields=MappingProxyType(fields),
            path=f"/{name}.json",
            custom_prefix=CUSTOM_FIELD_PREFIX if name in _CUSTOM_FIELD_RESOURCES else "",
            enriched=MappingProxyType(enriched_columns(fields)),
        )
    return MappingProxyType(table)


def resource_names() -> tuple[str, ...]:
    """The API names of every supported resource, sorted."""
    return tuple(sorted(_table()))


def get_resource(name: str) -> Resource:
    """Return the resource called ``name``; a ``KeyError`` names the valid ones."""
    try:
        return _table()[name]
    except KeyError:
        raise KeyError(f"unknown resource {name!r}; supported resources: {', '.join(resource_names())}") from None
