"""Ruddr's nested camelCase records → flat snake_case rows, one column per leaf.

Ruddr nests related objects (``member: {id, name}``, ``project: {id, name, client: {id, name}}``)
and writes camelCase keys. A DataFrame wants one level of snake_case columns, so:

- camelCase becomes snake_case: ``hoursPerDay`` → ``hours_per_day``, ``timeOffType`` →
  ``time_off_type``, ``poNumber`` → ``po_number``;
- nested objects are flattened with ``_``: ``member`` → ``member_id``, ``member_name``;
  ``project`` → ``project_id``, ``project_name``, ``project_client_id``, ``project_client_name``;
- arrays (``availabilityPeriods``, ``tags``, ``skills``, ``emails`` …) stay one column holding the
  list as it came on the wire (its items keep their camelCase keys); such columns have ``object``
  dtype in a frame;
- ``null`` and an absent key mean the same (Ruddr's writes turn ``""`` into ``null`` too), so a
  ``null`` is left out: a ``null`` ``member`` cannot say which columns it would have had. Give
  ``resource`` to get every column of its field table in every row (``None`` where missing);
  ``core.frames.to_frame`` fills the missing columns either way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.schema import Resource

__all__ = ["flatten", "snake_case"]

_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """``name`` in snake_case: ``hoursRatioOfCapacity`` → ``hours_ratio_of_capacity``, ``apiURLValue`` → ``api_url_value``."""
    return _HUMP.sub("_", name).replace("-", "_").lower()


def flatten(record: Mapping[str, Any], resource: Resource | None = None) -> dict[str, Any]:
    """One Ruddr record as a flat ``{snake_case_column: value}`` row (see the module docstring).

    Args:
        record: A record as the API sends it.
        resource: Its field table; when given, every field of it is a key of the row
            (``None`` where the record has no value) and the row's keys follow the table's order,
            keys the table does not know coming last.
    """
    row: dict[str, Any] = {}
    _into(row, "", record)
    if resource is None:
        return row
    ordered = {name: row.pop(name, None) for name in resource.fields}
    ordered.update(row)
    return ordered


def _into(row: dict[str, Any], prefix: str, record: Mapping[str, Any]) -> None:
    for key, value in record.items():
        name = prefix + snake_case(key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            _into(row, name + "_", value)
        else:
            row[name] = value
