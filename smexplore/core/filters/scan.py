"""Filters pushed into a Parquet scan of the local store (``pyarrow.dataset`` expressions).

The scan only narrows what is read: every row the filter keeps must pass it, so a condition
goes into the scan only where Arrow's comparison keeps at least the rows ``evaluate`` keeps
(numbers, flags, times, uuids), and the whole filter then runs on what was read, exactly as for
a live query. What cannot be pushed (text that compares case-insensitively, ``!=`` that missing
values satisfy, ``~``, enriched columns) is simply left to that local run.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection
from functools import reduce
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ..schema import Resource
from .expr import And, Compare, Expr, IsIn, Or
from .values import ZERO, coerce, resolve_field

__all__ = ["scan_filter"]

_OPS = {"==": "equal", ">": "greater", "<": "less", ">=": "greater_equal", "<=": "less_equal"}


def scan_filter(where: Expr | None, spec: Resource, columns: Collection[str], tz: str | None) -> ds.Expression | None:
    """A scan filter keeping at least the stored rows ``where`` keeps (``None``: read every row).

    Args:
        where: The filter (checked against ``spec`` already).
        spec: The resource.
        columns: The columns the stored file has.
        tz: The session's time zone (the store holds times as a session without one shows them).
    """
    if where is None:
        return None
    if isinstance(where, And):
        parts = [p for p in (scan_filter(part, spec, columns, tz) for part in where.parts) if p is not None]
        return _joined(parts, operator.and_)
    if isinstance(where, Or):
        parts = [scan_filter(part, spec, columns, tz) for part in where.parts]
        return None if any(p is None for p in parts) else _joined([p for p in parts if p is not None], operator.or_)
    if isinstance(where, (Compare, IsIn)):
        return _leaf(where, spec, columns, tz)
    return None


def _joined(parts: list[ds.Expression], how: Callable[[Any, Any], Any]) -> ds.Expression | None:
    return reduce(how, parts) if parts else None


def _leaf(node: Compare | IsIn, spec: Resource, columns: Collection[str], tz: str | None) -> ds.Expression | None:
    field = resolve_field(spec, node.field)
    stored = spec.fields.get(field.name)
    if field.enriched or stored is None or field.name not in columns:
        return None
    op, raw = ("==", node.values) if isinstance(node, IsIn) else (node.op, (node.value,))
    if op not in _OPS:
        return None
    values = [_value(field.kind, stored.wire_format, coerce(field, value, spec, tz), tz) for value in raw]
    if not values or any(value is None for value in values):
        return None
    column = pc.field(field.name)
    if field.kind == "uuid":  # compared case-insensitively; uuids are ASCII, so lower() is casefold()
        if op != "==":
            return None
        return pc.is_in(pc.utf8_lower(column), value_set=pa.array(values, type=pa.string()))
    if len(values) > 1:
        return _joined([column == value for value in values], operator.or_)
    return getattr(pc, _OPS[op])(column, values[0])


def _value(kind: str, wire_format: str | None, value: Any, tz: str | None) -> Any:
    """``value`` as the stored column holds it, or ``None`` where the scan cannot compare it exactly."""
    if kind in ("int", "float", "money"):
        return value
    if kind == "flag":
        return bool(value)
    if kind == "uuid":
        return value.lower() if value else None  # '' also matches missing values: not for the scan
    if kind in ("timestamp", "date"):
        if value is ZERO:
            return None
        # The store holds what a session without a time zone shows: the account's wall clock for
        # account-local fields, UTC for instants. A filter's value is a wall time in the session's zone.
        if kind == "timestamp" and tz is not None and wire_format is not None:
            return None
        return value.to_datetime64()
    return None
