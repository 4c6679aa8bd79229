"""The exception family: everything smexplore raises on purpose derives from ``SMExploreError``.

Messages say what happened and what to do; they never contain a key, token or password (not even
one a server echoed: ``core.redact``). Every error has ``status``: the HTTP status of the answer it
came from, or ``None`` (no answer: a broken connection, a client-side limit, bad input, the cache).
The tree, by what went wrong (catch a middle class to handle a family)::

    SMExploreError
    ├── ServerError ............... the server refused or failed (an answer came, or none did)
    │   ├── AuthenticationError ... 401/423: the credentials are refused (or none are given)
    │   ├── ForbiddenError ........ 403: the credentials lack a scope or a permission
    │   ├── NotFoundError ......... 404: no such record (also a LookupError)
    │   ├── APIError .............. any other error answer, or 5xx past the retry budget
    │   ├── IncompleteResultError . a later page failed, or the pages do not fit together
    │   └── ServerRateLimitError .. 429 answers past the retry budget (also a RateLimitError)
    ├── ClientLimitError .......... the client's own limits stop the request before it is sent
    │   └── ClientBudgetError ..... the request budget (per second … per day) is spent (also a RateLimitError)
    ├── RateLimitError ............ either rate limit: the server's 429s, or the client's budget
    ├── InputError ................ bad input: nothing was sent (also a ValueError)
    │   ├── FilterError ........... a malformed filter, or one that does not fit (``position``)
    │   │   └── UnknownFieldError . no such field (also a LookupError)
    │   ├── UnknownResourceError .. no such resource (also a LookupError)
    │   └── ValidationError ....... a value to write does not fit its field
    ├── ReadOnlyError ............. a write on a read-only Session (nothing sent)
    └── LocalStateError ........... the cache or the store cannot answer
        ├── CacheError ............ the cache file cannot be used
        ├── CacheMissError ........ offline, and the cache lacks the answer
        └── StoreError ............ the store lacks what was asked, or cannot be read or written
            └── SyncRefusedError .. a sync refused an answer that looks like a failure (``summary``)

A ``FilterError`` the server raised (HTTP 400 to a filter) keeps its ``status``.
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
    "ClientBudgetError",
    "ClientLimitError",
    "FilterError",
    "ForbiddenError",
    "IncompleteResultError",
    "InputError",
    "LocalStateError",
    "NotFoundError",
    "RateLimitError",
    "ReadOnlyError",
    "SMExploreError",
    "ServerError",
    "ServerRateLimitError",
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

    Attributes:
        status: The HTTP status of the answer the error came from (``None``: no answer).
    """

    def __init__(self, *args: object, status: int | None = None) -> None:
        super().__init__(*(redact(arg) if isinstance(arg, str) else arg for arg in args))
        self.status = status


# --- the server refused or failed ----------------------------------------------------------------
class ServerError(SMExploreError):
    """The server refused the request or failed to answer it (``status`` says how, where an answer came)."""


class AuthenticationError(ServerError):
    """The API refused the credentials (HTTP 401, or 423 for a locked account), or none were given."""


class ForbiddenError(ServerError):
    """The credentials lack the OAuth scope, or the permission, this request needs (HTTP 403)."""


class NotFoundError(ServerError, LookupError):
    """The record does not exist (HTTP 404)."""


class APIError(ServerError):
    """The API answered with an error that retrying did not cure (4xx other than the above, 5xx), or
    an answer that cannot be read as data.

    ``status`` is the HTTP status, or ``None`` when no answer came (connection failures); it may
    also be given as the second argument (``APIError(message, 500)``).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message, status=status)


class IncompleteResultError(ServerError):
    """A multi-page pull could not be completed; no partial DataFrame is returned."""


class RateLimitError(SMExploreError):
    """A rate limit stopped the request: the API kept answering 429 (``ServerRateLimitError``), or the
    client-side budget is spent (``ClientBudgetError``). Catch this to handle both."""


class ServerRateLimitError(RateLimitError, ServerError):
    """The API kept answering 429 (or said its limit is spent for longer than a request may wait)."""


# --- the client's own limits -----------------------------------------------------------------------
class ClientLimitError(SMExploreError):
    """A limit the client keeps stopped the request before it was sent."""


class ClientBudgetError(RateLimitError, ClientLimitError):
    """The client-side request budget (per second, minute, hour or day) is spent for longer than a
    request may wait; cached answers still work."""


# --- bad input: nothing was sent ---------------------------------------------------------------------
class InputError(SMExploreError, ValueError):
    """An argument does not fit (a filter, a resource, a value to write); nothing was sent."""


class FilterError(InputError):
    """A filter is malformed or does not fit the resource; raised before any request is sent (or by
    the server: an HTTP 400 to the filter sent, ``status`` 400).

    Attributes:
        position: Offset into the filter text where the problem is, when known.
    """

    def __init__(self, message: str, position: int | None = None, *, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.position = position


class UnknownResourceError(InputError, LookupError):
    """No such resource; the message names the supported ones."""

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


class UnknownFieldError(FilterError, LookupError):
    """No such field on the resource; the message names the valid ones and suggests the closest."""


class ValidationError(InputError):
    """A value to write does not fit its field (type, read-only, range); nothing was sent."""


class ReadOnlyError(SMExploreError):
    """A write on a session opened without ``writable=True``; nothing was sent."""


# --- the cache and the store -------------------------------------------------------------------------
class LocalStateError(SMExploreError):
    """The local cache or store cannot answer what was asked."""


class CacheMissError(LocalStateError):
    """The session is offline and the answer is not in the cache."""


class CacheError(LocalStateError):
    """The cache file cannot be used (a folder that cannot be made, a file that cannot be opened or
    repaired); the message names the file and what to do."""


class StoreError(LocalStateError):
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
