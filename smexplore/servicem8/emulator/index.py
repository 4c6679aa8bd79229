"""An index of ``edit_date``: the records an ``edit_date`` filter keeps, found without reading them all.

A sync asks for ``$filter=edit_date gt '<last sync>'``; a real database answers that from an index
on the column, so its cost follows the records changed, not the account's size. ``EditIndex`` keeps
a table's ``(edit_date, position)`` pairs in order; ``edit_bounds`` reads the conditions a
``$filter`` puts on ``edit_date`` (``gt``, ``lt``, ``eq``, alone or joined by ``and`` to others).
The positions in range are then read in creation order and each record is still checked against
the whole filter, so the answer is the full scan's, record for record and in the same order.

Timestamps compare as ``wire_filter`` compares them: as ``YYYY-MM-DD HH:MM:SS`` text, a date alone
meaning its midnight and the zero date (or nothing) first (``stamp``: ``wire_filter.record_timestamp``).
"""

from __future__ import annotations

import sys
import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence
from typing import Any

from ...core.filters.text import normalise_timestamp, parse_filter_text
from ...core.schema import Resource
from ..wire_filter import record_timestamp as stamp

__all__ = ["FIELD", "EditIndex", "edit_bounds", "stamp"]

FIELD = "edit_date"
"""The field indexed."""
_BOUNDED = ("gt", "lt", "eq")  # ``ne`` keeps nearly everything: left to the filter


def edit_bounds(resource: Resource, text: str) -> list[tuple[str, str]]:
    """The ``(op, timestamp)`` conditions ``$filter`` ``text`` puts on ``edit_date`` that the index can answer.

    Empty when the resource has no ``edit_date`` timestamp or the filter bounds it by none of
    ``gt``, ``lt``, ``eq``. ``text`` must be a filter that ``compile_filter`` accepted.
    """
    field = resource.fields.get(FIELD)
    if field is None or field.kind not in ("timestamp", "date"):
        return []
    bounds: list[tuple[str, str]] = []
    for condition in parse_filter_text(text):
        if condition.field == FIELD and condition.op in _BOUNDED:
            wanted = normalise_timestamp(condition.value)
            if wanted is not None:
                bounds.append((condition.op, wanted))
    return bounds


class EditIndex:
    """A table's records in order of ``edit_date`` (then position), kept right as records change.

    Thread-safe: each change and each look-up holds the index's own lock (two emulators serving one
    account share its indexes, each under its own store lock).

    Args:
        records: The table's records, in creation order (a record's position is its place there).
    """

    def __init__(self, records: Sequence[dict[str, Any]]) -> None:
        self._lock = threading.Lock()
        self._entries = sorted((stamp(record.get(FIELD)), position) for position, record in enumerate(records))

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, position: int, record: dict[str, Any]) -> None:
        """Index a record created at ``position``."""
        with self._lock:
            insort(self._entries, (stamp(record.get(FIELD)), position))

    def move(self, position: int, before: str, record: dict[str, Any]) -> None:
        """Re-index the record at ``position``, whose ``edit_date`` read ``before`` (a ``stamp``) until now."""
        after = stamp(record.get(FIELD))
        if after == before:
            return
        with self._lock:
            at = bisect_left(self._entries, (before, position))
            if at < len(self._entries) and self._entries[at] == (before, position):
                del self._entries[at]
            insort(self._entries, (after, position))

    def positions(self, bounds: Sequence[tuple[str, str]], most: int | None = None) -> list[int] | None:
        """The positions, in creation order, of the records whose ``edit_date`` meets every one of ``bounds``.

        ``None`` when more than ``most`` records do: reading the table in order is then as quick as
        sorting their positions again for each page.
        """
        with self._lock:
            entries = self._entries
            low, high = 0, len(entries)
            for op, wanted in bounds:
                first = bisect_left(entries, (wanted, -1))  # the first entry stamped ``wanted`` or later
                later = bisect_right(entries, (wanted, sys.maxsize))  # the first entry stamped later
                if op == "gt":
                    low = max(low, later)
                elif op == "lt":
                    high = min(high, first)
                else:
                    low, high = max(low, first), min(high, later)
            if most is not None and high - low > most:
                return None
            return sorted(position for _, position in entries[low:high]) if low < high else []
