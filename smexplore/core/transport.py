"""The transport: one GET or write to one API, in layers, through a (cached) requests session.

Order of the layers for one GET, outermost first::

    Transport.get ── the credential renews itself on a 401, then retries of 429/5xx/broken bodies
      │              with backoff within a time budget (``_exchange``; writes share it: ``write``)
      └─ requests-cache CachedSession ── a hit returns here: no request, no budget spent
           └─ BudgetAdapter ── paces real requests (per second, per minute), counts them, daily budget
                └─ the user's (or requests' default) HTTPAdapter ── the network

Whole lists are pulled page by page by ``pages.Pulling`` (the part of ``Transport`` that walks
them); the request budget is ``limits``', the retry policy ``retry``'s.

Everything is logged under ``smexplore.http``: requests by path and query, never by URL or
headers, so no record carries a credential.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import requests
from requests.adapters import HTTPAdapter
from requests_cache import CacheActions, CacheMixin

from .auth import Credentials
from .cache import GuardedSQLiteCache, Mode, topic
from .errors import (
    APIError,
    AuthenticationError,
    CacheError,
    CacheMissError,
    FilterError,
    ForbiddenError,
    NotFoundError,
    ServerRateLimitError,
)
from .limits import BudgetAdapter, RequestBudget
from .log import get_logger
from .pages import NotCached, Pulling
from .paging import HeaderCursor, Paginator
from .retry import RETRY_STATUSES, TRANSIENT_ERRORS, RetryPolicy, attempts, reset_wait
from .settings import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT
from .wire import ErrorKind, RefusedBody, Wire

__all__ = ["Transport"]

log = get_logger("http")

# Query parameters never logged by value (smexplore sends none of them; a caller's might).
_SECRET_PARAMS = ("key", "token", "secret", "password", "auth", "signature")


def _loggable(params: Mapping[str, str]) -> dict[str, str]:
    """``params`` for a log record: any that could carry a secret masked."""
    return {name: "***" if any(word in name.lower() for word in _SECRET_PARAMS) else value
            for name, value in params.items()}


# What an error status means when the system does not say otherwise (423: a locked account, Ruddr's).
_STATUS_KINDS: dict[int, ErrorKind] = {401: "authentication", 423: "authentication", 403: "forbidden",
                                       404: "not_found"}


class _Again(Exception):
    """What a reader raises for an answer worth asking for again (a body cut short): the problem in words."""


_T = TypeVar("_T")


def _message(response: requests.Response) -> str:
    """The API's error message: the JSON body's ``message``, or the text body."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason or ""
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return str(body)[:300]


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


