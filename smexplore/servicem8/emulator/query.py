"""``$top`` and ``$orderby`` on a list: parsed, checked, and applied as OData applies them.

The vendor documents neither (``shared/reference/servicem8-api.md`` §1.4, lines 88-90: the official
n8n node sends ``$top=<limit>`` and a Python client sends ``$orderby``, both "documented nowhere";
§2.2, line 133: n8n sends ``$top`` while it pages by cursor; §8, open question 4, line 514). The
emulator's choice is OData's meaning, which is what those clients expect: ``$filter`` first, then
``$orderby`` (one field, ``asc`` by default or ``desc``; records that compare equal keep their
order), then ``$top`` (at most that many records). A value the emulator cannot read is a 400 that
says why, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...core.schema import Resource

__all__ = ["ListQuery", "QueryError", "list_query"]

_NUMERIC = ("int", "float", "money", "flag")


class QueryError(ValueError):
    """A ``$top`` or ``$orderby`` the emulator cannot read (HTTP 400); the message says why."""


@dataclass(frozen=True)
class ListQuery:
    """The ordering and count a list request asks for.

    Attributes:
        order_by: The field to order by (``None``: creation order).
        descending: Order from the largest value down.
        top: At most this many records (``None``: all of them).
    """

    order_by: str | None = None
    descending: bool = False
    top: int | None = None

    @property
    def plain(self) -> bool:
        """Neither an order nor a count was asked for."""
        return self.order_by is None and self.top is None

    def key(self) -> str:
        """What a cursor remembers of this query (with ``$filter``): ``field asc|desc`` and the count."""
        order = f"{self.order_by} {'desc' if self.descending else 'asc'}" if self.order_by else ""
        return f"{order}\n{'' if self.top is None else self.top}"

    def apply(self, resource: Resource, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``records`` (already filtered) ordered and cut to ``top``."""
        if self.order_by is not None:
            records = sorted(records, key=_sort_key(resource, self.order_by), reverse=self.descending)
        return records if self.top is None else records[: self.top]


def list_query(resource: Resource, orderby: str | None, top: str | None) -> ListQuery:
    """Read a list request's ``$orderby`` and ``$top``.

    Raises:
        QueryError: Either cannot be read: ``$top`` must be a whole number, 0 or more; ``$orderby``
            one field of the resource, then ``asc`` or ``desc`` if anything.
    """
    count = None
    if top is not None:
        text = top.strip()
        if not text.isdigit() or not text.isascii():
            raise QueryError(f"Invalid $top {top!r}: give the most records to return, a whole number 0 or more")
        count = int(text)
    if orderby is None:
        return ListQuery(top=count)
    words = orderby.split()
    if "," in orderby:
        raise QueryError(f"Invalid $orderby {orderby!r}: order by one field only")
    if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
        raise QueryError(f"Invalid $orderby {orderby!r}: give a field, then 'asc' or 'desc' if you like "
                         "(e.g. 'edit_date desc')")
    name = words[0]
    field = resource.fields.get(name)
    if field is None and not resource.has_custom_field(name):
        raise QueryError(f"Invalid $orderby {orderby!r}: {resource.name} has no field {name!r}")
    if field is not None and field.kind == "list":
        raise QueryError(f"Invalid $orderby {orderby!r}: {resource.name}.{name} holds a list, which has no order")
    return ListQuery(name, len(words) == 2 and words[1].lower() == "desc", count)


def _sort_key(resource: Resource, name: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    """How two records compare on ``name``, by the field's kind: numbers as numbers, uuids in any
    case, text, dates and timestamps as written (``'YYYY-MM-DD HH:MM:SS'`` orders as it reads, the
    zero date first). A blank or unreadable number comes before every number."""
    field = resource.fields.get(name)
    kind = field.kind if field is not None else "text"
    if kind in _NUMERIC:
        def number(record: dict[str, Any]) -> tuple[int, Any]:
            try:
                return 1, float(record.get(name))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return 0, 0.0
        return number
    if kind == "uuid":
        return lambda record: (1, str(record.get(name, "")).lower())
    return lambda record: (1, str(record.get(name, "")))
