"""Paging styles: how a system's list endpoint is walked, page by page (after dlt's paginators).

A ``Paginator`` is stateless: it says what to add to the query for the first page, reads a page's
records out of its body, and says what to add for the next page (``None``: that was the last).
The transport does the rest (retries, cache, progress, one source per pull), whatever the style.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import requests

__all__ = ["HeaderCursor", "ItemRange", "JsonCursor", "PageError", "PageNumber", "Paginator"]


class PageError(ValueError):
    """A page's body is not what the paging style expects (the message says what it is instead)."""


class Paginator(Protocol):
    """One paging style."""

    def first(self) -> dict[str, str]:
        """Query parameters for the first page."""
        ...

    def records(self, body: Any) -> list[dict[str, Any]]:
        """The page's records.

        Raises:
            PageError: The body is not a page of this style.
        """
        ...

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        """Query parameters for the page after this one, or ``None`` when this was the last."""
        ...


@dataclass(frozen=True)
class HeaderCursor:
    """A JSON array per page; the next page's cursor comes in a response header.

    Attributes:
        param: The query parameter that carries the cursor.
        header: The response header with the next cursor (empty or absent: the last page).
        start: The cursor of the first page.
    """

    param: str = "cursor"
    header: str = "x-next-cursor"
    start: str = "-1"

    def first(self) -> dict[str, str]:
        return {self.param: self.start}

    def records(self, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, list):
            raise PageError(f"expected a JSON array of records, got {type(body).__name__}")
        return body

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        cursor = response.headers.get(self.header, "")
        return {self.param: cursor} if cursor else None


@dataclass(frozen=True)
class JsonCursor:
    """A JSON object per page: records under ``results`` and a ``hasMore`` flag; the next page
    starts after the last record's id.

    Attributes:
        results: The key holding the page's records.
        has_more: The key holding whether more pages follow.
        after: The query parameter naming the id the next page starts after.
        id_key: The records' id field.
        limit: Records per page, sent as ``limit_param`` (``None``: the server's default).
        limit_param: The query parameter for ``limit``.
    """

    results: str = "results"
    has_more: str = "hasMore"
    after: str = "startingAfter"
    id_key: str = "id"
    limit: int | None = None
    limit_param: str = "limit"

    def first(self) -> dict[str, str]:
        return {self.limit_param: str(self.limit)} if self.limit is not None else {}

    def records(self, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, Mapping) or not isinstance(body.get(self.results), list):
            raise PageError(f"expected a JSON object with a {self.results!r} array, got {type(body).__name__}")
        return list(body[self.results])

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        if not body.get(self.has_more) or not records:
            return None
        last = records[-1].get(self.id_key)
        if last is None:
            raise PageError(f"the last record of the page has no {self.id_key!r} to continue after")
        return {**self.first(), self.after: str(last)}


@dataclass(frozen=True)
class PageNumber:
    """Numbered pages of ``limit`` records: page ``start``, ``start + 1`` … until a short page.

    The API gives no total and no "more" flag: a page holding fewer than ``limit`` records is the
    last (so a list whose length is a multiple of ``limit`` ends with one empty page). Records
    come under ``envelope`` in a JSON object (``{"meta": …, "response": [...]}``), or are the body
    itself when ``envelope`` is ``None``. Which page an answer is comes from its request's query
    (``response.url``), so the paginator keeps no state between pages.

    Attributes:
        limit: Records per page, sent as ``limit_param``.
        page_param: The query parameter numbering pages.
        limit_param: The query parameter for ``limit``.
        start: The number of the first page.
        envelope: The key of the body holding the page's records (``None``: the body is the array).
    """

    limit: int = 100
    page_param: str = "page"
    limit_param: str = "limit"
    start: int = 0
    envelope: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1:
            raise ValueError(f"limit must be a whole number of records, at least 1; got {self.limit!r}")

    def _page(self, number: int) -> dict[str, str]:
        return {self.page_param: str(number), self.limit_param: str(self.limit)}

    def first(self) -> dict[str, str]:
        return self._page(self.start)

    def records(self, body: Any) -> list[dict[str, Any]]:
        if self.envelope is None:
            found = body
        elif isinstance(body, Mapping):
            found = body.get(self.envelope)
        else:
            raise PageError(f"expected a JSON object with a {self.envelope!r} array, got {type(body).__name__}")
        if not isinstance(found, list):
            where = "a JSON array of records" if self.envelope is None else f"a {self.envelope!r} array"
            raise PageError(f"expected {where}, got {type(found).__name__}")
        return found

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        if len(records) < self.limit:
            return None
        if len(records) > self.limit:
            raise PageError(f"a page of {len(records)} records, more than the {self.limit} asked for: the API "
                            f"ignores {self.limit_param}, so pages cannot be counted")
        sent = parse_qs(urlsplit(response.url or "").query).get(self.page_param)
        if not sent:
            raise PageError(f"the answer does not say which page it is (no {self.page_param} in its URL)")
        try:
            number = int(sent[-1])
        except ValueError:
            raise PageError(f"the page was asked for with {self.page_param}={sent[-1]!r}, not a number") from None
        return self._page(number + 1)


