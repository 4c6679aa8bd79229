"""The HTTP cache: a requests-cache SQLite cache that never stores credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from requests_cache import DEFAULT_IGNORED_PARAMS, CachedSession

__all__ = ["AUTH_HEADERS", "make_cached_session"]

# The headers that carry credentials: never part of a cache key, redacted from stored requests.
AUTH_HEADERS = ("X-Api-Key", "Authorization")


def make_cached_session(path: Path, expire_after: Any) -> CachedSession:
    """A requests-cache session on the SQLite file ``path`` (write-ahead logging on).

    Credentials are appended to requests-cache's own ignored parameters (never replacing them),
    so they are neither part of any cache key nor stored with the cached request.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    return CachedSession(
        cache_name=str(path),
        backend="sqlite",
        wal=True,
        expire_after=expire_after,
        allowable_methods=("GET",),
        allowable_codes=(200,),
        ignored_parameters=[*DEFAULT_IGNORED_PARAMS, *AUTH_HEADERS],
    )
