"""Syncd's XML records → flat snake_case rows of a field table (``resources``).

``core.xml.decode`` reads a body into plain values by the Rails conventions (typed values, nils,
dasherised names kept); here a record becomes one row:

- names in snake_case: ``job-type-id`` → ``job_type_id``;
- objects the API nests in place of an id (``include=users,user_groups,jobs``: ``<user>…</user>``
  instead of ``<user-id>``) flattened with ``_``: ``user`` → ``user_id``, ``user_name`` …;
- a job fetched with ``include=job_ancestors`` nests its parent, the parent its own, up to the top
  (``<parent>…<parent>…</parent></parent>``, in place of ``<parent-id>``): the row gets
  ``parent_id``, and ``ancestors`` returns the chain as rows of their own;
- time entries get the columns read off their wire text: ``date`` (the day as the user wrote it),
  ``utc_offset`` (``-04:00``) and ``hours`` (``duration / 60``); users get ``full_name``;
- only the table's fields are kept, in its order (``None`` where the record has none), so a
  frame's columns never depend on what one answer happened to carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..core.schema import Resource
from ..core.xml import snake_case

__all__ = ["ancestors", "flat", "row"]


def flat(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A record's values under snake_case names, nested objects flattened with ``_`` (lists kept whole)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = prefix + snake_case(key)
        if isinstance(value, Mapping):
            out.update(flat(value, name + "_"))
        else:
            out[name] = value
    return out


def ancestors(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ancestors a job record nests (``include=job_ancestors``), parent first, each as a raw record
    (its own parent's id as ``parent-id``)."""
    chain: list[dict[str, Any]] = []
    parent = record.get("parent")
    while isinstance(parent, Mapping) and len(chain) < 64:
        record = {key: value for key, value in parent.items() if key != "parent"}
        above = parent.get("parent")
        if "parent" in parent:
            record["parent-id"] = above.get("id") if isinstance(above, Mapping) else None
        chain.append(record)
        parent = above
    return chain


def _offset(moment: datetime) -> str | None:
    offset = moment.utcoffset()
    if offset is None:
        return None
    minutes = int(offset.total_seconds() // 60)
    sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _time_entry(values: dict[str, Any]) -> None:
    start = _moment(values.get("start_time"))
    values["date"] = start.date().isoformat() if start is not None else values.get("start_date")
    values["utc_offset"] = _offset(start) if start is not None else None
    duration = values.get("duration")
    values["hours"] = duration / 60 if isinstance(duration, (int, float)) and not isinstance(duration, bool) else None


def _user(values: dict[str, Any]) -> None:
    names = [values.get("first_name"), values.get("last_name")]
    full = " ".join(str(n).strip() for n in names if isinstance(n, str) and n.strip())
    values["full_name"] = full or values.get("name")


def row(record: Mapping[str, Any], resource: Resource) -> dict[str, Any]:
    """One record as a row of ``resource``'s table (see the module)."""
    values = flat({key: value for key, value in record.items() if key != "parent"})
    if "parent" in record:  # include=job_ancestors: the parent object in place of parent-id
        parent = record.get("parent")
        values["parent_id"] = parent.get("id") if isinstance(parent, Mapping) else None
    if resource.name == "time_entries":
        _time_entry(values)
    elif resource.name == "users":
        _user(values)
    return {name: values.get(name) for name in resource.fields}
