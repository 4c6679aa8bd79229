"""The modelled link between a client and an emulator: a latency and a bandwidth cap.

On loopback a request costs almost nothing; a real account is 50–300 ms away. ``Link`` carries
each answer as a far-away server's would arrive: it waits ``latency_ms`` before the first byte (the
headers), then writes the body in chunks paced to ``bandwidth_kbps``. It does so in the request's own
thread (werkzeug's threaded server gives each connection one), so requests in flight wait
independently of each other. The link is not a fault: ``Faults.clear()`` leaves it as it is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Link", "WSGIApp"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_BYTES_PER_KILOBIT = 125  # 1 kbit/s = 1,000 bits/s, as links are rated
_TICKS_PER_SECOND = 100  # the body is paced in chunks of about 10 ms of the link's rate …
_SMALLEST_CHUNK = 256  # … but never smaller than this many bytes


def _number(value: object) -> float | None:
    """``value`` as a finite float, or ``None`` if it is no number (``True`` is none)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _written(number: float, grouped: bool = False) -> str:
    """``number`` as people write it: no exponent, no ``.0`` (``20,000`` when ``grouped``)."""
    if number.is_integer():
        return f"{number:,.0f}" if grouped else f"{number:.0f}"
    return f"{number:,}" if grouped else f"{number}"


@dataclass(frozen=True)
class Link:
    """How far away the emulator seems: the wait before each answer and the rate of its body.

    Args:
        latency_ms: Milliseconds each answer waits before its first byte (0: loopback). It is the
            round trip a client sees before the headers, per request, whatever else is in flight.
        bandwidth_kbps: Kilobits per second (1 kbit = 1,000 bits) each answer's body is sent at,
            at most, per connection (``None``: as fast as loopback goes).

    Raises:
        ValueError: ``latency_ms`` is negative or no finite number, or ``bandwidth_kbps`` is not a
            finite number above 0 (nor ``None``).
    """

    latency_ms: float = 0.0
    bandwidth_kbps: float | None = None

    def __post_init__(self) -> None:
        latency = _number(self.latency_ms)
        if latency is None or latency < 0:
            raise ValueError(f"latency_ms is the milliseconds each answer waits before its first byte: a number, "
                             f"0 or more; got {self.latency_ms!r}")
        bandwidth = None if self.bandwidth_kbps is None else _number(self.bandwidth_kbps)
        if self.bandwidth_kbps is not None and (bandwidth is None or bandwidth <= 0):
            raise ValueError(f"bandwidth_kbps is the kilobits per second an answer's body is sent at: a number "
                             f"above 0, or None for no cap; got {self.bandwidth_kbps!r}")
        object.__setattr__(self, "latency_ms", latency)
        object.__setattr__(self, "bandwidth_kbps", bandwidth)

    @property
    def loopback(self) -> bool:
        """Whether the link adds nothing (no latency, no cap)."""
        return self.latency_ms == 0 and self.bandwidth_kbps is None

    def describe(self) -> str:
        """The link for an emulator's ``repr`` (``latency=100ms bandwidth=2000kbps``; ``""`` on loopback)."""
        parts = [f"latency={_written(self.latency_ms)}ms" if self.latency_ms else "",
                 f"bandwidth={_written(self.bandwidth_kbps)}kbps" if self.bandwidth_kbps is not None else ""]
        return " ".join(filter(None, parts))

    def __str__(self) -> str:
        """In words, for people: ``100 ms latency, 2,000 kbps`` (``loopback`` when it adds nothing)."""
        parts = [f"{_written(self.latency_ms, True)} ms latency" if self.latency_ms else "",
                 f"{_written(self.bandwidth_kbps, True)} kbps" if self.bandwidth_kbps is not None else ""]
        return ", ".join(filter(None, parts)) or "loopback"

    def carry(self, app: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """``app``'s answer to one request, as it arrives over this link (call it from the request's thread)."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        body = app(environ, start_response)
        if self.bandwidth_kbps is None:
            return body
        return self._paced(body, self.bandwidth_kbps * _BYTES_PER_KILOBIT)

    @staticmethod
    def _paced(body: Iterable[bytes], rate: float) -> Iterator[bytes]:
        """``body`` in chunks, each let out once the link could have carried it at ``rate`` bytes a second.

        The headers go out first (an empty write sends them); the whole body then takes at least
        its size over the rate.
        """
        step = max(_SMALLEST_CHUNK, int(rate / _TICKS_PER_SECOND))
        try:
            yield b""
            started, sent = time.monotonic(), 0
            for block in body:
                for offset in range(0, len(block), step):
                    chunk = block[offset:offset + step]
                    sent += len(chunk)
                    wait = started + sent / rate - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                    yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
