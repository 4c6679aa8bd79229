"""Pages fetched ahead: the requests of one pull that go out before the walk reaches their pages.

The walk (``pages.Pulling``) reads a list page by page, in order, and decides everything as before;
a ``Flight`` only gives it a head start where the paging style can tell where the list goes
(``paging.Ahead``): the next page asked for as soon as an answer's headers name it (``early``), or
several guessed pages at once (``ahead``). The walk takes a page fetched ahead only when it fits
what ``next`` asks for; otherwise it drops the guesses and asks itself. Pages fetched ahead from the
network are not stored in the cache as they come: the walk stores each one it takes, in list order.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import requests

from .cache import Mode
from .log import get_logger
from .paging import Paginator, early, guesses

__all__ = ["Flight"]

log = get_logger("http")

Fetch = Callable[[dict[str, str], "Callable[..., None] | None", int, Mode], tuple[Any, requests.Response]]
"""Sends one page's request: its query, a hook called once the answer's headers are in, its number,
how it uses the cache."""


class Flight:
    """The pages of one pull asked for ahead of the walk, at most ``width`` at once, in list order.

    Args:
        fetch: Sends one page's request (``Fetch``) and returns the decoded body and the answer.
        paging: The pull's paging style.
        width: Pages in flight at most (1: none ahead; every page waits for the one before).
    """

    def __init__(self, fetch: Fetch, paging: Paginator, width: int) -> None:
        self._fetch = fetch
        self._paging = paging
        self._width = width
        self._pool: ThreadPoolExecutor | None = None
        self._queue: deque[tuple[dict[str, str], Future[tuple[Any, requests.Response]]]] = deque()
        self._guesses: Iterator[dict[str, str]] = iter(())
        self._guessed = 0  # the number of the last page guessed
        self._mode: Mode = "bypass"  # how guessed pages use the cache
        self._window = 1  # guessed pages in flight at most now: grows by one with each that fits
        self._full = 0  # records on the page the guesses were made from: a fuller page than a short end
        self._lock = threading.Lock()
        self._closed = False
        self._launched_after: set[int] = set()  # pages whose next one went out on their headers
        self.stopped = threading.Event()  # set when the pull ends: requests in flight retry no more
        self._asked: set[tuple[tuple[str, str], ...]] = set()  # every query of the pull sent so far

    @property
    def ahead(self) -> bool:
        """Whether pages are fetched ahead at all."""
        return self._width > 1

    def hook(self, number: int) -> Callable[..., None] | None:
        """For page ``number``'s request: sends the next page's as soon as the answer's headers name
        it (styles with ``early``); ``None`` where there is nothing to do."""
        if not self.ahead or getattr(self._paging, "early", None) is None:
            return None

        def on_headers(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            if response.status_code != 200 or getattr(response, "from_cache", False):
                return
            following = early(self._paging, response)
            with self._lock:
                if following is None or number in self._launched_after or self._closed or \
                        _key(following) in self._asked:  # a query sent before: the walk will say so
                    return
                self._launched_after.add(number)
            self._launch(following, number + 1, "bypass")  # an answer from the network: so is the next

        return on_headers

    def plan(self, number: int, body: Any, response: requests.Response, records: list[dict[str, Any]],
             received: int, mode: Mode) -> None:
        """After page ``number``, which the walk fetched itself: send the guessed pages after it
        (styles with ``ahead``), from the cache (``mode`` ``cache_only``) or else from the network,
        not stored (the walk stores what it takes). A pull replayed from the cache follows the guesses
        its pages were stored under whatever ``width`` (one at a time when it is 1, offline too)."""
        if self._queue or (not self.ahead and mode != "cache_only"):
            return
        self._guesses, self._guessed = guesses(self._paging, body, response, records, received), number
        self._mode = "cache_only" if mode == "cache_only" else "bypass"
        self._window, self._full = 1, len(records)
        self._refill()

    def fitted(self, size: int) -> None:
        """The walk took the oldest guessed page, of ``size`` records: one more may be in flight (up
        to ``width``), as a list whose guesses keep fitting is likely long; after a page shorter than
        the one guessed from (most likely the end), no more are guessed, so that few requests go
        past the end of a list."""
        if size < self._full:
            self.discard()
            return
        self._window = min(self._width, self._window + 1)
        self._refill()

    def _refill(self) -> None:
        """Keep ``window`` guessed pages in flight while there are guesses."""
        while len(self._queue) < self._window and not self._closed:
            query = next(self._guesses, None)
            if query is None:
                return
            self._guessed += 1
            self._launch(query, self._guessed, self._mode)

    def waiting(self) -> bool:
        """Whether the next page is in flight and not in yet (the walk has time to spare)."""
        with self._lock:
            return bool(self._queue) and not self._queue[0][1].done()

    def asked(self, query: dict[str, str]) -> None:
        """The walk sends ``query`` itself."""
        with self._lock:
            self._asked.add(_key(query))

    def take(self) -> tuple[dict[str, str], Future[tuple[Any, requests.Response]]] | None:
        """The oldest page in flight (its query and its answer to come), or ``None``."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def discard(self) -> None:
        """Drop the pages in flight and stop guessing (the list went elsewhere than guessed)."""
        with self._lock:
            self._guesses = iter(())
        queued = self._cancel_queued()
        if queued:
            log.debug("%d pages fetched ahead were not where the list went; dropped", queued)

    def close(self, wait: bool = True) -> None:
        """End the pull: pages not yet sent are not sent; those in flight come back unread (``wait``:
        before this returns, so that nothing of the pull is still asked for after it; not after a
        Ctrl-C, which must stop at once)."""
        self.stopped.set()
        with self._lock:
            self._closed = True
        self._cancel_queued()
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)

    def _cancel_queued(self) -> int:
        """Empty the queue, cancelling what has not started; how many pages it held."""
        with self._lock:
            queued = list(self._queue)
            self._queue.clear()
        for _, future in queued:
            future.cancel()
        return len(queued)

    def _launch(self, query: dict[str, str], number: int, mode: Mode) -> None:
        with self._lock:
            if self._closed:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._width, thread_name_prefix="smexplore-page")
            self._asked.add(_key(query))
            self._queue.append((query, self._pool.submit(self._fetch, query, self.hook(number), number, mode)))


def _key(query: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(query.items()))
