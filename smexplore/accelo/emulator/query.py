"""The query parameters of Accelo's reads: paging, ``_fields``, ``_filters``, ``_search`` and the meta switches.

Paging (Accelo/docs ``source/includes/_configuring_responses.md``, the current docs): ``_page``
counted **from 0** (default 0), ``_limit`` (default 10, at most 100 since commit f91e70c of
2020-11-18; 50 before), ``_offset`` (default 0; ``_page`` overrides it). The 2017 wording of the
document we were given ("5 will display the fifth page", at most 50) is the old one. A ``_limit``
above the most a page holds (``max_limit``: 100, or lower to play a deployment or proxy that caps
pages) answers that many records (``over_limit="clamp"``, the default) or is refused
(``"error"``); the docs do not say which. A parameter given twice, or a value that is no whole
number, is an ``invalid_request``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .filters import Predicate, Query, compile_filters, compile_search
from .schema import Table
from .syntax import Item, QueryError

__all__ = ["DEFAULT_LIMIT", "Listing", "MAX_LIMIT", "Switches", "parse_listing", "parse_switches", "single"]

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
OverLimit = Literal["clamp", "error"]

_WHOLE = re.compile(r"^\d{1,9}$")
_YES = ("1", "yes")


@dataclass(frozen=True)
class Switches:
    """The meta switches of any request (``_introduction.md``), each ``1`` or ``yes`` to turn it on.

    Attributes:
        suppress_message: ``_suppress_message``: no ``message`` and ``more_info`` in ``meta``.
        suppress_http_status: ``_suppress_http_status``: HTTP 200, the real status in ``meta.response_code``.
        suppress_meta: ``_suppress_meta``: no ``meta`` at all.
        hide_defaults: ``_hide_defaults``: no default fields, only those ``_fields`` asks for.
    """

    suppress_message: bool = False
    suppress_http_status: bool = False
    suppress_meta: bool = False
    hide_defaults: bool = False


def parse_switches(args: Mapping[str, Sequence[str]]) -> Switches:
    """The switches among ``args`` (name → every value given); any other value leaves a switch off."""
    def on(name: str) -> bool:
        values = args.get(name) or [""]
        return values[-1].strip().lower() in _YES

    return Switches(on("_suppress_message"), on("_suppress_http_status"), on("_suppress_meta"), on("_hide_defaults"))


def single(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    """The one value of parameter ``name``, or ``None``.

    Raises:
        QueryError: It was given more than once.
    """
    values = args.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise QueryError(f"The parameter {name} was given {len(values)} times; give it once")
    return values[0]


def _whole(args: Mapping[str, Sequence[str]], name: str) -> int | None:
    text = single(args, name)
    if text is None:
        return None
    if not _WHOLE.match(text.strip()):
        raise QueryError(f"The parameter {name} must be a whole number, not {text[:40]!r}")
    return int(text)


@dataclass(frozen=True)
class Listing:
    """A read of a list, its count or its sums: which records, in which order, which page, which fields.

    Attributes:
        query: The compiled ``_filters`` (predicate and order).
        search: The compiled ``_search``, if given.
        start: Index of the page's first record among the matching ones.
        limit: Most records in the page.
        fields: The ``_fields`` items.
    """

    query: Query
    search: Predicate | None
    start: int
    limit: int
    fields: list[Item] = field(default_factory=list)

    def matches(self, record: dict[str, object]) -> bool:
        return self.query.predicate(record) and (self.search is None or self.search(record))


def parse_listing(table: Table, args: Mapping[str, Sequence[str]], fields: list[Item],
                  over_limit: OverLimit = "clamp", max_limit: int = MAX_LIMIT) -> Listing:
    """Read a list request's parameters (each name → every value given) for ``table``.

    ``_filter`` is read as ``_filters`` (the source document writes both); giving both is refused.

    Raises:
        QueryError: A malformed or repeated parameter, or a filter ``table`` does not have.
    """
    text = single(args, "_filters")
    alias = single(args, "_filter")
    if text is not None and alias is not None:
        raise QueryError("Give the filters in _filters only, not in both _filters and _filter")
    query = compile_filters(text if text is not None else alias or "", table)
    search_text = single(args, "_search")
    search = compile_search(search_text, table) if search_text is not None else None
    limit = _whole(args, "_limit")
    if limit is None:
        limit = DEFAULT_LIMIT
    elif limit < 1:
        raise QueryError("The parameter _limit must be at least 1")
    elif limit > max_limit:
        if over_limit == "error":
            raise QueryError(f"The parameter _limit may be at most {max_limit}, not {limit}")
        limit = max_limit
    page, offset = _whole(args, "_page"), _whole(args, "_offset")
    # _page from 0 ("the 5th page, _page=4"), and it overrides _offset: Accelo/docs
    # source/includes/_configuring_responses.md (current since f91e70c, 2020-11-18).
    start = page * limit if page is not None else offset or 0
    return Listing(query, search, start, limit, fields)
