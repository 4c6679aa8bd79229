"""``_fields``: which fields and linked objects an answer holds (``_configuring_responses.md``).

Without ``_fields`` a record has its table's default fields (bold in the docs). ``_fields`` adds:

- ``name``: an optional field; for a linked object ("unsigned or object"), its id;
- ``name()``: the linked object with its default fields; ``name(a,b)`` with those fields too;
  ``name(_ALL)`` with all of them; nesting works (``task(task_job(manager()))``);
- ``_ALL``: every optional field (linked objects as ids; the staff rates only when named, as documented);
- ``breadcrumbs``: the chain of parents, nearest first, as ``[{id, table, title}]``.

``_hide_defaults`` drops the default fields. A name the table does not have is left out of the
answer (or refused, with ``strict``); parentheses after a field that links nothing give its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .agency import Agency, Record
from .schema import Table
from .syntax import NAME, Call, Item, QueryError, parse_items

__all__ = ["AGAINST", "Projection", "parse_fields"]

AGAINST = {"company": "companies", "job": "jobs", "task": "tasks", "staff": "staff"}
"""An ``against_type`` (or ``owner_type``) → the table its id points into."""

ALL = "_ALL"


def parse_fields(text: str | None) -> list[Item]:
    """The items of a ``_fields`` text (none when absent or empty).

    Raises:
        QueryError: The text is malformed, or names something that is no field name.
    """
    items = parse_items(text or "", "_fields")
    _check_names(items)
    return items


def _check_names(items: Sequence[Item]) -> None:
    for item in items:
        name = item.name if isinstance(item, Call) else item
        if not NAME.match(name):
            raise QueryError(f"Invalid _fields: {name[:40]!r} is not a field name")
        if isinstance(item, Call):
            _check_names(item.args)


class Projection:
    """Turns records of one table into answers, as ``_fields`` asks.

    Args:
        agency: The deployment (linked objects and breadcrumbs are looked up in it).
        tables: Every table, by path.
        strict: Refuse names a table does not have (``QueryError``) instead of leaving them out.
    """

    def __init__(self, agency: Agency, tables: dict[str, Table], *, strict: bool = False) -> None:
        self.agency, self.tables, self.strict = agency, tables, strict

    def check(self, table: Table, items: Sequence[Item]) -> None:
        """Refuse (with ``strict``) a name ``table`` or a linked table does not have.

        Raises:
            QueryError: An unknown name, with ``strict``.
        """
        if not self.strict:
            return
        for item in items:
            name = item.name if isinstance(item, Call) else item
            if name not in table.fields and name not in (ALL, "breadcrumbs"):
                raise QueryError(f"Invalid _fields: {name!r} is not a field of /{table.path}")
            if isinstance(item, Call) and name in table.links:
                self.check(self.tables[table.links[name]], item.args)

    def one(self, table: Table, record: Record, items: Sequence[Item], hide_defaults: bool = False) -> Record:
        """``record`` as the answer holds it."""
        chosen: dict[str, Any] = {}
        nested: dict[str, Call] = {}
        wanted = set() if hide_defaults else set(table.defaults)
        crumbs = False
        for item in items:
            if isinstance(item, Call):
                if item.name in table.fields:
                    wanted.add(item.name)
                    nested[item.name] = item
            elif item == ALL:
                wanted.update(table.optional)
            elif item == "breadcrumbs":
                crumbs = True
            elif item in table.fields:
                wanted.add(item)
                nested.pop(item, None)
        for name in table.fields:
            if name in wanted:
                call = nested.get(name)
                link = table.links.get(name)
                if call is not None and link is not None:
                    chosen[name] = self.linked(link, record.get(name), call.args)
                else:
                    chosen[name] = record.get(name)
        if crumbs:
            chosen["breadcrumbs"] = self.breadcrumbs(record)
        return chosen

    def linked(self, path: str, record_id: Any, items: Sequence[Item]) -> Record | None:
        """The linked object of ``path`` with this id as ``items`` ask (``None`` when nothing is linked)."""
        target = self.agency.get(path, record_id) if isinstance(record_id, str) else None
        return None if target is None else self.one(self.tables[path], target, items)

    def breadcrumbs(self, record: Record) -> list[dict[str, str]]:
        """The parents of ``record``, nearest first: what it is against, what that is against, and so on."""
        crumbs: list[dict[str, str]] = []
        current: Record | None = record
        while current is not None and len(crumbs) < 10:
            path = AGAINST.get(current.get("against_type") or "")
            parent = self.agency.get(path, current.get("against_id")) if path else None
            if parent is None or path is None:
                break
            table = self.tables[path]
            crumbs.append({"id": parent["id"], "table": table.crumb, "title": parent.get(table.title) or ""})
            current = parent
        return crumbs
