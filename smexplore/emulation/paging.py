"""Id-cursor paging over an ordered list: ``startingAfter`` / ``endingBefore`` with a ``limit``.

The list is in the API's fixed order (newest first, say). A cursor is the id of a record: the next
page holds the matching records that come after it, the previous page those that come before it.
The cursor's position is looked up in the whole list, not in the filtered one, so a cursor stays
valid when the record it names does not match the filter (as a keyset cursor on a database would).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Page", "page_by_id"]

Record = Mapping[str, Any]


@dataclass(frozen=True)
class Page:
    """One page of records.

    Attributes:
        records: The page, in the list's order.
        has_more: Whether more matching records lie beyond the page in the direction of travel
            (after it for a first or next page, before it for a previous page).
    """

    records: list[Record]
    has_more: bool


def page_by_id(records: Sequence[Record], position: Mapping[str, int], predicate: Callable[[Record], bool],
               limit: int, cursor: str | None = None, direction: Literal["after", "before"] = "after") -> Page:
    """The ``limit`` matching records after (or before) the record ``cursor`` names.

    Args:
        records: The whole list, in order.
        position: Record id → index in ``records`` (ids as the API spells them, e.g. lower case).
        predicate: Which records match the filter.
        limit: Most records in the page (at least 1).
        cursor: The id the page starts after or ends before; ``None`` for the first page.
        direction: ``after`` (the next page, ``startingAfter``) or ``before`` (the previous page,
            ``endingBefore``).

    Raises:
        KeyError: ``cursor`` names no record of the list.
    """
    if direction == "after":
        start = 0 if cursor is None else position[cursor] + 1
        indices: range = range(start, len(records))
    else:
        end = len(records) if cursor is None else position[cursor]
        indices = range(end - 1, -1, -1)
    found: list[Record] = []
    for index in indices:
        record = records[index]
        if predicate(record):
            if len(found) == limit:
                break
            found.append(record)
    else:
        return Page(found if direction == "after" else found[::-1], False)
    return Page(found if direction == "after" else found[::-1], True)