def _whole(value: Any, what: str) -> int:
    """``value`` (an attribute's or a query's text) as a whole number; ``PageError`` if it is none."""
    try:
        return int(str(value).strip())
    except ValueError:
        raise PageError(f"{what} is {value!r}, not a whole number") from None


@dataclass(frozen=True)
class ItemRange:
    """Items by their place in the list: ``start=1&end=100``, then ``start=101&end=200`` … (both ends
    included, counted from ``origin``); the list's root says how many items it has (``total``).

    A page's body is a decoded list document with ``records`` and the root's ``attributes``
    (``core.xml.XmlDocument``: ``<jobs type="array" total="250" start="1" end="100">``), or a
    JSON object holding the records under ``records_key`` and the counts beside them. Which items
    a page holds comes from its request (``response.url``), so the paginator keeps no state.

    The next page starts after the last item received (an API may send fewer than asked for). The
    list ends once the items reach the page's ``total``, or, where the root gives no total, with a
    page shorter than asked for. A page that starts elsewhere than asked (its root's ``start``
    says so), an empty page while ``total`` says more items follow, or more items than asked for
    past the first page, is a ``PageError``; more than asked for on the first page is the whole
    list at once (an API that ignores ranges).

    Attributes:
        size: Items asked for per request.
        start_param: The query parameter (and root attribute) of the first item's index.
        end_param: The query parameter of the last item's index.
        total: The root attribute (or key) with the number of items in the list.
        origin: The index of the first item (1: counted from one).
        records_key: Where a JSON object body holds its records.
    """

    size: int = 100
    start_param: str = "start"
    end_param: str = "end"
    total: str = "total"
    origin: int = 1
    records_key: str = "records"

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1:
            raise ValueError(f"size must be a whole number of items, at least 1; got {self.size!r}")

    def _range(self, start: int) -> dict[str, str]:
        return {self.start_param: str(start), self.end_param: str(start + self.size - 1)}

    def first(self) -> dict[str, str]:
        return self._range(self.origin)

    def _attributes(self, body: Any) -> Mapping[str, Any]:
        attributes = getattr(body, "attributes", None)
        if isinstance(attributes, Mapping):
            return attributes
        return body if isinstance(body, Mapping) else {}

    def records(self, body: Any) -> list[dict[str, Any]]:
        if isinstance(body, Mapping):
            found = body.get(self.records_key)
            if not isinstance(found, list):
                raise PageError(f"expected an object with a {self.records_key!r} array, got {type(found).__name__}")
            return found
        try:
            return list(body.records)
        except AttributeError:
            raise PageError(f"expected a list document, got {type(body).__name__}") from None
        except ValueError as exc:
            raise PageError(str(exc)) from None

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        sent = parse_qs(urlsplit(response.url or "").query).get(self.start_param)
        if not sent:
            raise PageError(f"the answer does not say which items it holds (no {self.start_param} in its URL)")
        start = _whole(sent[-1], f"the request's {self.start_param}")
        attributes = self._attributes(body)
        total = attributes.get(self.total)
        count = _whole(total, f"the list's {self.total}") if total not in (None, "") else None
        answered = attributes.get(self.start_param)
        if records and answered not in (None, "") and _whole(answered, f"the list's {self.start_param}") != start:
            raise PageError(f"asked for items from {start}, the API answered items from {answered}: it does not "
                            f"take {self.start_param}/{self.end_param}, so the pages cannot be put together")
        if len(records) > self.size:
            if start == self.origin and (count is None or len(records) >= count):
                return None  # the whole list at once
            raise PageError(f"{len(records)} items came, more than the {self.size} asked for (from item {start})")
        if not records:
            if count is not None and start - self.origin < count:
                raise PageError(f"the list has {count} items, yet none came from item {start}")
            return None
        following = start + len(records)
        if count is not None:
            return self._range(following) if following - self.origin < count else None
        return self._range(following) if len(records) == self.size else None
