"""Fault injection: the ways a real API misbehaves, on demand, for reliability tests."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Fault", "Faults"]

FaultKind = Literal["error", "rate_limit", "truncate", "cut_connection", "pass"]


@dataclass(frozen=True)
class Fault:
    """One injected fault.

    Attributes:
        kind: ``error`` (a 5xx answer), ``rate_limit`` (a 429), ``truncate`` (a 200 whose JSON or XML
            body is cut short) or ``cut_connection`` (a 200 that promises the whole body in
            ``Content-Length`` and closes the connection half way); ``pass`` lets one request
            through untouched (to aim a later fault at, say, the third page).
        status: The status for ``error`` (500 or 503, say).
    """

    kind: FaultKind
    status: int = 500


@dataclass
class Faults:
    """What an emulator does wrong, and how often. Thread-safe; change it while serving.

    Random faults draw from their own seeded stream, so a run is repeatable.

    Attributes:
        error_rate: Share of requests answered with a 5xx (picked from ``error_statuses``).
        error_statuses: The 5xx statuses to pick from.
        truncate_rate: Share of successful list answers whose body is cut short.
        latency: Seconds the server stalls before each answer it applies to (``only_paths``): a
            slow server, a fault that ``clear()`` ends. How far away the server is, is its link
            (the emulator's ``latency_ms``, see ``emulation.link``), which is no fault.
        seed: Seed of the random stream.
        only_paths: If set, faults apply only to requests whose path contains one of these.
    """

    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    truncate_rate: float = 0.0
    latency: float = 0.0
    seed: int = 0
    only_paths: tuple[str, ...] = ()
    _queue: deque[Fault] = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def fail_next(self, times: int = 1, status: int = 500, *, after: int = 0) -> None:
        """Answer ``times`` requests with ``status`` (a 5xx), once ``after`` more have gone through."""
        self._push(Fault("pass"), after)
        self._push(Fault("error", status), times)

    def rate_limit_next(self, times: int = 1) -> None:
        """Answer the next ``times`` requests with 429, as a burst of throttling would."""
        self._push(Fault("rate_limit", 429), times)

    def truncate_next(self, times: int = 1) -> None:
        """Cut the body (JSON, XML) of the next ``times`` successful answers short."""
        self._push(Fault("truncate"), times)

    def cut_connection_next(self, times: int = 1) -> None:
        """Close the connection half way through the body of the next ``times`` successful answers."""
        self._push(Fault("cut_connection"), times)

    def clear(self) -> None:
        """Forget queued faults and switch random faults and the stall (``latency``) off; the link stays."""
        with self._lock:
            self._queue.clear()
            self.error_rate = self.truncate_rate = self.latency = 0.0

    def _push(self, fault: Fault, times: int) -> None:
        with self._lock:
            self._queue.extend([fault] * times)

    def applies_to(self, path: str) -> bool:
        return not self.only_paths or any(p in path for p in self.only_paths)

    def before_answer(self) -> Fault | None:
        """The fault for this request before it is answered, if any.

        Each request consumes at most one queued fault: when this returns one (a ``pass``
        included), ``on_body`` must not be asked for the same request. A ``pass`` means: answer
        untouched. An ``error`` or ``rate_limit`` replaces the answer. Body faults at the head of
        the queue are left for ``on_body``.
        """
        with self._lock:
            if self._queue and self._queue[0].kind in ("pass", "error", "rate_limit"):
                return self._queue.popleft()
            if self.error_rate and self._random.random() < self.error_rate:
                return Fault("error", self._random.choice(self.error_statuses))
        return None

    def on_body(self) -> Fault | None:
        """The fault that spoils this successful answer's body, if any.

        Ask only for a request that ``before_answer`` gave no fault (one queued fault per request).
        """
        with self._lock:
            if self._queue and self._queue[0].kind in ("truncate", "cut_connection"):
                return self._queue.popleft()
            if self.truncate_rate and self._random.random() < self.truncate_rate:
                return Fault("truncate")
        return None
