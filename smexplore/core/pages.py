"""Pulling a whole list: pages walked as the system's paging style says, from one source, checked.

A list is pulled whole, from one source: every page from the cache (the pages of one earlier
pull) or every page from the network. A cache that holds only part of a pull (an interrupted
pull, a later page gone) makes the pull start again from the network, so a cached cursor is
never resent. How pages follow each other is the system's paging style (``paging.Paginator``);
what every page must keep to, whatever the style, is ``PageCheck``'s. ``Pulling`` is the part of
``Transport`` that does it.
"""

from __future__ import annotations

import hashlib
import reprlib
import threading
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from .cache import Mode
from .errors import APIError, CacheMissError, IncompleteResultError, SMExploreError
from .flight import Flight
from .log import get_logger
from .paging import PageError, Paginator, fitted
from .progress import progress_wanted

__all__ = ["Cancelled", "Mode", "NotCached", "Page", "Pull", "Pulling"]

log = get_logger("http")


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Page:
    """One page of a list answer.

    Attributes:
        records: The page's records.
        from_cache: Whether the page came from the cache.
        content: The page's raw body.
        fetched_at: When the server sent it (UTC; long ago for an old cached page).
        server_time: The server's own clock when it answered (its ``Date`` header, UTC), for a page
            from the network that says it.
        spare: The next page was still on its way when this one was handed over (time to spare
            for work on this one meanwhile).
    """

    records: list[dict[str, Any]]
    from_cache: bool
    content: bytes = field(repr=False)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    server_time: datetime | None = None
    spare: bool = False

    @property
    def digest(self) -> str:
        """A hash of the page's body: identifies what was served."""
        return hashlib.blake2b(self.content, digest_size=16).hexdigest()


@dataclass(frozen=True)
class Pull:
    """A whole list pulled: every page's records, from the cache or from the network.

    Attributes:
        records: Every record, or ``None`` when the caller's ``reuse`` took the first page as
            enough (it already holds what that page leads to).
        first: The first page.
        fetched_at: When the oldest page was fetched from the server (UTC).
        pages: How many pages were read.
        fetched: How many of them came from the network (and were stored, when caching).
        parts: What the pull's ``convert`` made of the records, batch by batch in list order, while
            later pages were on their way (empty: nothing converted; convert ``records`` instead).
    """

    records: list[dict[str, Any]] | None
    first: Page
    fetched_at: datetime
    pages: int
    fetched: int = 0
    parts: tuple[Any, ...] = ()

    @property
    def server_time(self) -> datetime | None:
        """The server's clock when it answered the first page (``Page.server_time``)."""
        return self.first.server_time


class Cancelled(Exception):
    """A pull stopped between pages because its caller asked (``Transport.pull``'s ``cancel``)."""


def _server_time(response: requests.Response) -> datetime | None:
    """The ``Date`` header of an answer from the network, as a UTC datetime (``None``: none, or unreadable)."""
    if getattr(response, "from_cache", False) or not response.headers.get("Date"):
        return None
    try:
        moment = parsedate_to_datetime(response.headers["Date"])
    except (TypeError, ValueError, IndexError):
        return None
    return _utc(moment).astimezone(UTC)


def _incomplete(message: str) -> IncompleteResultError:
    """An ``IncompleteResultError``, logged as a WARNING (a pull given up)."""
    log.warning("%s", message)
    return IncompleteResultError(message)


