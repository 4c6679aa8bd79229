"""Per-credential rate limits, as ServiceM8 applies them (180 per minute, 20,000 per day)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Literal

__all__ = ["MSG_PER_DAY", "MSG_PER_MINUTE", "RateLimiter"]

MSG_PER_MINUTE = "Number of allowed API requests per minute exceeded"
MSG_PER_DAY = "Number of allowed API requests per day exceeded"


class RateLimiter:
    """Sliding-window counters per credential: requests in the last 60 s and the last 24 h.

    Refused requests are not counted, so a client that waits gets through again.

    Args:
        per_minute: Requests allowed in any 60 seconds.
        per_day: Requests allowed in any 24 hours.
        clock: Seconds, monotonic; tests pass a fake clock to move time on.
    """

    def __init__(self, per_minute: int = 180, per_day: int = 20_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.per_day = per_day
        self.clock = clock
        self._lock = threading.Lock()
        self._minute: dict[str, deque[float]] = defaultdict(deque)
        self._day: dict[str, deque[float]] = defaultdict(deque)

    def hit(self, credential_id: str) -> Literal["minute", "day"] | None:
        """Count one request for ``credential_id``; return which limit refuses it, if any."""
        with self._lock:
            now = self.clock()
            minute, day = self._minute[credential_id], self._day[credential_id]
            while day and day[0] <= now - 86_400:
                day.popleft()
            while minute and minute[0] <= now - 60:
                minute.popleft()
            if len(day) >= self.per_day:
                return "day"
            if len(minute) >= self.per_minute:
                return "minute"
            minute.append(now)
            day.append(now)
            return None

    def retry_after(self, credential_id: str, limit: Literal["minute", "day"]) -> int:
        """Whole seconds until ``limit`` lets ``credential_id`` through again."""
        with self._lock:
            window, oldest = (60, self._minute[credential_id]) if limit == "minute" else (86_400, self._day[credential_id])
            if not oldest:
                return 1
            return max(1, int(oldest[0] + window - self.clock()) + 1)
