"""Reading a Syncd request's query: the item range (``start``/``end``), ``include``, ``for`` and the time-entry filters.

A value the API cannot use is a ``QueryError``, answered 422 with ``<errors><error>…</error></errors>``
naming the parameter. Parameters a resource does not know are ignored, as a Rails app ignores them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

__all__ = ["ItemRange", "QueryError", "parse_date", "parse_id", "parse_includes", "parse_purpose", "parse_range"]

Args = Mapping[str, Sequence[str]]


class QueryError(ValueError):
    """A query parameter's value the API cannot use (answered 422)."""


@dataclass(frozen=True)
class ItemRange:
    """A 1-based, inclusive range of items: ``start`` to ``start + limit - 1``.

    Attributes:
        start: The first item (1 is the first of the list).
        limit: How many items at most (``None``: every item from ``start``).
    """

    start: int
    limit: int | None

    def select(self, items: Sequence[object]) -> list[object]:
        return list(items[self.start - 1:None if self.limit is None else self.start - 1 + self.limit])


def _single(args: Args, name: str) -> str | None:
    values = args.get(name, [])
    if len(values) > 1:
        raise QueryError(f"{name} was given {len(values)} times; give it once")
    return values[0] if values else None


def _whole(name: str, text: str) -> int:
    stripped = text.strip()
    if not stripped.isdigit() or not stripped.isascii() or len(stripped) > 18:
        raise QueryError(f"{name} must be a whole number of at least 1 (at most 18 digits), not {text[:40]!r}")
    number = int(stripped)
    if number < 1:
        raise QueryError(f"{name} must be a whole number of at least 1 (at most 18 digits), not {text!r}")
    return number


def parse_range(args: Args, page_size: int, *, whole: bool = False) -> ItemRange:
    """The items ``start`` to ``end`` (1-based, inclusive), at most ``page_size`` of them.

    ``start`` defaults to 1 and ``end`` to ``start + page_size - 1``; a wider range is cut to
    ``page_size`` items (the list's ``end`` attribute says where it stopped). With ``whole`` (the
    job lists: "All jobs: GET /jobs.xml"), a request with neither ``start`` nor ``end`` gets every
    item.

    Raises:
        QueryError: ``start`` or ``end`` is not a whole number of at least 1, ``end`` is less than
            ``start``, or either is given twice.
    """
    start_text, end_text = _single(args, "start"), _single(args, "end")
    if whole and start_text is None and end_text is None:
        return ItemRange(1, None)
    start = 1 if start_text is None else _whole("start", start_text)
    if end_text is None:
        return ItemRange(start, page_size)
    end = _whole("end", end_text)
    if end < start:
        raise QueryError(f"end ({end}) must not be less than start ({start})")
    return ItemRange(start, min(page_size, end - start + 1))


def parse_includes(args: Args, allowed: Collection[str]) -> frozenset[str]:
    """The names of ``include`` (a comma list, or the parameter repeated), each one of ``allowed``.

    Raises:
        QueryError: A name the resource does not offer.
    """
    names = {n.strip() for value in args.get("include", []) for n in value.split(",") if n.strip()}
    unknown = sorted(names - set(allowed))
    if unknown:
        offered = ", ".join(sorted(allowed)) or "nothing"
        raise QueryError(f"include does not offer {', '.join(unknown)} here (it offers {offered})")
    return frozenset(names)


def parse_purpose(args: Args) -> str | None:
    """``for``: ``time`` or ``expenses`` (jobs that allow time or expense entries), else ``None``.

    Raises:
        QueryError: Another value.
    """
    value = _single(args, "for")
    if value is None or value == "":
        return None
    if value not in ("time", "expenses"):
        raise QueryError(f"for must be time or expenses, not {value!r}")
    return value


def parse_id(args: Args, name: str) -> int | None:
    """An id filter (``user_id=25``), or ``None`` when absent.

    Raises:
        QueryError: Not a whole number of at least 1.
    """
    value = _single(args, name)
    return None if value is None else _whole(name, value)


def parse_date(args: Args, name: str) -> date | None:
    """A date filter (``start_date=2026-02-01``, ``YYYY-MM-DD``), or ``None`` when absent.

    Raises:
        QueryError: Not a date written ``YYYY-MM-DD``.
    """
    value = _single(args, name)
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{name} must be a date written YYYY-MM-DD, not {value!r}") from None
