"""The resource table: every supported ServiceM8 resource, its paths, scopes and typed fields.

Built from ``_spec/servicem8.json``, an extract of the vendor's OpenAPI spec (``api.json`` in the npm
package ``servicem8@0.9.54``; see ``tools/extract_spec.py``). Every list endpoint of the spec that
lists records is a resource (38); the spec's other two list endpoints are not record lists and are
left out: ``inboxmessage.json`` answers an envelope of messages with its own actions (archive,
snooze, convert to a job) and ``search.json`` answers search hits across objects. A resource has
the operations the spec gives it and no others (``Resource.scopes``: assets cannot be created; job
templates, security roles and the vendor cannot be written).

The spec gives each field a JSON type; this module adds the *kind* smexplore needs to type a
DataFrame column and to compare values in a filter (a timestamp sent as a string is still a
timestamp; a price sent as a string is money), from the field's name and, where the spec's type
says less than its words, from its description.
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

__all__ = ["CORE_RESOURCES", "CUSTOM_FIELD_PREFIX", "get_resource", "resource_names"]

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
        "task_complete",  # "Boolean flag indicating whether the task has been completed (1) or ... (0)"
        "is_favourite",  # "Flag indicating whether this attachment has been marked as a favorite"
        "can_be_used_independently",  # "Boolean flag ... When set to true (1) ... When false (0)"
        "displayed_amount_is_tax_inclusive",  # "Boolean flag indicating whether the displayed_amount includes tax"
        "is_primary_contact",  # "Value of 1 means this is the primary contact, 0 means it is not"
    }
)
# Fields the spec types as strings that carry amounts of money.
_MONEY = frozenset({"total_invoice_amount", "payment_amount"})
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Fields of one resource the spec types as strings whose descriptions say they hold numbers.
_STRING_NUMBERS: Mapping[tuple[str, str], Kind] = MappingProxyType({
    # "The unit price of the material excluding tax", "The cost of the material for this job" ...
    **{("jobmaterial", name): "money" for name in ("price", "cost", "displayed_amount", "displayed_cost")},
    ("jobmaterial", "quantity"): "float",  # "The quantity of this material used on the job"
    ("jobmaterial", "sort_order"): "int",  # "Integer value controlling the display order"
    ("jobmaterialbundle", "quantity"): "float",  # "The quantity shown for the bundle line item"
    ("material", "price"): "money",  # "The selling price of the material"
    ("material", "cost"): "money",  # "The purchase cost of the material"
    ("jobpayment", "amount"): "money",  # "The payment amount in the account's currency"
    ("taxrate", "amount"): "float",  # "The tax rate percentage value": a percentage, not money
    ("feedback", "rating"): "float",  # "Numeric rating value for the feedback, between 1-5"
    ("form", "badge_mandatory_state"): "int",  # "Valid values are: 0 (not mandatory), 1 (...), 2 (...)"
    ("attachment", "photo_width"): "int",  # "Width of the image in pixels"
    ("attachment", "photo_height"): "int",  # "Height of the image in pixels"
    # "The minute of the day (from midnight) when the business opens on Monday" ...
    **{("vendor", f"{edge}_time_{day}"): "int" for edge in ("opening", "closing") for day in _DAYS},
})
# Fields that hold calendar dates ('YYYY-MM-DD'), not times.
_DATES = frozenset({("job", "date"), ("task", "due_date")})  # task: "Format is YYYY-MM-DD"
# Deprecated or untyped fields that still hold timestamps, recognised by name.
_TIMESTAMP_SUFFIXES = ("_timestamp", "_stamp", "_date")
# Descriptions in the spec that are plainly wrong (copy-paste slips in the vendor's file).
_DESCRIPTION_FIXES = {
    ("company", "address"): "Street address of the client.",
    ("company", "billing_address"): "Billing address of the client.",
    ("job", "work_done_description"): "Description of the work done on the job.",
    ("attachment", "attachment_name"): "Name of the attachment.",
    ("attachment", "file_type"): "File type of the attachment.",
    ("location", "city"): "Address city.",
    ("location", "country"): "Address country.",
    ("location", "post_code"): "Address post code.",
    ("note", "create_date"): "Timestamp at which the record was created.",
    ("task", "create_date"): "Timestamp at which the record was created.",
}
# The resources a schedule is built from (the first smexplore read): listed first.
CORE_RESOURCES = ("allocationwindow", "category", "company", "job", "jobactivity", "joballocation", "queue", "staff")


def _kind(resource: str, name: str, prop: Mapping[str, Any]) -> Kind:
    json_type = prop.get("type")
    if json_type in ("array", "object"):  # before uuids: jobchecklist.assigned_to_staff_uuids is an array of them
        return "list"
    if prop.get("format") == "uuid" or name == "uuid" or name.endswith("_uuid"):
        return "uuid"
    if (resource, name) in _DATES:
        return "date"
    if name in ("edit_date", "timestamp") or name.endswith(_TIMESTAMP_SUFFIXES):
        return "timestamp"
    if name == "status" and prop.get("enum"):
        return "category"
    if name in _STRING_FLAGS or (json_type == "integer" and prop.get("enum") == [0, 1]):
        return "flag"
    if (resource, name) in _STRING_NUMBERS:
        return _STRING_NUMBERS[(resource, name)]
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
    wires: dict[str, Wire] = {"integer": "int", "number": "float", "array": "list", "object": "list"}
    return wires.get(prop.get("type", ""), "str")


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
            required_on_create=tuple(entry.get("required_on_create", ())),
            fields=MappingProxyType(fields),
            path=f"/{name}.json",
            custom_prefix=CUSTOM_FIELD_PREFIX if name in _CUSTOM_FIELD_RESOURCES else "",
            enriched=MappingProxyType(enriched_columns(fields)),
            record_path=entry["record_path"],
        )
    return MappingProxyType(table)


def resource_names() -> tuple[str, ...]:
    """The API names of every supported resource: ``CORE_RESOURCES`` first, then the others sorted."""
    return CORE_RESOURCES + tuple(sorted(set(_table()) - set(CORE_RESOURCES)))


def get_resource(name: str) -> Resource:
    """Return the resource called ``name``; a ``KeyError`` names the valid ones."""
    try:
        return _table()[name]
    except KeyError:
        raise KeyError(f"unknown resource {name!r}; supported resources: {', '.join(resource_names())}") from None