class Transport(Pulling):
    """Sends GETs to one API base URL through a (cached) session, with retries and paging.

    Args:
        session: The requests session (a requests-cache session caches; any other is used as is).
        base_url: The API root, e.g. ``https://api.example.com/v1``.
        credential: What authenticates each request (``headers()``, asked anew each time) and renews
            itself when the API answers 401 (``renew()``): the request is then sent once more, and a
            second 401 is an ``AuthenticationError``.
        budget: The client-side request budget (mounted for ``base_url`` on ``session``).
        wire: How the system's API speaks (``Wire``): bodies, error answers, filters, the credential hint.
        paging: How the system's lists are paged (default: a cursor in the ``x-next-cursor`` header).
        concurrency: Pages of one list in flight at most, where the paging lets them be asked for
            before the page before them is read (``paging.Ahead``); 1: one after another.
        retry: The retry policy.
        offline: Serve from the cache only (however old the answers); a miss raises ``CacheMissError``.
        progress: Show a progress bar on pulls of more than one page, where someone watches
            (see ``progress_wanted``).
        timeout: Seconds to wait for each answer.
        headers: Sent with every request besides the credential's (the cache's account header).
        sleep: How to wait between retries (tests pass a fake).
        wall_clock: Unix seconds now, to read ``X-RateLimit-Reset`` against (tests pass a fake one).

    Rate limits: a 429 waits ``Retry-After``, else until ``X-RateLimit-Reset`` (else backs off),
    within the retry budget; an answer saying ``X-RateLimit-Remaining: 0`` holds the next request
    that would reach the network until ``X-RateLimit-Reset`` (``RequestBudget.hold``).
    """

    def __init__(self, session: requests.Session, base_url: str, credential: Credentials, budget: RequestBudget, *,
                 wire: Wire = Wire(), paging: Paginator | None = None, concurrency: int = DEFAULT_CONCURRENCY,
                 retry: RetryPolicy = RetryPolicy(), offline: bool = False, progress: bool = True, timeout: float = DEFAULT_TIMEOUT,
                 headers: Mapping[str, str] | None = None, sleep: Callable[[float], None] = time.sleep,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.wire = wire
        self.paging: Paginator = paging if paging is not None else HeaderCursor()
        self.concurrency = concurrency
        self._headers = dict(headers or {})
        self._wall_clock = wall_clock
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

    def _request_headers(self) -> dict[str, str]:
        """The credential's headers (asked anew each time: a renewed token) and the session's own."""
        return {**self.credential.headers(), **self._headers}

    # --- one GET ---------------------------------------------------------------------------------
    def _send(self, path: str, params: Mapping[str, str], mode: Mode,
              on_headers: Callable[..., None] | None = None) -> requests.Response:
        url, headers = f"{self.base_url}{path}", self._request_headers()
        started = time.perf_counter()
        if self.offline:
            response = self._stored(url, params, headers)
        else:
            options: dict[str, Any] = {"hooks": {"response": [on_headers]}} if on_headers is not None else {}
            if self.cached:
                options.update(only_if_cached=mode == "cache_only", force_refresh=mode == "refresh")
                if mode == "bypass":  # neither read nor stored (requests-cache's expire_after would still store)
                    headers = {**headers, "Cache-Control": "no-store"}
            response = self.session.get(url, params=dict(params), headers=headers, timeout=self.timeout, **options)
        with self._lock:  # pages of one pull come back on several threads
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
            raise NotCached(0, "is not in the cache")
        return response

    def get(self, path: str, params: Mapping[str, str] | None = None, *, mode: Mode = "normal",
            what: str = "", on_headers: Callable[..., None] | None = None,
            stop: threading.Event | None = None) -> tuple[Any, requests.Response]:
        """GET ``path`` and decode its body (JSON, or as ``decode`` says), retrying transient failures.

        Args:
            path: Below the base URL, e.g. ``/job.json``.
            params: Query parameters.
            mode: How the cache is used (see ``Mode``); offline sessions read the cache only.
            what: Names the request in error messages.
            on_headers: Called with each answer from the network as soon as its headers are in,
                before its body is read (a requests response hook).
            stop: Once set, no retry is waited for (the caller no longer wants the answer: a
                page fetched ahead of a pull that has ended); the last failure is raised instead.

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

        def send() -> requests.Response:
            try:
                response = self._send(path, params, mode, on_headers)
            except KeyboardInterrupt:
                self._fresh_connections()
                raise
            except NotCached:
                raise CacheMissError(f"offline, and {what} is not in the cache; connect with offline=False "
                                     "to fetch it") from None
            if response.status_code == 504 and mode == "cache_only":  # requests-cache's answer to only_if_cached
                raise NotCached(0, "is not in the cache")
            return response

        def read(response: requests.Response) -> tuple[Any, requests.Response]:
            try:
                self._check_media(response)
                return self.wire.decode(response.content), response
            except (RefusedBody, RecursionError) as exc:
                self._drop(response)
                why = exc if isinstance(exc, RefusedBody) else "the body is nested too deeply to read"
                log.warning("%s: %s", what, why)
                raise APIError(f"{what} failed: GET {path}: {why}", response.status_code) from None
            except ValueError as exc:
                self._drop(response)  # never keep a broken body in the cache
                raise _Again(f"the body of GET {path} was cut short or cannot be read ({exc})") from None

        return self._exchange(send, what=what, safe=True, read=read,
                              refuse=lambda response: self._error(response, what, params), stop=stop)

    def _exchange(self, send: Callable[[], requests.Response], *, what: str, safe: bool,
                  read: Callable[[requests.Response], _T], refuse: Callable[[requests.Response], Exception],
                  stop: threading.Event | None = None) -> _T:
        """One request, sent in layers as httpx sends: the credential renews itself (a 401 gets a
        fresh one once and the request goes again: a refused credential applied nothing), then
        retries within the time budget, then the single request ``send``.

        What may be repeated is all that differs between reads and writes: a 429 always (the API
        did nothing), a 5xx, a broken connection or a body ``read`` calls broken (``_Again``) only
        where it is ``safe`` (a GET: a write's 5xx may have half-applied it, and is reported).

        Args:
            send: Sends the request once and returns the answer.
            what: Names the request in logs and errors.
            safe: Whether the request may be repeated after a failure that may have applied it.
            read: Reads a successful answer (200 for a read, any 2xx for a write).
            refuse: The error for an answer that is no success and not retried.
        """
        started, attempt, renewed = time.monotonic(), 0, False
        while True:
            problem: str
            status: int | None = None
            retry_after: str | None = None
            response: requests.Response | None = None
            try:
                response = send()
            except TRANSIENT_ERRORS as exc:
                problem = f"the connection failed ({type(exc).__name__})"
                if not safe:
                    problem += "; the write may or may not have been applied"
                    log.warning("%s failed: %s", what, problem)
                    # Not chained: requests' exception holds the request, whose headers hold the credential.
                    raise APIError(f"{what} failed: {problem}") from None
            else:
                status = response.status_code
                if not getattr(response, "from_cache", False):
                    self._heed_limits(response)
                if status == 401 and not renewed and self._renewed(what):
                    renewed = True
                    continue
                if status == 200 or (not safe and 200 <= status < 300):
                    try:
                        return read(response)
                    except _Again as again:
                        problem, status = str(again), None
                elif status == 429 or (safe and status in RETRY_STATUSES):
                    problem = f"HTTP {status}: {self._explain(response)[1]}"
                    retry_after = response.headers.get("Retry-After")
                else:
                    raise refuse(response)
            delay = self._delay(attempt, retry_after, response if status == 429 else None)
            elapsed = time.monotonic() - started
            if self.offline or elapsed + delay > self.retry.budget or (stop is not None and stop.is_set()):
                tried = f"{attempts(attempt + 1)} over {elapsed:.0f} s"
                log.warning("%s: giving up after %s: %s", what, tried, problem)
                if status == 429:
                    raise ServerRateLimitError(f"{what}: the API kept refusing ({problem}) after {tried}; "
                                               "wait a minute, or raise retry_budget", status=429)
                raise APIError(f"{what} failed: {problem}, after {tried}", status)
            log.info("%s: retry %d in %.1f s after %s", what, attempt + 1, delay, problem)
            self._sleep(delay)
            attempt += 1

    def _check_media(self, response: requests.Response) -> None:
        """``RefusedBody`` unless the answer's ``Content-Type`` is one of ``media_types`` (or absent)."""
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not media or not self.wire.media_types or media in self.wire.media_types:
            return
        suffix = media.rpartition("+")[2]
        if any(expected.endswith("/" + suffix) for expected in self.wire.media_types):
            return
        title = ""
        if media == "text/html":
            found = re.search(rb"<title[^>]*>(.{1,120}?)</title>", response.content[:4096], re.IGNORECASE | re.DOTALL)
            title = f" titled {found[1].decode('utf-8', 'replace').strip()!r}" if found else ""
        raise RefusedBody(f"the server answered {media}{title} where {' or '.join(self.wire.media_types)} was expected "
                          "(a maintenance or login page, or a proxy's answer?); nothing of it was read")

    def _delay(self, attempt: int, retry_after: str | None, refused: requests.Response | None) -> float:
        """How long to wait before the next attempt: ``Retry-After``, else (a 429) at least until
        ``X-RateLimit-Reset``, else the backoff."""
        delay = self.retry.delay(attempt, retry_after)
        if refused is not None and not retry_after:
            reset = reset_wait(refused.headers, self._wall_clock())
            if reset is not None:
                delay = max(delay, reset)
        return delay

    def _heed_limits(self, response: requests.Response) -> None:
        """An answer saying the rate limit is spent (``X-RateLimit-Remaining: 0``) holds the next
        request until ``X-RateLimit-Reset``."""
        remaining = response.headers.get("X-RateLimit-Remaining", "").strip()
        if remaining not in ("0", "-1"):
            return
        wait = reset_wait(response.headers, self._wall_clock())
        if wait:
            limit = response.headers.get("X-RateLimit-Limit", "")
            self.budget.hold(wait, f"the API's limit{f' of {limit}' if limit else ''} is spent until "
                                   "X-RateLimit-Reset")

    def _renewed(self, what: str) -> bool:
        """After a 401: whether ``renew`` got a fresh credential (then the request goes once more)."""
        if self.offline or not self.credential.renew():
            return False
        log.info("%s: the API refused the credential (HTTP 401); renewed it, sending again", what)
        return True

    def _explain(self, response: requests.Response) -> tuple[ErrorKind | None, str]:
        """What an error answer means and says: the system's reading (``describe_error``), else the status's."""
        described = self.wire.describe_error(response, self.base_url)
        return described if described is not None else (None, _message(response))

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
        self._drop_all([response])

    def _store(self, response: requests.Response) -> None:
        """Store an answer fetched without the cache (``bypass``) as the cache would have stored it
        (its key, its expiry by the session's settings and the answer's headers); a page fetched
        ahead is stored once the walk takes it, so a list's pages are stored in list order."""
        if not self.cached:
            return
        cache, request = self.session.cache, response.request.copy()  # type: ignore[attr-defined]
        request.headers.pop("Cache-Control", None)  # the bypass's no-store
        key = cache.create_key(request)
        actions = CacheActions.from_request(key, request, self.session.settings)  # type: ignore[attr-defined]
        actions.update_from_response(response)
        if actions.skip_write:
            return
        try:
            cache.save_response(response, key, actions.expires)
        except (sqlite3.Error, CacheError) as exc:  # as requests-cache's own writes: the answer is used unstored
            log.warning("could not store an answer about %s in the cache (%s)", topic(response.url, self.base_url), exc)
            return
        response.cache_key = key  # type: ignore[attr-defined]  # to forget it, if the pull fails

    def _drop_all(self, responses: list[requests.Response]) -> None:
        """Forget these answers in the cache (logged, never raised, if the cache cannot)."""
        keys = [key for key in (getattr(response, "cache_key", None) for response in responses) if key]
        if not self.cached or not keys:
            return
        try:
            self.session.cache.responses.bulk_delete(keys)  # type: ignore[attr-defined]
        except (sqlite3.Error, CacheError) as exc:
            log.warning("could not drop %d cached answers (%s)", len(keys), exc)

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

        def send() -> requests.Response:
            kwargs: dict[str, Any] = {"headers": self._request_headers()}  # asked anew: a renewed token
            if body is not None and encode is not None:
                data, content_type = encode(body)
                kwargs = {"data": data, "headers": {**kwargs["headers"], "Content-Type": content_type}}
            elif body is not None:
                kwargs["json"] = body
            sent = time.perf_counter()
            with self.session.cache_disabled() if self.cached else contextlib.nullcontext():  # type: ignore
                response = self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
            self._log_write(method, path, body, response, time.perf_counter() - sent)
            return response

        def refuse(response: requests.Response) -> Exception:
            if response.status_code != 403:
                return self._error(response, what, {})
            needs = (f"needs the OAuth scope {scope!r}, which these credentials lack" if scope else
                     "is not allowed for these credentials")
            return ForbiddenError(f"{what} {needs} (HTTP 403: {self._explain(response)[1]})", status=403)

        return self._exchange(send, what=what, safe=False, read=lambda response: response, refuse=refuse)

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
        sent = self.wire.filter_of(params)
        if kind is None and status == 400 and sent:
            kind = "filter"
        if kind == "authentication":
            return AuthenticationError(f"the API refused the credentials (HTTP {status}: {message}); "
                                       f"{self.wire.credential_hint}", status=status)
        if kind == "forbidden":
            return ForbiddenError(f"{what} is not allowed for these credentials (HTTP {status}: {message})",
                                  status=status)
        if kind == "not_found":
            return NotFoundError(f"{what}: not found (HTTP {status}: {message})", status=status)
        if kind == "filter":
            return FilterError(f"the API rejected the filter {sent!r}: {message}" if sent
                               else f"{what}: the API rejected the filter: {message}", status=status)
        return APIError(f"{what} failed (HTTP {status}: {message})", status)
