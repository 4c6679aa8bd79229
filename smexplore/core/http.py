"""The HTTP layer: a request budget, retries and paging (a ``Paginator`` per style), over a (cached) requests session.

A list is pulled whole, from one source: every page from the cache (the pages of one earlier
pull) or every page from the network. A cache that holds only part of a pull (an interrupted
pull, a later page gone) makes the pull start again from the network, so a cached cursor is
never resent. How pages follow each other is the system's paging style (``paging.Paginator``).

Order of the layers for one GET, outermost first::

    Transport.get ── retries 429/5xx/broken bodies with backoff, within a time budget
      └─ requests-cache CachedSession ── a hit returns here: no request, no budget spent
           └─ BudgetAdapter ── paces real requests (per second, per minute), counts them, daily budget
                └─ the user's (or requests' default) HTTPAdapter ── the network

Retries are our own loop rather than urllib3's ``Retry`` on the adapter because the policy needs
three things ``Retry`` lacks: a backoff base of 1.5 (the vendor SDK's), a total time budget, and
every retried attempt passing through the request budget.

Everything is logged under ``smexplore.http`` (see ``_log``): requests by path and query, never by
URL or headers, so no record carries a credential.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import re
import reprlib
import sqlite3
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, cast

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests_cache import CacheMixin

from .cache import GuardedSQLiteCache, topic
from .errors import (
    APIError,
    AuthenticationError,
    CacheError,
    CacheMissError,
    FilterError,
    ForbiddenError,
    IncompleteResultError,
    NotFoundError,
    RateLimitError,
    SMExploreError,
)
from .log import get_logger
from .paging import HeaderCursor, PageError, Paginator

__all__ = [
    "BudgetAdapter",
    "Cancelled",
    "ErrorDescriber",
    "ErrorKind",
    "Page",
    "Pull",
    "RefusedBody",
    "RequestBudget",
    "RetryPolicy",
    "Transport",
    "progress_wanted",
]

log = get_logger("http")

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
# Query parameters never logged by value (smexplore sends none of them; a caller's might).
_SECRET_PARAMS = ("key", "token", "secret", "password", "auth", "signature")


def _loggable(params: Mapping[str, str]) -> dict[str, str]:
    """``params`` for a log record: any that could carry a secret masked."""
    return {name: "***" if any(word in name.lower() for word in _SECRET_PARAMS) else value
            for name, value in params.items()}


def _in_ipython_kernel() -> bool:
    """Whether this runs in an IPython kernel (Jupyter, VS Code, Colab…), where tqdm.auto shows a widget."""
    ipython = sys.modules.get("IPython")  # never imported here: a kernel has always loaded it
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return getattr(shell, "kernel", None) is not None


def _stderr_is_terminal() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError, OSError):  # no stderr (pythonw), a closed one, or a bare object
        return False


def progress_wanted(setting: bool) -> bool:
    """Whether to show a progress bar: ``setting`` on, and someone watching.

    Someone watches in an IPython kernel (Jupyter: tqdm.auto shows a widget) or when stderr is a
    terminal; never when stderr goes to a file or a pipe, where a bar would leave ``\\r`` residue.
    ``TQDM_DISABLE=1`` hides bars wherever they would show (tqdm honours it).
    """
    return bool(setting) and (_in_ipython_kernel() or _stderr_is_terminal())


class RequestBudget:
    """Client-side limits: at most ``per_second`` requests in any second, ``per_minute`` in any
    60 s and ``per_hour`` in any hour (the next one waits), ``per_day`` in 24 h (the next one is
    refused); and the server's own word (``hold``): no request before a moment it names.

    Only requests that reach the network are counted: cache hits never get here.

    Args:
        per_minute: Requests allowed in any 60 seconds; the next one waits.
        per_day: Requests allowed in any 24 hours; the next one raises ``RateLimitError``.
        per_second: Requests allowed in any second (``None``: no such limit); the next one waits.
        per_hour: Requests allowed in any hour (``None``: no such limit); the next one waits, or
            raises ``RateLimitError`` when the wait would be longer than ``max_wait``.
        max_wait: The longest a request waits for a window to open or a hold to end (seconds);
            beyond it, ``RateLimitError``. The second and minute windows always wait.
        clock: Monotonic seconds.
        sleep: How to wait (tests pass a fake).
    """

    def __init__(self, per_minute: int = 180, per_day: int = 20_000, *, per_second: int | None = None,
                 per_hour: int | None = None, max_wait: float = 120.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_minute = per_minute
        self.per_day = per_day
        self.per_second = per_second
        self.per_hour = per_hour
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._held_until = 0.0
        self._held_why = ""
        self._lock = threading.Lock()

    def hold(self, seconds: float, why: str) -> None:
        """Send no request for ``seconds`` (the server said its limit is spent until then)."""
        with self._lock:
            until = self._clock() + max(0.0, seconds)
            if until > self._held_until:
                self._held_until, self._held_why = until, why

    def _forget_old(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - 86_400:
            self._sent.popleft()

    def _in_last(self, now: float, seconds: float) -> int:
        count = 0
        for moment in reversed(self._sent):
            if moment <= now - seconds:
                break
            count += 1
        return count

    def _in_last_minute(self, now: float) -> int:
        return self._in_last(now, 60)

    def _wait(self, now: float) -> tuple[float, int, str]:
        """Seconds until one more request fits every waiting window (0: now); the count and window."""
        if now < self._held_until:
            return self._held_until - now, 0, ""
        windows = ((1, self.per_second, "second"), (60, self.per_minute, "minute"), (3600, self.per_hour, "hour"))
        for seconds, allowed, name in windows:
            if allowed is None:
                continue
            count = self._in_last(now, seconds)
            if count >= allowed:
                return max(0.01, self._sent[len(self._sent) - allowed] + seconds - now), count, name
        return 0.0, 0, ""

    def acquire(self) -> None:
        """Wait until one more request fits in the minute window, then count it."""
        while True:
            with self._lock:
                now = self._clock()
                self._forget_old(now)
                if len(self._sent) >= self.per_day:
                    log.warning("client-side daily budget of %d requests spent: request refused", self.per_day)
                    raise RateLimitError(
                        f"the client-side daily budget of {self.per_day:,} requests is spent; "
                        "cached answers still work (offline=True), or raise per_day"
                    )
                wait, count, window = self._wait(now)
                if not wait:
                    self._sent.append(now)
                    return
                long_wait = wait > self.max_wait and window not in ("second", "minute")
                why = self._held_why if not window else f"{count} requests in the last {window}"
            if long_wait:
                log.warning("rate limit: %s; the next request would wait %.0f s: refused", why, wait)
                limit = "the API's rate limit" if not window else f"the client-side limit of {count:,} an {window}"
                raise RateLimitError(f"{limit} is spent ({why}) for another {wait:.0f} s, longer than the "
                                     f"{self.max_wait:.0f} s a request may wait; cached answers still work "
                                     "(offline=True), or try again later")
            if window:
                log.info("client-side rate limit: %s; waiting %.1f s", why, wait)
            else:
                log.info("the API's rate limit: %s; waiting %.1f s", why, wait)
            self._sleep(wait)  # not holding the lock: others may read the counts meanwhile

    def sent_last_minute(self) -> int:
        with self._lock:
            return self._in_last_minute(self._clock())

    def sent_last_hour(self) -> int:
        with self._lock:
            return self._in_last(self._clock(), 3600)

    def sent_today(self) -> int:
        with self._lock:
            self._forget_old(self._clock())
            return len(self._sent)


class BudgetAdapter(BaseAdapter):
    """A transport adapter that spends the ``RequestBudget`` for every request it sends on.

    Mounted for the API's base URL only, in front of whatever adapter the session had there.
    """

    def __init__(self, budget: RequestBudget, inner: BaseAdapter | None = None) -> None:
        super().__init__()
        self.budget = budget
        self.inner = inner or HTTPAdapter()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.budget.acquire()
        return self.inner.send(request, **kwargs)

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True)
class RetryPolicy:
    """How 429 and 5xx answers (and broken connections or bodies) are retried.

    Waits grow ``start × factor**attempt`` up to ``cap`` seconds; a ``Retry-After`` header wins.
    Retrying stops once the next wait would pass ``budget`` seconds since the first attempt.
    """

    start: float = 0.5
    factor: float = 1.5
    cap: float = 60.0
    budget: float = 120.0

    def delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                pass  # an HTTP date: fall back to backoff
        return min(self.cap, self.start * self.factor**attempt)


ErrorKind = Literal["authentication", "forbidden", "not_found", "filter", "error"]
"""What an error answer means, whatever its HTTP status: ``AuthenticationError``, ``ForbiddenError``,
``NotFoundError``, ``FilterError`` (about the filter the request sent) or ``APIError``."""

ErrorDescriber = Callable[[requests.Response], "tuple[ErrorKind | None, str] | None"]
"""A system's reading of an error answer: ``(kind, message)`` (``kind`` ``None``: judged by the HTTP
status), or ``None`` to read it the default way (status, and the body's ``message``). For APIs that
wrap errors in an envelope (``{"meta": {"status": "invalid_request", "message": …}}``)."""

# What an error status means when the system does not say otherwise (423: a locked account, Ruddr's).
_STATUS_KINDS: dict[int, ErrorKind] = {401: "authentication", 423: "authentication", 403: "forbidden",
                                       404: "not_found"}

Mode = Literal["normal", "refresh", "cache_only", "bypass"]
"""How a GET uses the cache: ``normal`` (a fresh cached answer, else the network), ``refresh``
(the network, and the answer replaces the cached one), ``cache_only`` (a fresh cached answer, or
``_NotCached``), ``bypass`` (the network, and nothing is stored: for a caller that keeps the
records itself, as ``sync`` does in the store)."""


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
    """

    records: list[dict[str, Any]]
    from_cache: bool
    content: bytes = field(repr=False)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    server_time: datetime | None = None

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
    """

    records: list[dict[str, Any]] | None
    first: Page
    fetched_at: datetime
    pages: int
    fetched: int = 0

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


class RefusedBody(ValueError):
    """A decoder's refusal of a body that must not be read (unsafe XML, say): the GET raises
    ``APIError`` at once, with no retry (sending again would bring the same), and the answer is
    never cached. Any other ``ValueError`` from a decoder is a broken body: retried."""


class _NotCached(Exception):
    """A page of a pull served from the cache is missing there (or older than the page before it)."""

    def __init__(self, page: int, why: str) -> None:
        super().__init__(f"page {page} {why}")
        self.page = page


def _message(response: requests.Response) -> str:
    """The API's error message: the JSON body's ``message``, or the text body."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason or ""
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return str(body)[:300]


def _reset_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds until ``X-RateLimit-Reset`` (a unix time, or seconds from now when small), if the answer says."""
    value = headers.get("X-RateLimit-Reset")
    try:
        reset = float(value) if value else None
    except ValueError:
        return None
    if reset is None or not math.isfinite(reset):
        return None
    return max(0.0, reset - now if reset > 1e9 else reset)


def _log_get(path: str, params: Mapping[str, str], response: requests.Response, mode: Mode,
             elapsed: float) -> None:
    """Log one GET at DEBUG: path and query (never the URL or headers), and where the answer came from."""
    query = _loggable(params)
    if mode == "cache_only" and response.status_code == 504:  # requests-cache's "not cached"
        log.debug("GET %s %s: not in the cache", path, query)
    elif getattr(response, "from_cache", False):
        log.debug("GET %s %s: from cache (%.3f s)", path, query, elapsed)
    else:
        log.debug("GET %s %s: HTTP %d in %.3f s", path, query, response.status_code, elapsed)


def _attempts(count: int) -> str:
    return f"{count} attempt{'' if count == 1 else 's'}"


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


class Transport:
    """Sends GETs to one API base URL through a (cached) session, with retries and paging.

    Args:
        session: The requests session (a requests-cache session caches; any other is used as is).
        base_url: The API root, e.g. ``https://api.example.com/v1``.
        auth_headers: Returns the credential headers for each request (kept out of the session).
        budget: The client-side request budget (mounted for ``base_url`` on ``session``).
        retry: The retry policy.
        offline: Serve from the cache only (however old the answers); a miss raises ``CacheMissError``.
        progress: Show a progress bar on pulls of more than one page, where someone watches
            (see ``progress_wanted``).
        timeout: Seconds to wait for each answer.
        sleep: How to wait between retries (tests pass a fake).
        paging: How the system's lists are paged (default: a cursor in the ``x-next-cursor`` header).
        credential_hint: Ends the message of a 401: where the credentials come from.
        filter_of: The filter a list request's query carries, if any (a 400 to it is a
            ``FilterError`` naming it); ``None``: no 400 is about a filter.
        describe_error: Reads an error answer (``ErrorDescriber``), for APIs whose errors are
            not plain statuses with a ``message``; ``None``: by the status and ``message``.
        renew: Called when the API answers 401: gets a fresh credential (a new token) and says
            whether it did; the request is then sent once more, and a second 401 is an
            ``AuthenticationError``. ``None``: a 401 is an ``AuthenticationError`` at once.
        wall_clock: Unix seconds now, to read ``X-RateLimit-Reset`` against (tests pass a fake one).
        decode: Turns a 200 answer's body into what ``get`` returns and the paginator reads
            (default ``json.loads``). A ``ValueError`` from it is a broken body: dropped from the
            cache and retried like a cut-short one; a ``RefusedBody`` is an ``APIError`` at once.
        media_types: The media types a 200 answer's body may have (``application/json``; a
            ``+json`` or ``+xml`` suffix of the same family counts too); another one (a maintenance
            page in ``text/html``) is an ``APIError`` at once, never read as data. An answer with
            no ``Content-Type`` is read. ``()``: any.

    Rate limits: a 429 waits ``Retry-After``, else until ``X-RateLimit-Reset`` (else backs off),
    within the retry budget; an answer saying ``X-RateLimit-Remaining: 0`` holds the next request
    that would reach the network until ``X-RateLimit-Reset`` (``RequestBudget.hold``).
    """

    def __init__(self, session: requests.Session, base_url: str, auth_headers: Callable[[], dict[str, str]],
                 budget: RequestBudget, *, retry: RetryPolicy = RetryPolicy(), offline: bool = False,
                 progress: bool = True, timeout: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 paging: Paginator | None = None, credential_hint: str = "check the credentials",
                 filter_of: Callable[[Mapping[str, str]], str | None] | None = None,
                 describe_error: ErrorDescriber | None = None, renew: Callable[[], bool] | None = None,
                 wall_clock: Callable[[], float] = time.time, decode: Callable[[bytes], Any] | None = None,
                 media_types: tuple[str, ...] = ()) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.paging: Paginator = paging if paging is not None else HeaderCursor()
        self._credential_hint = credential_hint
        self._filter_of = filter_of
        self._describe_error = describe_error
        self._renew = renew
        self._wall_clock = wall_clock
        self._decode: Callable[[bytes], Any] = decode if decode is not None else json.loads
        self._media_types = media_types
        self._auth_headers = auth_headers
        self.budget = budget
        self.retry = retry
        self.offline = offline
        self.progress = progress
        self.timeout = timeout
        self._sleep = sleep
        self.hits = 0
        self.misses = 0
        # Topics written since their last complete pull from the network: pulled fresh next time.
        self._written: dict[str, int] = {}
        self._writes = itertools.count()
        self._lock = threading.Lock()
        inner = session.get_adapter(self.base_url + "/")
        if isinstance(inner, BudgetAdapter):  # a second smexplore Session on the same requests session
            inner = inner.inner
        session.mount(self.base_url + "/", BudgetAdapter(budget, inner))

    @property
    def cached(self) -> bool:
        """Whether the session caches (a requests-cache session, installed globally or not)."""
        return isinstance(self.session, CacheMixin)

    def topic(self, path: str) -> str:
        """What a path is about: its first segment (``/job/….json`` → ``job``)."""
        return topic(self.base_url + path, self.base_url)

    def version(self, path: str) -> int | None:
        """How often the cached answers about ``path``'s topic have changed (``None``: unknown).

        Every answer stored, by any session or process sharing the cache, changes it.
        """
        cache = getattr(self.session, "cache", None)
        return cache.version(self.topic(path)) if isinstance(cache, GuardedSQLiteCache) else None

    # --- one GET ---------------------------------------------------------------------------------
    def _send(self, path: str, params: Mapping[str, str], mode: Mode) -> requests.Response:
        url, headers = f"{self.base_url}{path}", self._auth_headers()
        started = time.perf_counter()
        if self.offline:
            response = self._stored(url, params, headers)
        else:
            options: dict[str, Any] = {}
            if self.cached:
                options = {"only_if_cached": mode == "cache_only", "force_refresh": mode == "refresh"}
                if mode == "bypass":  # neither read nor stored (requests-cache's expire_after would still store)
                    headers = {**headers, "Cache-Control": "no-store"}
            response = self.session.get(url, params=dict(params), headers=headers, timeout=self.timeout, **options)
        if getattr(response, "from_cache", False):
            self.hits += 1
        else:
            self.misses += 1
        _log_get(path, params, response, mode, time.perf_counter() - started)
        return response

    def _stored(self, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> requests.Response:
        """The cached answer, however old (offline: use what you have)."""
        request = self.session.prepare_request(requests.Request("GET", url, params=dict(params), headers=headers))
        cache = self.session.cache  # type: ignore[attr-defined]
        response = cache.get_response(cache.create_key(request))
        if response is None:
            raise _NotCached(0, "is not in the cache")
        return response

    def get(self, path: str, params: Mapping[str, str] | None = None, *, mode: Mode = "normal",
            what: str = "") -> tuple[Any, requests.Response]:
        """GET ``path`` and decode its body (JSON, or as ``decode`` says), retrying transient failures.

        Args:
            path: Below the base URL, e.g. ``/job.json``.
            params: Query parameters.
            mode: How the cache is used (see ``Mode``); offline sessions read the cache only.
            what: Names the request in error messages.

        Returns:
            The decoded body and the response (for headers and cache status).

        Raises:
            AuthenticationError, ForbiddenError, NotFoundError, FilterError: 401 (a second one,
                after ``renew``), 403, 404, or a 400 answer to a request with a filter (or as
                ``describe_error`` reads the answer).
            RateLimitError: 429 answers went on past the retry budget.
            APIError: Any other error, or 5xx/broken answers past the retry budget.
            CacheMissError: Offline, and the answer is not in the cache.
        """
        params = dict(params or {})
        what = what or f"GET {path}"
        started = time.monotonic()
        attempt, renewed = 0, False
        while True:
            problem: str
            status: int | None = None
            retry_after: str | None = None
            try:
                response = self._send(path, params, mode)
            except KeyboardInterrupt:
                self._fresh_connections()
                raise
            except _NotCached:
                raise CacheMissError(f"offline, and {what} is not in the cache; connect with offline=False "
                                     "to fetch it") from None
            except _TRANSIENT_ERRORS as exc:
                problem = f"the connection failed ({type(exc).__name__})"
            else:
                status = response.status_code
                if status == 504 and mode == "cache_only":  # requests-cache's answer to only_if_cached
                    raise _NotCached(0, "is not in the cache")
                if not getattr(response, "from_cache", False):
                    self._heed_limits(response)
                if status == 401 and not renewed and self._renewed(what):
                    renewed = True
                    continue
                if status == 200:
                    try:
                        self._check_media(response)
                        return self._decode(response.content), response
                    except (RefusedBody, RecursionError) as exc:
                        self._drop(response)
                        why = exc if isinstance(exc, RefusedBody) else "the body is nested too deeply to read"
                        log.warning("%s: %s", what, why)
                        raise APIError(f"{what} failed: GET {path}: {why}", status) from None
                    except ValueError as exc:
                        self._drop(response)  # never keep a broken body in the cache
                        problem = f"the body of GET {path} was cut short or cannot be read ({exc})"
                        status = None
                elif status in _RETRY_STATUSES:
                    problem = f"HTTP {status}: {self._explain(response)[1]}"
                    retry_after = response.headers.get("Retry-After")
                else:
                    raise self._error(response, what, params)
            delay = self._delay(attempt, retry_after, response if status == 429 else None)
            elapsed = time.monotonic() - started
            if self.offline or elapsed + delay > self.retry.budget:
                tried = f"{_attempts(attempt + 1)} over {elapsed:.0f} s"
                log.warning("%s: giving up after %s: %s", what, tried, problem)
                if status == 429:
                    raise RateLimitError(f"{what}: the API kept refusing ({problem}) after {tried}; "
                                         "wait a minute, or raise retry_budget")
                raise APIError(f"{what} failed: {problem}, after {tried}", status)
            log.info("%s: retry %d in %.1f s after %s", what, attempt + 1, delay, problem)
            self._sleep(delay)
            attempt += 1

    def _check_media(self, response: requests.Response) -> None:
        """``RefusedBody`` unless the answer's ``Content-Type`` is one of ``media_types`` (or absent)."""
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not media or not self._media_types or media in self._media_types:
            return
        suffix = media.rpartition("+")[2]
        if any(expected.endswith("/" + suffix) for expected in self._media_types):
            return
        title = ""
        if media == "text/html":
            found = re.search(rb"<title[^>]*>(.{1,120}?)</title>", response.content[:4096], re.IGNORECASE | re.DOTALL)
            title = f" titled {found[1].decode('utf-8', 'replace').strip()!r}" if found else ""
        raise RefusedBody(f"the server answered {media}{title} where {' or '.join(self._media_types)} was expected "
                          "(a maintenance or login page, or a proxy's answer?); nothing of it was read")

    def _delay(self, attempt: int, retry_after: str | None, refused: requests.Response | None) -> float:
        """How long to wait before the next attempt: ``Retry-After``, else (a 429) at least until
        ``X-RateLimit-Reset``, else the backoff."""
        delay = self.retry.delay(attempt, retry_after)
        if refused is not None and not retry_after:
            reset = _reset_wait(refused.headers, self._wall_clock())
            if reset is not None:
                delay = max(delay, reset)
        return delay

    def _heed_limits(self, response: requests.Response) -> None:
        """An answer saying the rate limit is spent (``X-RateLimit-Remaining: 0``) holds the next
        request until ``X-RateLimit-Reset``."""
        remaining = response.headers.get("X-RateLimit-Remaining", "").strip()
        if remaining not in ("0", "-1"):
            return
        wait = _reset_wait(response.headers, self._wall_clock())
        if wait:
            limit = response.headers.get("X-RateLimit-Limit", "")
            self.budget.hold(wait, f"the API's limit{f' of {limit}' if limit else ''} is spent until "
                                   "X-RateLimit-Reset")

    def _renewed(self, what: str) -> bool:
        """After a 401: whether ``renew`` got a fresh credential (then the request goes once more)."""
        if self._renew is None or self.offline:
            return False
        if not self._renew():
            return False
        log.info("%s: the API refused the credential (HTTP 401); renewed it, sending again", what)
        return True

    def _explain(self, response: requests.Response) -> tuple[ErrorKind | None, str]:
        """What an error answer means and says: the system's reading (``describe_error``), else the status's."""
        if self._describe_error is not None:
            described = self._describe_error(response)
            if described is not None:
                return described
        return None, _message(response)

    def _fresh_connections(self) -> None:
        """Give the base URL a new connection pool, after a Ctrl-C that may have left the old one's
        lock taken (an interrupt between a lock's acquire and its ``with`` block keeps it held, and
        every later request would wait on it for ever)."""
        adapter = self.session.get_adapter(self.base_url + "/")
        inner = getattr(adapter, "inner", None)
        if type(inner) is not HTTPAdapter:  # a user's own adapter is left as it is
            return
        sizes = {name: getattr(inner, f"_{name}") for name in ("pool_connections", "pool_maxsize", "pool_block")}
        cast(Any, adapter).inner = HTTPAdapter(max_retries=inner.max_retries, **sizes)
        pools = inner.poolmanager.pools
        for key in pools.keys():  # noqa: SIM118 (the container cannot be iterated)
            # the old pools are closed at exit: a lock left taken would hang it
            mutex = pools[key].pool.mutex
            mutex.acquire(timeout=0.05)  # a request holds it for microseconds: longer means it is stuck
            mutex.release()  # ours if acquired, else the stuck one

    def _drop(self, response: requests.Response) -> None:
        key = getattr(response, "cache_key", None)
        if self.cached and key:
            self.session.cache.responses.bulk_delete([key])  # type: ignore[attr-defined]

    # --- a whole list ------------------------------------------------------------------------------
    def pull(self, path: str, params: Mapping[str, str] | None = None, *, label: str = "",
             reuse: Callable[[Page], bool] | None = None, keep: bool = True,
             paging: Paginator | None = None, cancel: threading.Event | None = None) -> Pull:
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
                                   keep=keep, cancel=cancel)
        except _NotCached as gap:
            if self.offline:
                raise CacheMissError(f"offline, and {label} page {gap.page} is not in the cache (pages 1–"
                                     f"{gap.page - 1} are); connect with offline=False to fetch it") from None
            log.info("%s: the cache holds only part of this pull (%s); pulling it whole from the network",
                     label, gap)
            result = self._collect(path, params, label, reuse, style, refresh=True, keep=keep, cancel=cancel)
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
                 paging: Paginator, refresh: bool, keep: bool = True, cancel: threading.Event | None = None) -> Pull:
        pages = self._walk(path, params, label, paging, refresh, keep, cancel)
        try:
            first = next(pages)
            if reuse is not None and first.from_cache and reuse(first):
                return Pull(None, first, first.fetched_at, 1)
            records, oldest, count, fetched = list(first.records), first.fetched_at, 1, int(not first.from_cache)
            for page in pages:
                records.extend(page.records)
                oldest, count, fetched = min(oldest, page.fetched_at), count + 1, fetched + (not page.from_cache)
            return Pull(records, first, oldest, count, fetched)
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
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    raise Cancelled(f"{label}: stopped before page {number}")
                try:
                    body, response = self.get(path, {**params, **step}, mode=mode,
                                              what=f"{label} page {number}")
                except IncompleteResultError:
                    raise
                except (_NotCached, CacheMissError):
                    if number == 1 and self.offline:
                        raise
                    raise _NotCached(number, "is not in the cache, or has expired there") from None
                except SMExploreError as exc:
                    if number == 1:
                        raise
                    raise _incomplete(f"{label}: page {number} failed after {total:,} records "
                                      f"({exc}); no partial result is returned") from exc
                try:
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
                    raise _NotCached(number, "in the cache is older than the page before it")
                previous = fetched_at
                total += len(records)
                if following is not None:
                    key = tuple(sorted(following.items()))
                    if key in seen:
                        shown = ", ".join(f"{name}={value}" for name, value in key)
                        raise _incomplete(f"{label}: the API led to the same page twice ({shown}, after page "
                                          f"{number}); stopped instead of looping")
                    seen.add(key)
                if following is not None and bar is None and progress_wanted(self.progress):
                    from tqdm.auto import tqdm  # on first use: in a kernel it loads ipywidgets

                    bar = tqdm(desc=label, unit=" records", leave=False)
                if bar is not None:
                    bar.update(len(records))
                    bar.set_postfix(pages=number, refresh=False)
                yield Page(records, from_cache, response.content, fetched_at, _server_time(response))
                if following is None:
                    return
                step = following
                number += 1
        finally:
            if bar is not None:
                bar.close()

    # --- writes ------------------------------------------------------------------------------------
    def write(self, method: str, path: str, body: Mapping[str, Any] | None, *, what: str,
              scope: str | None = None, encode: Callable[[Mapping[str, Any]], tuple[bytes, str]] | None = None,
              ) -> requests.Response:
        """Send a create, update or delete (never cached, never served from the cache).

        Only 429 answers are retried (the API did nothing): a 5xx may have half-applied a write,
        so it is reported, not repeated. Any 2xx answer is success (200, 201 Created, 204).

        Args:
            method: ``POST``, ``PUT`` or ``DELETE`` …
            path: Below the base URL.
            body: The record's fields (``None``: no body).
            what: Names the write in errors and logs.
            scope: The OAuth scope the write needs, named by the error of a 403 (``None``: the
                API has no scopes; a 403 says the credentials may not make this write).
            encode: Turns ``body`` into bytes and their Content-Type (default: JSON).

        Raises:
            ForbiddenError: 403; the message names ``scope``, the OAuth scope the write needs.
            As for ``get`` otherwise.
        """
        if self.offline:
            raise CacheMissError(f"{what}: writes need the network, and this session is offline")
        started, attempt, renewed = time.monotonic(), 0, False
        while True:
            kwargs: dict[str, Any] = {}
            if body is not None and encode is not None:
                data, content_type = encode(body)
                kwargs = {"data": data, "headers": {**self._auth_headers(), "Content-Type": content_type}}
            elif body is not None:
                kwargs = {"json": body}
            kwargs.setdefault("headers", self._auth_headers())
            sent = time.perf_counter()
            try:
                with self.session.cache_disabled() if self.cached else contextlib.nullcontext():  # type: ignore
                    response = self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout,
                                                    **kwargs)
            except _TRANSIENT_ERRORS as exc:
                problem = f"the connection failed ({type(exc).__name__}); the write may or may not have been applied"
                log.warning("%s failed: %s", what, problem)
                # Not chained: requests' exception holds the request, whose headers hold the credential.
                raise APIError(f"{what} failed: {problem}") from None
            self._log_write(method, path, body, response, time.perf_counter() - sent)
            self._heed_limits(response)
            if 200 <= response.status_code < 300:
                return response
            if response.status_code == 401 and not renewed and self._renewed(what):
                renewed = True  # a refused credential applied nothing: sending again is safe
                continue
            if response.status_code == 403:
                needs = (f"needs the OAuth scope {scope!r}, which these credentials lack" if scope else
                         "is not allowed for these credentials")
                raise ForbiddenError(f"{what} {needs} (HTTP 403: {self._explain(response)[1]})")
            if response.status_code != 429:
                raise self._error(response, what, {})
            retry_after = response.headers.get("Retry-After")
            delay = self._delay(attempt, retry_after, response)
            problem = f"HTTP 429: {self._explain(response)[1]}"
            if time.monotonic() - started + delay > self.retry.budget:
                log.warning("%s: giving up after %s: %s", what, _attempts(attempt + 1), problem)
                raise RateLimitError(f"{what}: the API kept refusing ({problem})")
            log.info("%s: retry %d in %.1f s after %s", what, attempt + 1, delay, problem)
            self._sleep(delay)
            attempt += 1

    def _log_write(self, method: str, path: str, body: Mapping[str, Any] | None, response: requests.Response,
                   elapsed: float) -> None:
        """Log one answer to a write: method, resource, the record's uuid, status."""
        _, _, rest = path.strip("/").partition("/")  # "/job/{uuid}.json" → "{uuid}.json"; a create has none
        record = rest.rpartition(".")[0] or rest or response.headers.get("x-record-uuid") or (body or {}).get("uuid")
        log.info("write %s %s %s: HTTP %d in %.3f s", method, self.topic(path), record or "(new record)",
                 response.status_code, elapsed)

    def forget(self, tag: str) -> None:
        """Drop every cached answer about ``tag`` (see ``topic``), after a write to it.

        Never raises: if the answers cannot be dropped, the failure is logged. Either way the next
        pull of ``tag`` through this transport goes to the network.
        """
        with self._lock:
            self._written[tag] = next(self._writes)
        if not self.cached:
            return
        cache = self.session.cache  # type: ignore[attr-defined]
        try:
            if isinstance(cache, GuardedSQLiteCache):
                cache.forget(tag)
            else:  # the user's own cache: no topic in its keys, so every answer is looked at
                keys = [r.cache_key for r in cache.filter(expired=True) if topic(r.url, self.base_url) == tag]
                cache.responses.bulk_delete(keys)
        except (sqlite3.Error, CacheError) as exc:
            log.warning("could not drop the cached answers about %s (%s); this session pulls it afresh", tag, exc)

    def _error(self, response: requests.Response, what: str, params: Mapping[str, str]) -> Exception:
        status = response.status_code
        kind, message = self._explain(response)
        if kind is None:
            kind = _STATUS_KINDS.get(status)
        sent = self._filter_of(params) if self._filter_of is not None else None
        if kind is None and status == 400 and sent:
            kind = "filter"
        if kind == "authentication":
            return AuthenticationError(f"the API refused the credentials (HTTP {status}: {message}); "
                                       f"{self._credential_hint}")
        if kind == "forbidden":
            return ForbiddenError(f"{what} is not allowed for these credentials (HTTP {status}: {message})")
        if kind == "not_found":
            return NotFoundError(f"{what}: not found (HTTP {status}: {message})")
        if kind == "filter":
            return FilterError(f"the API rejected the filter {sent!r}: {message}" if sent
                               else f"{what}: the API rejected the filter: {message}")
        return APIError(f"{what} failed (HTTP {status}: {message})", status)
