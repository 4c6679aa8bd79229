"""Rate limits an emulator applies per key: named sliding windows and token buckets.

A ``RateLimiter`` holds one or more named limits and refuses a request as soon as one of them is
spent. Two kinds model what the vendors document:

- ``SlidingWindow``: at most N requests in any S seconds (ServiceM8: 180 a minute and 20,000 a day
  per add-on per account, shared by its keys and tokens);
- ``TokenBucket``: a sustained rate with a burst allowance (Ruddr: 20 requests a second on average,
  bursts of up to 60, per workspace). A full bucket lets a burst through at once; afterwards a
  request passes whenever a token has dripped back in (every ``1/rate`` seconds).
- ``FixedWindow``: at most N requests in each calendar window of S seconds, counted afresh when the
  window turns (Accelo: 5,000 an hour per deployment, with ``X-RateLimit-Remaining`` and a
  ``X-RateLimit-Reset`` at the window's end). Its windows are aligned on the clock (whole hours of
  unix time for a wall clock), so it also says how many requests remain and when the window resets.

Refused requests are not counted, so a client that waits gets through again. Every limit reads one
clock (monotonic seconds); tests pass a fake one to move time on.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from typing import Protocol

__all__ = ["FixedWindow", "Limit", "RateLimiter", "SlidingWindow", "TokenBucket"]

_SLACK = 1e-9  # a token that is whole but for floating-point error (0.05 s x 20/s) counts as whole


class Limit(Protocol):
    """One named limit, kept per key (a credential, a workspace)."""

    name: str

    def refuses(self, key: str, now: float) -> bool:
        """Whether one more request for ``key`` at ``now`` is over the limit."""

    def spend(self, key: str, now: float) -> None:
        """Count one request for ``key`` at ``now`` (only called when no limit refuses it)."""

    def retry_after(self, key: str, now: float) -> float:
        """Seconds from ``now`` until this limit lets one request for ``key`` through again."""


class SlidingWindow:
    """At most ``limit`` requests in any ``seconds`` (a window that slides with the clock).

    Args:
        name: What the limit is called (``"minute"``, ``"day"``): ``RateLimiter.hit`` returns it.
        limit: Requests allowed in the window.
        seconds: The window's length.
    """

    def __init__(self, name: str, limit: int, seconds: float) -> None:
        if limit < 1 or seconds <= 0:
            raise ValueError("a sliding window needs a limit of at least 1 and a positive length")
        self.name, self.limit, self.seconds = name, limit, seconds
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def __repr__(self) -> str:
        return f"SlidingWindow({self.name!r}, {self.limit}, {self.seconds:g})"

    def _window(self, key: str, now: float) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    def refuses(self, key: str, now: float) -> bool:
        return len(self._window(key, now)) >= self.limit

    def spend(self, key: str, now: float) -> None:
        self._hits[key].append(now)

    def retry_after(self, key: str, now: float) -> float:
        hits = self._window(key, now)
        return hits[0] + self.seconds - now if hits else 0.0


class TokenBucket:
    """A bucket of ``capacity`` tokens, refilled at ``rate`` tokens a second; a request takes one.

    This is the usual reading of "N requests per second with a burst capacity of B": a client that
    has been quiet may send B requests at once; after that, N a second on average.

    Args:
        name: What the limit is called (``RateLimiter.hit`` returns it).
        rate: Tokens added per second (the sustained rate).
        capacity: Most tokens the bucket holds (the burst); a new key starts with a full bucket.
    """

    def __init__(self, name: str, rate: float, capacity: int) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("a token bucket needs a positive rate and a capacity of at least 1")
        self.name, self.rate, self.capacity = name, rate, capacity
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)

    def __repr__(self) -> str:
        return f"TokenBucket({self.name!r}, rate={self.rate:g}, capacity={self.capacity})"

    def tokens(self, key: str, now: float) -> float:
        """Tokens ``key`` has at ``now`` (the burst it could send at once)."""
        tokens, then = self._state.get(key, (float(self.capacity), now))
        return min(float(self.capacity), tokens + max(0.0, now - then) * self.rate)

    def refuses(self, key: str, now: float) -> bool:
        return self.tokens(key, now) < 1.0 - _SLACK

    def spend(self, key: str, now: float) -> None:
        self._state[key] = (max(0.0, self.tokens(key, now) - 1.0), now)

    def retry_after(self, key: str, now: float) -> float:
        return max(0.0, (1.0 - _SLACK - self.tokens(key, now)) / self.rate)


class FixedWindow:
    """At most ``limit`` requests in each window of ``seconds``; windows start at multiples of ``seconds``.

    With a wall clock (``time.time``) and 3600 seconds, the windows are the hours of unix time: the
    count starts again at every full hour, whatever was sent in the hour before.

    Args:
        name: What the limit is called (``RateLimiter.hit`` returns it).
        limit: Requests allowed in a window.
        seconds: The window's length.
    """

    def __init__(self, name: str, limit: int, seconds: float) -> None:
        if limit < 1 or seconds <= 0:
            raise ValueError("a fixed window needs a limit of at least 1 and a positive length")
        self.name, self.limit, self.seconds = name, limit, seconds
        self._state: dict[str, tuple[float, int]] = {}  # key -> (start of its window, requests counted in it)

    def __repr__(self) -> str:
        return f"FixedWindow({self.name!r}, {self.limit}, {self.seconds:g})"

    def window_start(self, now: float) -> float:
        """Where the window holding ``now`` starts."""
        return math.floor(now / self.seconds) * self.seconds

    def used(self, key: str, now: float) -> int:
        """Requests ``key`` has sent in the window holding ``now``."""
        start, count = self._state.get(key, (math.nan, 0))
        return count if start == self.window_start(now) else 0

    def remaining(self, key: str, now: float) -> int:
        """Requests ``key`` may still send in the window holding ``now``."""
        return max(0, self.limit - self.used(key, now))

    def resets_at(self, now: float) -> float:
        """When the window holding ``now`` ends (and the count starts again)."""
        return self.window_start(now) + self.seconds

    def refuses(self, key: str, now: float) -> bool:
        return self.used(key, now) >= self.limit

    def spend(self, key: str, now: float) -> None:
        self._state[key] = (self.window_start(now), self.used(key, now) + 1)

    def retry_after(self, key: str, now: float) -> float:
        return self.resets_at(now) - now if self.refuses(key, now) else 0.0


class RateLimiter:
    """Applies every limit to each request of a key; thread-safe.

    Args:
        limits: The limits, in the order they are checked: ``hit`` names the first that refuses.
        clock: Seconds, monotonic; tests pass a fake clock to move time on.
    """

    def __init__(self, limits: Iterable[Limit], clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = list(limits)
        if not self.limits:
            raise ValueError("a rate limiter needs at least one limit")
        names = [limit.name for limit in self.limits]
        if len(set(names)) != len(names):
            raise ValueError(f"limit names must differ, got {names}")
        self.clock = clock
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RateLimiter({self.limits!r})"

    def __getitem__(self, name: str) -> Limit:
        for limit in self.limits:
            if limit.name == name:
                return limit
        raise KeyError(name)

    def hit(self, key: str) -> str | None:
        """Count one request for ``key``; return the name of the limit that refuses it, if any."""
        with self._lock:
            now = self.clock()
            for limit in self.limits:
                if limit.refuses(key, now):
                    return limit.name
            for limit in self.limits:
                limit.spend(key, now)
            return None

    def retry_after(self, key: str, name: str) -> int:
        """Whole seconds (at least 1) until the limit ``name`` lets ``key`` through again."""
        with self._lock:
            wait = self[name].retry_after(key, self.clock())
        return max(1, math.floor(wait) + 1) if wait > 0 else 1
