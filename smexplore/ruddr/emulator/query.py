"""The query parameters of Ruddr's list endpoints: paging, and the filters of each list.

Ruddr's filter grammar (its pagination guide) is one family per field type:

- a UUID or enum field by its name: ``memberId=<uuid>``, ``assignmentTypeId=time_off``;
- a text field: ``name`` (exact), ``nameContains``, ``nameStartsWith``, ``nameEndsWith``;
- a date field: ``start`` (that day), ``startAfter`` (after it), ``startOnAfter`` (on or after),
  ``startBefore`` (before it), ``startOnBefore`` (on or before); the same for ``end``, ``date``.

Which fields each list filters on is in ``FILTERS``; see ``shared/reference/other-systems.md`` §A.5
and §A.9 for the sources, and the emulator's package docstring for what was inferred. Every
malformed value is a 400 whose message names the parameter (``QueryError``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["DEFAULT_LIMIT", "FILTERS", "MAX_LIMIT", "Listing", "QueryError", "parse_listing", "parse_uuid"]

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
PAGING = ("startingAfter", "endingBefore", "limit")

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]
Getter = Callable[[Record], Any]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^[0-9]+$")


class QueryError(ValueError):
    """A query parameter the API refuses (HTTP 400); the message says which and why."""


def parse_uuid(name: str, value: str) -> str:
    """``value`` as a lower-case UUID, or ``QueryError`` ("Parameter 'id' is not a valid UUID.")."""
    if not _UUID.match(value):
        raise QueryError(f"Parameter '{name}' is not a valid UUID.")
    return value.lower()


def _parse_date(name: str, value: str) -> str:
    if _DATE.match(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise QueryError(f"Parameter '{name}' is not a valid date (YYYY-MM-DD).")


def _at(*path: str) -> Getter:
    """A getter for a nested field: ``_at("member", "id")`` reads ``record["member"]["id"]`` (or None)."""
    def get(record: Record) -> Any:
        value: Any = record
        for key in path:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value
    return get


Parser = Callable[[str], Predicate]


def _uuid(name: str, get: Getter) -> dict[str, Parser]:
    def parse(value: str) -> Predicate:
        wanted = parse_uuid(name, value)
        return lambda record: get(record) == wanted
    return {name: parse}


def _enum(name: str, choices: tuple[str, ...]) -> dict[str, Parser]:
    def parse(value: str) -> Predicate:
        if value not in choices:
            raise QueryError(f"Parameter '{name}' must be one of: {', '.join(choices)}.")
        return lambda record: record.get(name) == value
    return {name: parse}


def _text(field: str) -> dict[str, Parser]:
    """``field`` exact (case-sensitive); ``…Contains``, ``…StartsWith``, ``…EndsWith`` ignore case."""
    def exact(value: str) -> Predicate:
        return lambda record: record.get(field) == value

    def matching(test: Callable[[str, str], bool]) -> Parser:
        def parse(value: str) -> Predicate:
            wanted = value.casefold()
            return lambda record: isinstance(record.get(field), str) and test(record[field].casefold(), wanted)
        return parse

    return {field: exact, f"{field}Contains": matching(lambda text, part: part in text),
            f"{field}StartsWith": matching(str.startswith), f"{field}EndsWith": matching(str.endswith)}


_COMPARE: dict[str, Callable[[str, str], bool]] = {
    "": lambda a, b: a == b, "After": lambda a, b: a > b, "OnAfter": lambda a, b: a >= b,
    "Before": lambda a, b: a < b, "OnBefore": lambda a, b: a <= b,
}


def _dates(field: str) -> dict[str, Parser]:
    """``field``, ``fieldAfter``, ``fieldOnAfter``, ``fieldBefore``, ``fieldOnBefore`` ("On" includes the day)."""
    def parser(name: str, compare: Callable[[str, str], bool]) -> Parser:
        def parse(value: str) -> Predicate:
            day = _parse_date(name, value)
            return lambda record: isinstance(record.get(field), str) and compare(record[field], day)
        return parse

    return {f"{field}{suffix}": parser(f"{field}{suffix}", compare) for suffix, compare in _COMPARE.items()}


FILTERS: dict[str, dict[str, Parser]] = {
    "allocations": {
        **_uuid("memberId", _at("member", "id")), **_uuid("resourcePlaceholderId", _at("placeholder", "id")),
        **_uuid("projectId", _at("project", "id")), **_enum("assignmentTypeId", ("project", "time_off")),
        **_enum("resourceTypeId", ("member", "placeholder")), **_dates("start"), **_dates("end"),
    },
    "members": {**_text("name"), **_text("email")},
    "projects": {
        **_uuid("clientId", _at("client", "id")),
        **_enum("statusId", ("tentative", "not_started", "in_progress", "paused", "completed", "cancelled")),
        **_text("name"), "code": _text("code")["code"],
    },
    "clients": {**_text("name"), "code": _text("code")["code"]},
    "time-entries": {
        **_uuid("memberId", _at("member", "id")), **_uuid("projectId", _at("project", "id")),
        **_enum("typeId", ("project_time", "time_off")), **_dates("date"),
    },
    "resource-placeholders": {**_text("name")},
    "project-roles": {**_uuid("projectId", _at("project", "id"))},
    "project-tasks": {**_uuid("projectId", _at("project", "id"))},
}
"""Resource → query parameter → parser (value → predicate on a record)."""


@dataclass(frozen=True)
class Listing:
    """A list request, read: its filter, its page size and its cursor.

    Attributes:
        predicate: Whether a record matches every filter given.
        limit: Most records in the page (1 to 100, default 10).
        cursor: ``startingAfter`` or ``endingBefore`` (a lower-case id), or ``None``.
        direction: ``after`` or ``before`` (which of the two ``cursor`` is).
    """

    predicate: Predicate
    limit: int
    cursor: str | None
    direction: str


def parse_listing(resource: str, args: Mapping[str, list[str]], *, reject_unknown: bool = False) -> Listing:
    """Read a list request's query parameters (each name → every value it was given).

    Unknown parameters are ignored, as most APIs do (or refused with ``reject_unknown``).

    Raises:
        QueryError: A malformed value, a parameter given twice, both cursors, or a limit out of 1..100.
    """
    filters = FILTERS[resource]
    predicates: list[Predicate] = []
    for name, values in args.items():
        if name not in filters and name not in PAGING:
            if reject_unknown:
                raise QueryError(f"Parameter '{name}' is not supported by this endpoint.")
            continue
        if len(values) != 1:
            raise QueryError(f"Parameter '{name}' must be given only once.")
        if name in filters:
            predicates.append(filters[name](values[0]))
    limit = DEFAULT_LIMIT
    if "limit" in args:
        text = args["limit"][0]
        if not _DIGITS.match(text) or len(text.lstrip("0")) > 3 or not 1 <= int(text) <= MAX_LIMIT:
            raise QueryError(f"Parameter 'limit' must be an integer from 1 to {MAX_LIMIT}.")
        limit = int(text)
    if "startingAfter" in args and "endingBefore" in args:
        raise QueryError("Parameters 'startingAfter' and 'endingBefore' cannot be used together.")
    cursor, direction = None, "after"
    for name, way in (("startingAfter", "after"), ("endingBefore", "before")):
        if name in args:
            cursor, direction = parse_uuid(name, args[name][0]), way
    return Listing(lambda record: all(p(record) for p in predicates), limit, cursor, direction)