class _PageCheck:
    """What every page of one pull must keep to, whatever the paging style: records are objects,
    none comes twice (by the style's ``id_key``), and the list's size, where pages say it, stays
    the same from page to page (records changing between pages shift them)."""

    def __init__(self, id_key: str | None) -> None:
        self.id_key = id_key
        self.ids: set[Any] = set()
        self.size: int | None = None

    def page(self, number: int, records: list[Any], size: int | None) -> None:
        """Check page ``number``'s ``records`` and the list ``size`` it states.

        Raises:
            PageError: The page breaks a rule (the message says which record or size).
        """
        for record in records:
            if not isinstance(record, dict):
                raise PageError(f"the API sent {reprlib.repr(record)} where a record (an object) should be")
        if self.id_key is not None:
            keys = [key if isinstance(key, (str, int)) else repr(key)
                    for key in (record.get(self.id_key) for record in records) if key is not None]
            fresh = set(keys)
            if len(fresh) != len(keys) or not self.ids.isdisjoint(fresh):
                again = next(key for index, key in enumerate(keys) if key in self.ids or key in keys[:index])
                raise PageError(f"the API sent the record {self.id_key}={again!r} twice: it repeats or overlaps "
                                "pages (records changed while the list was read, or a paging parameter is ignored)")
            self.ids |= fresh
        if size is not None:
            if self.size is not None and size != self.size:
                raise PageError(f"the list held {self.size:,} records on page 1 and {size:,} on page {number}: "
                                "it changed while it was read; pull again")
            self.size = size


class NotCached(Exception):
    """A page of a pull served from the cache is missing there (or older than the page before it)."""

    def __init__(self, page: int, why: str) -> None:
        super().__init__(f"page {page} {why}")
        self.page = page


