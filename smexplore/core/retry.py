"""The retry policy: what is retried, how long to wait, when to give up (the loop is ``Transport._exchange``).

Retries are our own loop rather than urllib3's ``Retry`` on the adapter because the policy needs
three things ``Retry`` lacks: a backoff base of 1.5 (the vendor SDK's), a total time budget, and
every retried attempt passing through the request budget (``limits``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import requests

__all__ = ["RETRY_STATUSES", "TRANSIENT_ERRORS", "RetryPolicy", "attempts", "reset_wait"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses retried (429 always; the others only for requests safe to repeat)."""
TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
"""Failures of the connection itself, retried for requests safe to repeat."""


@dataclass(frozen=True)
class RetryPolicy:
    """How 429 and 5xx answers (and broken connections or bodies) are retried.

    Waits grow ``start × factor**attempt`` up to ``cap`` seconds; a ``Retry-After`` header wins.
    Retrying stops once the next wait would pass ``budget`` seconds since the first attempt
    (``connect(retry_budget=...)``).

    Raises:
        ValueError: A wait or budget that is no finite number of seconds at least 0, or a
            ``factor`` below 1.
    """

    start: float = 0.5
    factor: float = 1.5
    cap: float = 60.0
    budget: float = 120.0

    def __post_init__(self) -> None:
        for name in ("start", "factor", "cap", "budget"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value < (1 if name == "factor" else 0):
                what = "retry_budget" if name == "budget" else name
                raise ValueError(f"{what} must be a finite number{' of seconds' if name != 'factor' else ''} "
                                 f"at least {1 if name == 'factor' else 0}; got {value!r}")

    def delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                pass  # an HTTP date: fall back to backoff
        return min(self.cap, self.start * self.factor**attempt)


def reset_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds until ``X-RateLimit-Reset`` (a unix time, or seconds from now when small), if the answer says."""
    value = headers.get("X-RateLimit-Reset")
    try:
        reset = float(value) if value else None
    except ValueError:
        return None
    if reset is None or not math.isfinite(reset):
        return None
    return max(0.0, reset - now if reset > 1e9 else reset)


def attempts(count: int) -> str:
    return f"{count} attempt{'' if count == 1 else 's'}"
