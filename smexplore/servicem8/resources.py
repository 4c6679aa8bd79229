"""The resource table: every supported ServiceM8 resource, its path, scopes and typed fields.

Built from ``_spec/servicem8.json``, an extract of the vendor's OpenAPI spec (``api.json`` in the npm
package ``servicem8@0.9.54``; see ``tools/extract_spec.py``). The spec gives each field a JSON type;
this module adds the *kind* smexplore needs to type a DataFrame column and to compare values in a
filter (a timestamp sent as a string is still a timestamp).
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources as _importlib_resources
from types import MappingProxyType
from typing import Any, Literal

__all__ = ["CUSTOM_FIELD_PREFIX", "Field", "Kind", "Resource", "Wire", "canonical_uuid", "get_resource",
           "resource_names"]

CUSTOM_FIELD_PREFIX = "customfield_"

Kind = Literal["uuid", "text", "timestamp", "date", "flag", "int", "float", "money", "category"]
"""How a field's values are meant: drives frame dtypes and filter comparisons."""

Wire = Literal["str", "int", "float"]
"""The JSON type a field has on the wire, as the spec declares it."""

# A uuid as people write it: hyphenated or not, bare, in braces or as a URN.
_HEX = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}"
_UUID_SPELLING = re.compile(rf"(?i)(?:urn:uuid:)?(?P<hex>{_HEX})|\{{(?P<braced>{_HEX})\}}")

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


def canonical_uuid(value: str) -> str:
    """``value`` in the API's uuid form: lower case, ``8-4-4-4-12``.

    Takes the usual spellings of a uuid: any case, with or without its four hyphens, in braces
    (``{…}``) or as a URN (``urn:uuid:…``), surrounding blanks ignored; and ``uuid.UUID`` objects.

    Raises:
        ValueError: ``value`` is no uuid (the message names it).
    """
    if isinstance(value, uuidlib.UUID):
        return str(value)
    match = _UUID_SPELLING.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a uuid: expected 32 hexadecimal digits, as in "
                         "'28e7222e-24c7-4c02-915c-d165ef530f4f' (braces, 'urn:uuid:' and no hyphens also do)")
    return str(uuidlib.UUID(match.group("hex") or match.group("braced")))


@dataclass(frozen=True)
class Field:
    """One field of a resource.

    Attributes:
        name: The API's field name (also the DataFrame column name).
        kind: What the values mean (see ``Kind``).
        wire: The JSON type the spec gives the field on the wire.
        read_only: The spec marks the field read-only.
        description: The spec's description (with known slips corrected).
        max_length: Longest string the spec allows, if it says.
        choices: The allowed values, where the spec lists them.
    """

    name: str
    kind: Kind
    wire: Wire
    read_only: bool = False
    description: str = ""
    max_length: int | None = None
    choices: tuple[Any, ...] | None = None

    def text_problem(self, text: str) -> str | None:
        """What is wrong with ``text`` as this field's value (uuid form, choices, length), if anything."""
        if self.kind == "uuid" and text:
            try:
                uuidlib.UUID(text)
            except ValueError:
                return f"{self.name} must be a uuid, got {text!r}"
        if self.choices and text not in self.choices:
            return f"{self.name} must be one of {', '.join(map(repr, self.choices))}; got {text!r}"
        if self.max_length is not None and len(text) > self.max_length:
            return f"{self.name} is limited to {self.max_length} characters; got {len(text)}"
        return None


@dataclass(frozen=True)
class Resource:
    """One ServiceM8 resource (``/api_1.0/{name}.json``).

    Attributes:
        name: The API name, e.g. ``"joballocation"``.
        schema: The component schema's name in the vendor's spec.
        scopes: OAuth scope per operation (``list``, ``get``, ``create``, ``update``, ``delete``).
        required_on_create: Fields a create must send.
        fields: The fields in spec order, by name.
    """

    name: str
    schema: str
    scopes: Mapping[str, str]
    required_on_create: tuple[str, ...]
    fields: Mapping[str, Field]

    def has_custom_field(self, name: str) -> bool:
        """Whether ``name`` is a per-account custom field (``customfield_*``, on jobs and clients only)."""
        return self.name in ("job", "company") and name.startswith(CUSTOM_FIELD_PREFIX)

    @property
    def path(self) -> str:
        """The list path below the API base URL."""
        return f"/{self.name}.json"

    def field(self, name: str) -> Field:
        """Return the field called ``name``; a ``KeyError`` names the valid ones."""
        try:
            return self.fields[name]
        except KeyError:
            raise KeyError(f"{self.name} has no field {name!r}; valid fields: {', '.join(self.fields)}") from None


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
