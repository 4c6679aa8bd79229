"""A Session's settings: every behaviour flag in one frozen object, and where its files go."""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs

from .limits import Limits
from .retry import RetryPolicy

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_EXPIRE_AFTER", "DEFAULT_TIMEOUT", "Settings", "cache_dir", "store_dir"]

DEFAULT_EXPIRE_AFTER = timedelta(hours=1)
"""How long cached answers stay fresh, unless a Session is told otherwise."""
DEFAULT_TIMEOUT = 60.0
"""Seconds to wait for each answer, unless a Session is told otherwise."""
DEFAULT_CONCURRENCY = 4
"""Pages of one list in flight at most, where the paging allows, unless a Session is told otherwise."""


@dataclass(frozen=True)
class Settings:
    """Every behaviour flag of a Session, in one place (read it as ``session.settings``).

    Each system's ``Settings`` subclass states its own ``limits``; every other default is named
    here once, and each ``connect()`` takes its defaults from these.

    Attributes:
        base_url: The API's base URL.
        cache_dir: Folder of the cache files, or ``None`` when not caching (or the user's
            own session decides).
        expire_after: How long cached answers stay fresh.
        timezone: IANA zone to localise timestamps to; ``None`` keeps them naive account time.
        offline: Serve from the cache only.
        progress: Show progress bars on multi-page pulls where someone watches (Jupyter or a terminal).
        limits: Client-side limits of requests per second, minute, hour and day (``Limits``).
        retry: How 429 and 5xx answers are retried, and for how long (``RetryPolicy``).
        timeout: Seconds to wait for each answer.
        concurrency: Pages of one list in flight at most, where the paging lets them be asked for
            before the page before them is read (ServiceM8's cursor in a header, Accelo's offsets,
            Syncd's item ranges); 1: one after another. Every request still keeps to ``limits``.
        mode: ``"live"`` or ``"demo"``.
        writable: Whether writes are allowed (on systems that have them).
        store_dir: Folder of the local store (see ``store_dir``); ``None``: beside the cache.
        full_sync_after: How old the last full sync may be before ``sync`` makes the next one full
            by itself (``None``: only when asked, ``sync(full=True)``).

    Raises:
        ValueError: A timeout that is no positive number of seconds, a concurrency that is no whole
            number from 1, or an unknown time zone.
    """

    base_url: str = ""
    cache_dir: Path | None = None
    expire_after: Any = DEFAULT_EXPIRE_AFTER
    timezone: str | None = None
    offline: bool = False
    progress: bool = True
    limits: Limits = Limits()
    retry: RetryPolicy = RetryPolicy()
    timeout: float = DEFAULT_TIMEOUT
    concurrency: int = DEFAULT_CONCURRENCY
    mode: str = "live"
    writable: bool = False
    store_dir: Path | None = None
    full_sync_after: timedelta | None = timedelta(days=7)

    def __post_init__(self) -> None:
        if not isinstance(self.limits, Limits):
            raise TypeError(f"limits must be a Limits, not {type(self.limits).__name__}")
        if not isinstance(self.retry, RetryPolicy):
            raise TypeError(f"retry must be a RetryPolicy, not {type(self.retry).__name__}")
        value = self.timeout
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"timeout must be a positive number of seconds; got {value!r}")
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int) or self.concurrency < 1:
            raise ValueError(f"concurrency must be a whole number of pages, at least 1; got {self.concurrency!r}")
        if self.timezone is not None:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
                raise ValueError(f"unknown time zone {self.timezone!r}; give an IANA name such as "
                                 "'Australia/Melbourne'") from None

    @property
    def per_second(self) -> int | None:
        """``limits.per_second``."""
        return self.limits.per_second

    @property
    def per_minute(self) -> int | None:
        """``limits.per_minute``."""
        return self.limits.per_minute

    @property
    def per_hour(self) -> int | None:
        """``limits.per_hour``."""
        return self.limits.per_hour

    @property
    def per_day(self) -> int | None:
        """``limits.per_day``."""
        return self.limits.per_day

    @property
    def retry_budget(self) -> float:
        """Seconds to keep retrying 429 and 5xx answers (``retry.budget``)."""
        return self.retry.budget


def cache_dir(cache: str | Path | bool | None) -> Path | None:
    """The folder of the cache files for ``connect(cache=...)``: ``None``/``True`` → the user cache folder."""
    if cache is False:
        return None
    if cache is None or cache is True:
        return Path(platformdirs.user_cache_dir("smexplore"))
    return Path(cache).expanduser()


def store_dir(store: str | Path | None, cache: str | Path | bool | None) -> Path:
    """The local store's folder for ``connect(store=..., cache=...)``: ``store`` if given; else
    ``store`` inside a cache folder you chose; else the user data folder
    (``platformdirs.user_data_dir("smexplore")/store``), which, unlike the cache folder, no cleaner empties."""
    if store is not None:
        return Path(store).expanduser()
    if cache is not None and not isinstance(cache, bool):
        return Path(cache).expanduser() / "store"
    return Path(platformdirs.user_data_dir("smexplore")) / "store"
