"""The exception family: everything smexplore raises on purpose derives from ``SMExploreError``.

Messages say what happened and what to do; they never contain an API key or token.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from .redact import redact

__all__ = [
    "APIError",
    "AuthenticationError",
    "CacheError",
    "CacheMissError",
    "FilterError",
    "ForbiddenError",
    "IncompleteResultError",
    "NotFoundError",
    "RateLimitError",
    "ReadOnlyError",
    "SMExploreError",
    "StoreError",
    "SyncRefusedError",
    "UnknownFieldError",
    "UnknownResourceError",
    "ValidationError",
    "did_you_mean",
]


def did_you_mean(name: str, valid: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``valid`` to ``name``, or ``""`` if none is close."""
    close = difflib.get_close_matches(name, list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class SMExploreError(Exception):
    """Base class of every error smexplore raises on purpose.

    Its message never holds a secret of a live Session's credentials, even one a server echoed
    (``core.redact``).
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(arg) if isinstance(arg, str) else arg for arg in args))


class AuthenticationError(SMExploreError):
    """The API refused the credentials (HTTP 401), or none were given."""


class ForbiddenError(SMExploreError):
    """The credentials lack the OAuth scope this request needs (HTTP 403)."""


class NotFoundError(SMExploreError, LookupError):
    """The record does not exist (HTTP 404)."""


class RateLimitError(SMExploreError):
    """The API kept answering 429, or the client-side daily budget is spent."""


class APIError(SMExploreError):
    """The API answered with an error that retrying did not cure (4xx other than the above, 5xx).

    Attributes:
        status: The HTTP status, or ``None`` when no answer came (connection failures).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class IncompleteResultError(SMExploreError):
    """A multi-page pull could not be completed; no partial DataFrame is returned."""


class CacheMissError(SMExploreError):
    """The session is offline and the answer is not in the cache."""


class StoreError(SMExploreError):
    """The local store does not hold what was asked for (never synced), or cannot be read or written;
    the message names the folder and what to do."""


class SyncRefusedError(StoreError):
    """A sync refused to store an answer that looks like a failure (a resource emptied, or more than
    halved, by one full pull); that resource's file is left as it was.

    Attributes:
        summary: The sync's summary frame (its ``note`` column says which were refused and why).
    """

    def __init__(self, message: str, summary: object = None) -> None:
        super().__init__(message)
        self.summary = summary


class CacheError(SMExploreError):
    """The cache file cannot be used (a folder that cannot be made, a file that cannot be opened or
    repaired); the message names the file and what to do."""


class FilterError(SMExploreError, ValueError):
    """A filter is malformed or does not fit the resource; raised before any request is sent.

    Attributes:
        position: Offset into the filter text where the problem is, when known.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class UnknownResourceError(SMExploreError, LookupError):
    """No such resource; the message names the supported ones."""

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


class UnknownFieldError(FilterError, LookupError):
    """No such field on the resource; the message names the valid ones and suggests the closest."""


class ValidationError(SMExploreError, ValueError):
    """A value to write does not fit its field (type, read-only, range); nothing was sent."""


class ReadOnlyError(SMExploreError):
    """A write on a session opened without ``writable=True``; nothing was sent."""