class Pulling:
    """Whole lists, page by page: the part of ``Transport`` that walks a list (``Transport`` supplies
    the attributes and the one-request methods declared here)."""

    paging: Paginator
    offline: bool
    progress: bool
    concurrency: int
    _written: dict[str, int]  # topics written since their last complete pull from the network
    _lock: threading.Lock

    def get(self, path: str, params: Mapping[str, str] | None = None, *, mode: Mode = "normal",
            what: str = "", on_headers: Callable[..., None] | None = None,
            stop: threading.Event | None = None) -> tuple[Any, requests.Response]:
        """One GET, decoded (``Transport.get``)."""
        raise NotImplementedError

    def topic(self, path: str) -> str:
        """What a path is about (``Transport.topic``)."""
        raise NotImplementedError

    def _drop(self, response: requests.Response) -> None:
        """Forget a cached answer (``Transport._drop``)."""
        raise NotImplementedError

    def _drop_all(self, responses: list[requests.Response]) -> None:
        """Forget cached answers (``Transport._drop_all``)."""
        raise NotImplementedError

    def _store(self, response: requests.Response) -> None:
        """Store an answer fetched without the cache (``Transport._store``)."""
        raise NotImplementedError

    # --- a whole list ------------------------------------------------------------------------------
    def pull(self, path: str, params: Mapping[str, str] | None = None, *, label: str = "",
             reuse: Callable[[Page], bool] | None = None, keep: bool = True,
             paging: Paginator | None = None, cancel: threading.Event | None = None,
             convert: Callable[[list[dict[str, Any]]], Any] | None = None) -> Pull:
        """Every page of a list endpoint (walked as ``paging`` says), from one source.

        The pages come either all from the cache (as one earlier pull stored them: each page no
        older than the one before) or all from the network. If the cache holds only part of a
        pull, the whole pull starts again from the network. Offline, the cache must hold it all.

        Args:
            path: The list path, e.g. ``/jobactivity.json``.
            params: Query parameters (``$filter``).
            label: Names the pull in progress bars and errors.
            reuse: Called with a first page that came from the cache; ``True`` ends the pull there
                (the caller already holds what that page leads to).
            keep: ``False``: every page from the network, none stored in the cache (the caller
                keeps the records itself).
            paging: How this list is paged (default: the transport's ``paging``).
            cancel: Set by the caller to stop the pull before its next page (``Cancelled``).
            convert: Called with the records received so far, in list order, whenever the walk
                waits for a page in flight from the network (and with the rest at the end), so
                that work on them overlaps the wait; what it returns is in ``Pull.parts``.

        Raises:
            IncompleteResultError: A later page failed (nothing partial is returned); the API led
                back to a page already read, sent a record twice, sent something else than records,
                or changed the list's size between pages.
            CacheMissError: Offline, and the cache does not hold the whole pull.
            SMExploreError: The first page failed (a subclass says how).
        """
        params, label = dict(params or {}), label or path
        style = paging if paging is not None else self.paging
        tag = self.topic(path)
        with self._lock:
            written = self._written.get(tag)
        try:
            result = self._collect(path, params, label, reuse, style, refresh=written is not None or not keep,
                                   keep=keep, cancel=cancel, convert=convert)
        except NotCached as gap:
            if self.offline:
                raise CacheMissError(f"offline, and {label} page {gap.page} is not in the cache (pages 1–"
                                     f"{gap.page - 1} are); connect with offline=False to fetch it") from None
            log.info("%s: the cache holds only part of this pull (%s); pulling it whole from the network",
                     label, gap)
            result = self._collect(path, params, label, reuse, style, refresh=True, keep=keep, cancel=cancel,
                                   convert=convert)
        if result.records is None:
            log.debug("%s: the cache serves the same first page as before; what it leads to is reused", label)
        else:
            log.debug("%s: %d records in %d pages from the %s", label, len(result.records), result.pages,
                      "cache" if result.first.from_cache else "network")
        if written is not None and keep:  # a pull that stored nothing leaves the cache as stale as it was
            with self._lock:
                if self._written.get(tag) == written:  # no write since this pull began
                    del self._written[tag]
        return result

    def _collect(self, path: str, params: dict[str, str], label: str, reuse: Callable[[Page], bool] | None,
                 paging: Paginator, refresh: bool, keep: bool = True, cancel: threading.Event | None = None,
                 convert: Callable[[list[dict[str, Any]]], Any] | None = None) -> Pull:
        pages = self._walk(path, params, label, paging, refresh, keep, cancel)
        try:
            first = next(pages)
            if reuse is not None and first.from_cache and reuse(first):
                return Pull(None, first, first.fetched_at, 1)
            records, oldest, count, fetched = list(first.records), first.fetched_at, 1, int(not first.from_cache)
            parts: list[Any] = []
            done = 0  # records converted so far
            if convert is not None and first.spare:
                parts.append(convert(records))
                done = len(records)
            for page in pages:
                records.extend(page.records)
                oldest, count, fetched = min(oldest, page.fetched_at), count + 1, fetched + (not page.from_cache)
                if convert is not None and page.spare:  # a page on its way: convert meanwhile
                    parts.append(convert(records[done:]))
                    done = len(records)
            if convert is not None and parts and done < len(records):
                parts.append(convert(records[done:]))
            return Pull(records, first, oldest, count, fetched, tuple(parts))
        finally:
            pages.close()

    def _walk(self, path: str, params: dict[str, str], label: str, paging: Paginator, refresh: bool,
              keep: bool = True, cancel: threading.Event | None = None) -> Generator[Page, None, None]:
        step = paging.first()
        seen, number, total = {tuple(sorted(step.items()))}, 1, 0
        check = _PageCheck(paging.id_key)
        network: Mode = "refresh" if keep else "bypass"
        mode: Mode = network if refresh else "normal"
        previous: datetime | None = None
        bar: Any = None

        def fetch(query: dict[str, str], hook: Callable[..., None] | None, page: int,
                  how: Mode) -> tuple[Any, requests.Response]:
            return self.get(path, {**params, **query}, mode=how, what=f"{label} page {page}", on_headers=hook,
                            stop=flight.stopped)

        flight = Flight(fetch, paging, self.concurrency)
        stored: list[requests.Response] = []  # this pull's answers in the cache: forgotten if it fails
        failed, interrupted = True, False
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    raise Cancelled(f"{label}: stopped before page {number}")
                try:
                    body, response, records = self._ahead(flight, step, paging)
                    if response is None:
                        flight.asked(step)
                        body, response = self.get(path, {**params, **step}, mode=mode, what=f"{label} page {number}",
                                                  on_headers=flight.hook(number))
                    elif keep and mode != "cache_only":  # fetched ahead, not stored: stored now, in list order
                        self._store(response)
                    if keep and not getattr(response, "from_cache", False):
                        stored.append(response)
                except IncompleteResultError:
                    raise
                except (NotCached, CacheMissError):
                    if number == 1 and self.offline:
                        raise
                    raise NotCached(number, "is not in the cache, or has expired there") from None
                except SMExploreError as exc:
                    if number == 1:
                        raise
                    raise _incomplete(f"{label}: page {number} failed after {total:,} records "
                                      f"({exc}); no partial result is returned") from exc
                fetched_ahead = records is not None
                try:
                    if records is None:
                        records = paging.records(body)
                    check.page(number, records, paging.total(body))
                    following = paging.next(body, response, records)
                except PageError as exc:
                    self._drop(response)  # a page that cannot be put together is no answer to keep
                    if number == 1:  # nothing read yet: the answer itself is wrong
                        log.warning("%s: %s", label, exc)
                        raise APIError(f"{label}: {exc}", response.status_code) from None
                    raise _incomplete(f"{label} page {number}: {exc}; no partial result is returned") from None
                from_cache = bool(getattr(response, "from_cache", False))
                fetched_at = _utc(getattr(response, "created_at", None)) if from_cache else _utc(None)
                if number == 1:  # the first page decides where every later page comes from
                    mode = "cache_only" if from_cache else network
                elif from_cache and previous is not None and fetched_at < previous and not self.offline:
                    raise NotCached(number, "in the cache is older than the page before it")
                previous = fetched_at
                total += len(records)
                if following is not None:
                    key = tuple(sorted(following.items()))
                    if key in seen:
                        shown = ", ".join(f"{name}={value}" for name, value in key)
                        raise _incomplete(f"{label}: the API led to the same page twice ({shown}, after page "
                                          f"{number}); stopped instead of looping")
                    seen.add(key)
                    if not fetched_ahead and mode != "cache_only":  # from the network: a head start
                        flight.plan(number, body, response, records, total, mode)
                if following is not None and bar is None and progress_wanted(self.progress):
                    from tqdm.auto import tqdm  # on first use: in a kernel it loads ipywidgets

                    bar = tqdm(desc=label, unit=" records", leave=False)
                if bar is not None:
                    bar.update(len(records))
                    bar.set_postfix(pages=number, refresh=False)
                yield Page(records, from_cache, response.content, fetched_at, _server_time(response),
                           spare=following is not None and flight.waiting())
                if following is None:
                    failed = False
                    return
                if not fetched_ahead and mode == "cache_only":  # from the cache: once the caller wants more
                    flight.plan(number, body, response, records, total, mode)
                step = following
                number += 1
        except (KeyboardInterrupt, SystemExit):  # stop at once: pages in flight are left to come back unread
            interrupted = True
            raise
        finally:
            if failed and stored:  # first: the pages in flight store nothing, and closing may be interrupted
                self._drop_all(stored)  # nothing of a pull that failed stays in the cache
            try:
                flight.close(wait=not interrupted)
            finally:
                if bar is not None:
                    bar.close()

    @staticmethod
    def _ahead(flight: Flight, expected: dict[str, str],
               paging: Paginator) -> tuple[Any, requests.Response | None, list[dict[str, Any]] | None]:
        """The page the walk asks for (``expected``), if it was fetched ahead: its body, answer and
        records (``None`` records: read them as any page's); else ``(None, None, None)``.

        Raises:
            SMExploreError, NotCached: The page fetched ahead is the one asked for, and it failed
                (or is not in the cache).
        """
        taken = flight.take()
        if taken is None:
            return None, None, None
        guess, future = taken
        try:
            body, response = future.result()
        except (SMExploreError, NotCached):
            flight.discard()
            if guess == expected:
                raise
            return None, None, None
        try:
            raw = paging.records(body)
            records = fitted(paging, expected, guess, raw)
        except PageError:
            if guess == expected:  # the page asked for, broken: the walk says so as for any page
                flight.discard()
                return body, response, None
            records = None
        if records is None:
            flight.discard()
            return None, None, None
        flight.fitted(len(raw))
        return body, response, records
