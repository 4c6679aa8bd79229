"""Paging styles: how a system's list endpoint is walked, page by page (after dlt's paginators).

A ``Paginator`` is stateless: it says what to add to the query for the first page, reads a page's
records out of its body, and says what to add for the next page (``None``: that was the last).
The transport does the rest (retries, cache, progress, one source per pull), whatever the style.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

__all__ = ["HeaderCursor", "JsonCursor", "PageError", "Paginator"]


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
