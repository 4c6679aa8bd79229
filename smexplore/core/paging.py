"""Paging styles: how a system's list endpoint is walked, page by page (after dlt's paginators).

A ``Paginator`` is stateless: it says what to add to the query for the first page, reads a page's
records out of its body, and says what to add for the next page (``None``: that was the last).
Which page an answer is comes from its request (``response.url``), never from memory, so one
paginator serves any number of pulls at once. The transport does the rest (retries, cache,
progress, one source per pull) whatever the style, and checks what every style promises: each
record is an object, no record comes twice (``id_key``), and the list's size (``total``) does not
change between pages.

A page shorter than asked for never ends a list by itself: a server (or a proxy) may cap pages
below what the client asks. Lists end where the API says so (an empty cursor, ``hasMore`` false, a
``total`` reached) or at an empty page.

Where a style can tell where the list goes before the walk gets there, it says so (``Ahead``), and
the transport asks for those pages several at a time: ``early`` reads the next page's query from an
answer's headers, before its body is read (a cursor in a header); ``ahead`` guesses the queries of
the pages after one (page numbers, offsets, item ranges). A guess is only a head start: the walk
still asks ``next`` where the list goes, and takes a page fetched ahead only when it ``fits`` that
(else the guesses are dropped and the page is asked for as ``next`` says), so a list is put
together exactly as if its pages had been fetched one after another.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import requests

__all__ = ["Ahead", "HeaderCursor", "ItemRange", "JsonCursor", "Keyset", "Offset", "PageError", "Paginator", "Unpaged",
           "early", "fitted", "guesses"]


class PageError(ValueError):
    """A page's body is not what the paging style expects (the message says what it is instead)."""


class Paginator(Protocol):
    """One paging style."""

    @property
    def id_key(self) -> str | None:
        """The field identifying a record (a record that comes twice in one pull is refused), or
        ``None`` when records carry no id."""
        ...

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
        """Query parameters for the page after this one, or ``None`` when this was the last.

        Raises:
            PageError: The page cannot be put together with the others (it says why).
        """
        ...

    def total(self, body: Any) -> int | None:
        """How many records the whole list has, where a page says so (``None``: it does not)."""
        ...


