"""The field table every system's resources are described with: what a field holds and how it is typed.

A field's *kind* drives the DataFrame column's dtype and how a filter compares values (a timestamp
sent as a string is still a timestamp); its *wire* type is the JSON type it has on the wire.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Field", "Kind", "Resource", "Wire", "WireFormat", "canonical_uuid"]

Kind = Literal["uuid", "text", "timestamp", "date", "flag", "int", "float", "money", "category", "list"]
"""How a field's values are meant: drives frame dtypes and filter comparisons.

``list`` is a JSON array (or object) kept whole in one ``object`` column (Ruddr's ``availabilityPeriods``…);
filters take only ``isna``/``notna`` on it. ``category`` needs its choices: a field declared a
category without them is text (categories learnt from each pull would differ between pulls).
"""

Wire = Literal["str", "int", "float", "bool", "list"]
"""The JSON type a field has on the wire, as the spec declares it."""

WireFormat = Literal["ISO8601", "unix", "ISO8601-wall"]
"""How a timestamp is written on the wire, where it is not the account-local ``'YYYY-MM-DD HH:MM:SS'``.

``ISO8601``: an instant in ISO 8601 with a zone (``2025-03-01T12:34:56.789Z``); ``unix``: an
instant as seconds since 1970-01-01 UTC, a number or a string of one (``"1495245600"``). Frames
show either in the session's time zone, or as naive UTC in a session without one.
``ISO8601-wall``: a time in ISO 8601 with the UTC offset of whoever wrote it
(``2007-08-30T08:28:00-04:00``): shown in the session's time zone, or, in a session without one,
as the wall time written (08:28; the offset dropped).
"""

# A uuid as people write it: hyphenated or not, bare, in braces or as a URN.
_HEX = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}"
_UUID_SPELLING = re.compile(rf"(?i)(?:urn:uuid:)?(?P<hex>{_HEX})|\{{(?P<braced>{_HEX})\}}")

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
        wire_format: How a timestamp is written on the wire (``WireFormat``); ``None``: the
            account-local ``'YYYY-MM-DD HH:MM:SS'`` wall time (ServiceM8's), or ``'YYYY-MM-DD'``
            for a date.
    """

    name: str
    kind: Kind
    wire: Wire
    read_only: bool = False
    description: str = ""
    max_length: int | None = None
    choices: tuple[Any, ...] | None = None
    wire_format: WireFormat | None = None

    def __post_init__(self) -> None:
        # A category is a fixed set of values: without its choices, categories learnt from each pull
        # would differ between pulls (and pd.concat would turn the column to object). An open set
        # (currencies, statuses no document lists) is text.
        if self.kind == "category" and not self.choices:
            object.__setattr__(self, "kind", "text")

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
    """One resource of a system's API: its list path and typed fields.

    Attributes:
        name: The API name, e.g. ``"joballocation"``.
        schema: The component schema's name in the vendor's spec.
        scopes: OAuth scope per operation the API has (``list``, ``get``, ``create``, ``update``, ``delete``;
            one it lacks is absent).
        required_on_create: Fields a create must send.
        fields: The fields in the API's order, by name.
        path: The list path below the API base URL.
        custom_prefix: Fields named with this prefix are per-account custom fields (``""``: none).
        enriched: Columns the Session adds to the frame → the uuid field each is looked up by
            (``None``: it comes through a related record, not a field of this resource).
        record_path: The path of one record, with ``{uuid}`` where its id goes (``/dbonote/{uuid}.json``);
            empty: ``path`` without ``.json``, then ``/{uuid}.json``.
    """

    name: str
    schema: str
    scopes: Mapping[str, str]
    required_on_create: tuple[str, ...]
    fields: Mapping[str, Field]
    path: str = ""
    custom_prefix: str = ""
    enriched: Mapping[str, str | None] = field(default_factory=dict)
    record_path: str = ""

    def record(self, uuid: str) -> str:
        """The path of the record ``uuid`` below the API base URL (``/job/{uuid}.json`` filled in)."""
        template = self.record_path or self.path.removesuffix(".json") + "/{uuid}.json"
        return template.replace("{uuid}", uuid)

    def has_custom_field(self, name: str) -> bool:
        """Whether ``name`` is a per-account custom field of this resource."""
        return bool(self.custom_prefix) and name.startswith(self.custom_prefix)

    def field(self, name: str) -> Field:
        """Return the field called ``name``; a ``KeyError`` names the valid ones."""
        try:
            return self.fields[name]
        except KeyError:
            raise KeyError(f"{self.name} has no field {name!r}; valid fields: {', '.join(self.fields)}") from None
