"""Accelo records → flat rows: linked objects into ``<link>_<field>`` columns, seconds into hours, ``"0"`` ids into none.

What the API sends for a record depends on ``_fields`` (``resources.WireSpec.fields_param``):

- a linked object asked for with fields, ``manager(firstname,surname)``, comes as an object
  ``{"id": "3", "firstname": "Ava", "surname": "Lee"}`` (or ``null`` when nothing is linked): its
  keys become ``manager_id``, ``manager_firstname``, ``manager_surname``;
- a link asked for bare comes as its id (``"modified_by": "3"``): ``modified_by_id``; a link's older
  name (a job's ``type``, for ``job_type``) fills its id where the current name brought none;
- a duration in seconds (``"billable": "5400"``) becomes hours (``billable_hours``: 1.5);
- an id of another record that is ``"0"`` or ``""`` (an activity's ``task`` when it is logged
  against a job) means none: ``None``.

Everything else is passed on as sent (still strings: ``core.frames.to_frame`` types the columns).
Keys the field table does not know are dropped, so the frame's columns are always the table's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..core.schema import Resource
from .resources import WIRE, WireSpec

__all__ = ["flatten", "flatten_all"]

_NONE = (None, "", "0")


def _hours(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value) / 3600
    except (TypeError, ValueError):
        return None


def _columns(records: list[dict[str, Any]], spec: WireSpec, names: Iterable[str]) -> dict[str, list[Any]]:
    """Each column's values, in record order (column-wise: a pull of thousands of records stays fast)."""
    wanted = set(names)
    out: dict[str, list[Any]] = {}
    first = list(records[0]) if records else []
    keys = first + sorted(set().union(*records) - set(first))
    for key in keys:
        values = [record.get(key) for record in records]
        link = spec.links.get(key)
        if link is not None:
            out[f"{key}_id"] = [v.get("id") if type(v) is dict else v for v in values]
            for sub, _, _ in link.fields:
                out[f"{key}_{sub}"] = [v.get(sub) if type(v) is dict else None for v in values]
        elif key in spec.hours:
            out[spec.hours[key]] = [_hours(v) for v in values]
        elif key in wanted:
            out[key] = values
    for link in spec.links.values():  # an older name's id where the current one brought none
        if link.older is not None and link.older in keys:
            older = [record.get(link.older) for record in records]
            current = out.get(f"{link.name}_id", [None] * len(records))
            out[f"{link.name}_id"] = [new if new not in _NONE else old for new, old in zip(current, older, strict=True)]
    for column in spec.references:
        if column in out:
            out[column] = [None if v in _NONE else v for v in out[column]]
    return out


def flatten_all(records: list[dict[str, Any]], resource: Resource) -> list[dict[str, Any]]:
    """Records of ``resource`` as flat rows with exactly its field table's columns, in order
    (``None`` where a record has no value)."""
    if not records:
        return []
    names = list(resource.fields)
    columns = _columns(records, WIRE[resource.name], names)
    missing = [None] * len(records)
    return [dict(zip(names, row, strict=True)) for row in zip(*(columns.get(n, missing) for n in names), strict=True)]


def flatten(record: Mapping[str, Any], resource: Resource) -> dict[str, Any]:
    """One record of ``resource`` as a flat row (see ``flatten_all``)."""
    return flatten_all([dict(record)], resource)[0]
