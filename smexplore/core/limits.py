"""Client-side request limits: a budget per second, minute, hour and day, and the adapter that spends it.

Only requests that reach the network are counted: the cache answers first (see ``transport``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from .errors import ClientBudgetError, ServerRateLimitError
from .log import get_logger
from .retry import RetryPolicy

__all__ = ["BudgetAdapter", "Limits", "RequestBudget"]

log = get_logger("http")


@dataclass(frozen=True)
class Limits:
    """How many requests the client sends, at most, in any second, minute, hour and day (as
    ``httpx.Limits``, one object for every window). ``None``: no such limit.

    The defaults are ServiceM8's documented limits; each system's ``Settings`` states its own.

    Raises:
        ValueError: A limit that is not a whole number of at least 1.
    """

    per_second: int | None = None
    per_minute: int | None = 180
    per_hour: int | None = None
    per_day: int | None = 20_000

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{field.name} must be a whole number of requests, at least 1 "
                                 f"(or None for no limit); got {value!r}")


class RequestBudget:
    """Client-side limits (``Limits``): at most so many requests in any second, minute and hour
    (the next one waits) and in 24 h (the next one is refused); and the server's own word
    (``hold``): no request before a moment it names.

    Only requests that reach the network are counted: cache hits never get here.

    Args:
        limits: The limits kept (ServiceM8's by default).
        max_wait: The longest a request waits for an hour's window to open or a hold to end
            (seconds); beyond it, ``RateLimitError``. The second and minute windows always wait.
        clock: Monotonic seconds.
        sleep: How to wait (tests pass a fake).
    """

    def __init__(self, limits: Limits = Limits(), *, max_wait: float = RetryPolicy.budget,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits = limits
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

    def _wait(self, now: float) -> tuple[float, int, str]:
        """Seconds until one more request fits every waiting window (0: now); the count and window."""
        if now < self._held_until:
            return self._held_until - now, 0, ""
        limits = self.limits
        windows = ((1, limits.per_second, "second"), (60, limits.per_minute, "minute"), (3600, limits.per_hour, "hour"))
        for seconds, allowed, name in windows:
            if allowed is None:
                continue
            count = self._in_last(now, seconds)
            if count >= allowed:
                return max(0.01, self._sent[len(self._sent) - allowed] + seconds - now), count, name
        return 0.0, 0, ""

    def acquire(self) -> None:
        """Wait until one more request fits every window, then count it."""
        while True:
            with self._lock:
                now = self._clock()
                self._forget_old(now)
                per_day = self.limits.per_day
                if per_day is not None and len(self._sent) >= per_day:
                    log.warning("client-side daily budget of %d requests spent: request refused", per_day)
                    raise ClientBudgetError(
                        f"the client-side daily budget of {per_day:,} requests is spent; "
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
                refused = ClientBudgetError if window else ServerRateLimitError  # whose limit it is
                raise refused(f"{limit} is spent ({why}) for another {wait:.0f} s, longer than the "
                              f"{self.max_wait:.0f} s a request may wait; cached answers still work "
                              "(offline=True), or try again later")
            if window:
                log.info("client-side rate limit: %s; waiting %.1f s", why, wait)
            else:
                log.info("the API's rate limit: %s; waiting %.1f s", why, wait)
            self._sleep(wait)  # not holding the lock: others may read the counts meanwhile

    def sent_last_minute(self) -> int:
        with self._lock:
            return self._in_last(self._clock(), 60)

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