class Ahead(Protocol):
    """What a paging style may add so that pages are fetched before the walk reaches them (each
    method optional: a style has ``early``, or ``ahead`` with ``fits``, or neither)."""

    def early(self, response: requests.Response) -> dict[str, str] | None:
        """The next page's query from an answer's headers alone (``None``: it says none)."""
        ...

    def ahead(self, body: Any, response: requests.Response, records: list[dict[str, Any]],
              received: int) -> Iterator[dict[str, str]]:
        """Guesses of the queries of the pages after this one, in order (it may run on without end:
        the walk stops asking at the list's end). ``received``: records received so far, this page's too."""
        ...

    def fits(self, expected: dict[str, str], guess: dict[str, str],
             records: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """The records of a page fetched from ``guess`` that the page ``next`` asked for (``expected``)
        holds, or ``None`` when the guess is not that page (default: the same query, all its records)."""
        ...


def early(paging: Paginator, response: requests.Response) -> dict[str, str] | None:
    """``paging``'s ``Ahead.early`` for ``response``, where the style has it."""
    reader = getattr(paging, "early", None)
    return reader(response) if reader is not None else None


def guesses(paging: Paginator, body: Any, response: requests.Response, records: list[dict[str, Any]],
            received: int) -> Iterator[dict[str, str]]:
    """``paging``'s ``Ahead.ahead`` guesses after a page (none, where the style has no ``ahead``)."""
    guesser = getattr(paging, "ahead", None)
    return iter(guesser(body, response, records, received)) if guesser is not None else iter(())


def fitted(paging: Paginator, expected: dict[str, str], guess: dict[str, str],
           records: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """``paging``'s ``Ahead.fits``, or by default: ``records`` when ``guess`` is the ``expected`` query."""
    fits = getattr(paging, "fits", None)
    if fits is not None:
        return fits(expected, guess, records)
    return records if guess == expected else None


def _sent(response: requests.Response, name: str) -> str | None:
    """The value of query parameter ``name`` in the request ``response`` answers (the last one sent)."""
    values = parse_qs(urlsplit(response.url or "").query).get(name)
    return values[-1] if values else None


def _whole(value: Any, what: str) -> int:
    """``value`` (an attribute's or a query's text) as a whole number; ``PageError`` if it is none."""
    try:
        return int(str(value).strip())
    except ValueError:
        raise PageError(f"{what} is {value!r}, not a whole number") from None


def _enveloped(body: Any, envelope: str | None) -> list[dict[str, Any]]:
    """The records under ``envelope`` of a JSON object, or the body itself when ``envelope`` is ``None``."""
    if envelope is None:
        found = body
    elif isinstance(body, Mapping):
        found = body.get(envelope)
    else:
        raise PageError(f"expected a JSON object with a {envelope!r} array, got {type(body).__name__}")
    if not isinstance(found, list):
        where = "a JSON array of records" if envelope is None else f"a {envelope!r} array"
        raise PageError(f"expected {where}, got {type(found).__name__}")
    return found


def _check_limit(limit: Any) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number of records, at least 1; got {limit!r}")


@dataclass(frozen=True)
class HeaderCursor:
    """A JSON array per page; the next page's cursor comes in a response header (ServiceM8's).

    Attributes:
        param: The query parameter that carries the cursor.
        header: The response header with the next cursor (empty or absent: the last page).
        start: The cursor of the first page.
        id_key: The records' id field.
    """

    param: str = "cursor"
    header: str = "x-next-cursor"
    start: str = "-1"
    id_key: str | None = "uuid"

    def first(self) -> dict[str, str]:
        return {self.param: self.start}

    def records(self, body: Any) -> list[dict[str, Any]]:
        return _enveloped(body, None)

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        return self.early(response)

    def early(self, response: requests.Response) -> dict[str, str] | None:
        cursor = response.headers.get(self.header, "")
        return {self.param: cursor} if cursor else None

    def total(self, body: Any) -> int | None:
        return None


@dataclass(frozen=True)
class JsonCursor:
    """A JSON object per page: records under ``results`` and a ``hasMore`` flag; the next page
    starts after the last record's id (Ruddr's).

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

    def total(self, body: Any) -> int | None:
        return None


@dataclass(frozen=True)
class Offset:
    """Records from a position: ``offset`` counts the records received so far, ``limit`` asks for a
    page of them (Accelo's ``_offset``/``_limit``); only an empty page ends the list.

    A server that sends fewer records than asked (a lower cap, a proxy) is simply asked again from
    after the last one received. Records come under ``envelope`` in a JSON object
    (``{"meta": …, "response": [...]}``), or are the body itself when ``envelope`` is ``None``.

    Attributes:
        limit: Records asked for per page, sent as ``limit_param``.
        offset_param: The query parameter of the first record's position (from 0).
        limit_param: The query parameter for ``limit``.
        envelope: The key of the body holding the page's records (``None``: the body is the array).
        id_key: The records' id field.
    """

    limit: int = 100
    offset_param: str = "offset"
    limit_param: str = "limit"
    envelope: str | None = None
    id_key: str | None = "id"

    def __post_init__(self) -> None:
        _check_limit(self.limit)

    def _from(self, offset: int) -> dict[str, str]:
        return {self.offset_param: str(offset), self.limit_param: str(self.limit)}

    def first(self) -> dict[str, str]:
        return self._from(0)

    def records(self, body: Any) -> list[dict[str, Any]]:
        return _enveloped(body, self.envelope)

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        if not records:
            return None
        sent = _sent(response, self.offset_param)
        if sent is None:
            raise PageError(f"the answer does not say where it starts (no {self.offset_param} in its URL)")
        return self._from(_whole(sent, f"the request's {self.offset_param}") + len(records))

    def ahead(self, body: Any, response: requests.Response, records: list[dict[str, Any]],
              received: int) -> Iterator[dict[str, str]]:
        """After a full page: the offsets of the pages of ``limit`` that follow it."""
        sent = _sent(response, self.offset_param)
        if len(records) < self.limit or sent is None or not sent.strip().isdigit():
            return
        offset = int(sent) + len(records)
        while True:
            yield self._from(offset)
            offset += self.limit

    def total(self, body: Any) -> int | None:
        return None


@dataclass(frozen=True)
class Keyset:
    """Pages bounded by the last id received: the list in ascending id order, each next page asks
    for the ids above the last one in the API's filter (Accelo's ``_filters=…,id_greater_than(41)``);
    only an empty page ends the list.

    Records changing between pages neither shift nor repeat the pages (an offset would). Every
    record of a page must have an id above the bound its request sent, in ascending order: an API
    that ignores the bound or lists in another order is a ``PageError``, not a list put together
    wrongly. A filter of the caller's ending in the same bound (``id_greater_than(5)``) is replaced
    by the page's: every record above the last id is above it too.

    Where the API also takes an offset (``offset_param``), pages are fetched ahead by offsets under
    the same filter, each overlapping the one before by a record: a page fetched ahead is taken only
    when its first record is the last one received, so its others are exactly the ids above it that
    the bound would have asked for; records that shifted in between make it miss, and the walk asks
    by the bound again.

    Attributes:
        limit: Records asked for per page, sent as ``limit_param``.
        limit_param: The query parameter for ``limit``.
        filter_param: The query parameter holding the API's filters.
        bound: The filter keeping ids above a value (``bound(41)``).
        separator: Joins filters in ``filter_param`` (all must hold).
        envelope: The key of the body holding the page's records (``None``: the body is the array).
        id_key: The records' id field (whole numbers).
        offset_param: The query parameter of the first record's position under the filter, where the
            API has one (``None``: pages are fetched one after another).
    """

    limit: int = 100
    limit_param: str = "limit"
    filter_param: str = "filters"
    bound: str = "id_greater_than"
    separator: str = ","
    envelope: str | None = None
    id_key: str = "id"
    offset_param: str | None = None

    def __post_init__(self) -> None:
        _check_limit(self.limit)

    def first(self) -> dict[str, str]:
        return {self.limit_param: str(self.limit)}

    def ahead(self, body: Any, response: requests.Response, records: list[dict[str, Any]],
              received: int) -> Iterator[dict[str, str]]:
        """After a full page: pages of ``limit`` by offset under the page's own filter, each starting
        at the last record of the one before (``limit`` − 1 new records a page)."""
        if self.offset_param is None or len(records) < self.limit or self.limit < 2:
            return
        sent = _sent(response, self.offset_param) or "0"
        if not sent.strip().isdigit():
            return
        filters = _sent(response, self.filter_param) or ""
        offset = int(sent) + len(records) - 1
        while True:
            yield {self.limit_param: str(self.limit), self.offset_param: str(offset),
                   **({self.filter_param: filters} if filters else {})}
            offset += self.limit - 1

    def fits(self, expected: dict[str, str], guess: dict[str, str],
             records: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """The records after the first, when the first is the one whose id ``expected`` bounds."""
        above = self._split(expected.get(self.filter_param, ""))[1]
        if above is None or not records or str(records[0].get(self.id_key)) != str(above):
            return None
        return records[1:]

    def records(self, body: Any) -> list[dict[str, Any]]:
        return _enveloped(body, self.envelope)

    def _split(self, filters: str) -> tuple[str, int | None]:
        """``filters`` without a trailing bound, and the bound's value (``None``: none)."""
        match = re.search(rf"(?:^|{re.escape(self.separator)}){re.escape(self.bound)}\((\d+)\)$", filters)
        if match is None:
            return filters, None
        return filters[:match.start()], int(match[1])

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        if not records:
            return None
        rest, above = self._split(_sent(response, self.filter_param) or "")
        previous = above
        for record in records:
            value = _whole(record.get(self.id_key), f"a record's {self.id_key!r}")
            if previous is not None and value <= previous:
                asked = f" above {above}" if above is not None else ""
                raise PageError(f"asked for {self.id_key}s{asked} in ascending order, the API answered {value} after "
                                f"{previous}: it does not keep to {self.bound}, so the pages cannot be put together")
            previous = value
        joined = f"{rest}{self.separator}" if rest else ""
        return {**self.first(), self.filter_param: f"{joined}{self.bound}({previous})"}

    def total(self, body: Any) -> int | None:
        return None


@dataclass(frozen=True)
class Unpaged:
    """A list the API sends whole in one answer (Syncd's ``/jobs.xml`` without a range); its
    records are read as ``style`` reads a page.

    Attributes:
        style: The system's paging style, for reading the records.
    """

    style: Paginator

    @property
    def id_key(self) -> str | None:
        return self.style.id_key

    def first(self) -> dict[str, str]:
        return {}

    def records(self, body: Any) -> list[dict[str, Any]]:
        return self.style.records(body)

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        return None

    def total(self, body: Any) -> int | None:
        return None


@dataclass(frozen=True)
class ItemRange:
    """Items by their place in the list: ``start=1&end=100``, then ``start=101&end=200`` … (both ends
    included, counted from ``origin``); the list's root says how many items it has (``total``).

    A page's body is a decoded list document with ``records`` and the root's ``attributes``
    (``core.xml.XmlDocument``: ``<jobs type="array" total="250" start="1" end="100">``), or a
    JSON object holding the records under ``records_key`` and the counts beside them. Which items
    a page holds comes from its request (``response.url``), so the paginator keeps no state.

    The next page starts after the last item received (an API may send fewer than asked for). The
    list ends once the items reach the page's ``total``, or, where the root gives no total, at an
    empty page. A page that starts elsewhere than asked (its root's ``start`` says so), an empty
    page while ``total`` says more items follow, or more items than asked for past the first page,
    is a ``PageError``; more than asked for on the first page is the whole list at once (an API
    that ignores ranges).

    Attributes:
        size: Items asked for per request.
        start_param: The query parameter (and root attribute) of the first item's index.
        end_param: The query parameter of the last item's index.
        total_key: The root attribute (or key) with the number of items in the list.
        origin: The index of the first item (1: counted from one).
        records_key: Where a JSON object body holds its records.
        id_key: The records' id field.
    """

    size: int = 100
    start_param: str = "start"
    end_param: str = "end"
    total_key: str = "total"
    origin: int = 1
    records_key: str = "records"
    id_key: str | None = "id"

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

    def ahead(self, body: Any, response: requests.Response, records: list[dict[str, Any]],
              received: int) -> Iterator[dict[str, str]]:
        """The ranges that follow a page, each starting where the one before would end if the server
        sends as many items a page as this one (a server that caps pages below ``size`` does), up to the
        list's ``total``; without a total, only after a full page (a short one is most likely the end)."""
        sent, count, step = _sent(response, self.start_param), self.total(body), len(records)
        if not step or step > self.size or sent is None or not sent.strip().isdigit() or \
                (count is None and step < self.size):
            return
        start = int(sent) + step
        while count is None or start - self.origin < count:
            yield self._range(start)
            start += step

    def total(self, body: Any) -> int | None:
        total = self._attributes(body).get(self.total_key)
        return _whole(total, f"the list's {self.total_key}") if total not in (None, "") else None

    def next(self, body: Any, response: requests.Response, records: list[dict[str, Any]]) -> dict[str, str] | None:
        sent = _sent(response, self.start_param)
        if sent is None:
            raise PageError(f"the answer does not say which items it holds (no {self.start_param} in its URL)")
        start = _whole(sent, f"the request's {self.start_param}")
        count = self.total(body)
        answered = self._attributes(body).get(self.start_param)
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
        return self._range(following)
