"""smexplore: explore the scheduling data of ServiceM8, Ruddr, Accelo and Syncd as typed pandas DataFrames.

>>> import smexplore as sm
>>> s = sm.demo()                      # or sm.connect() with SERVICEM8_API_KEY set
>>> s.activities(enrich=True)          # bookings and recorded time, one row each
"""

from . import accelo, ruddr, servicem8, syncd
from .core.errors import (
    APIError,
    AuthenticationError,
    CacheError,
    CacheMissError,
    ClientBudgetError,
    ClientLimitError,
    FilterError,
    ForbiddenError,
    IncompleteResultError,
    InputError,
    LocalStateError,
    NotFoundError,
    RateLimitError,
    ReadOnlyError,
    ServerError,
    ServerRateLimitError,
    SMExploreError,
    StoreError,
    SyncRefusedError,
    UnknownFieldError,
    UnknownResourceError,
    ValidationError,
)
from .core.filters.expr import Expr, F, parse_filter
from .core.filters.plan import Plan
from .core.load import free_capacity, load, utilisation
from .core.spans import overlaps, spans
from .core.timeline import normalise
from .plots import plot_load, plot_utilisation, timeline  # cheap: matplotlib is imported when the first plot is drawn
from .servicem8 import CacheInfo, Session, Settings, connect, demo

__version__ = "0.5.0"  # CHANGELOG.md; pyproject.toml reads it from here

# Tracebacks and reprs name the public face (``smexplore.FilterError``), not the module inside.
for _error in (APIError, AuthenticationError, CacheError, CacheMissError, ClientBudgetError, ClientLimitError,
               FilterError, ForbiddenError, IncompleteResultError, InputError, LocalStateError, NotFoundError,
               RateLimitError, ReadOnlyError, ServerError, ServerRateLimitError, SMExploreError, StoreError,
               SyncRefusedError, UnknownFieldError, UnknownResourceError, ValidationError):
    _error.__module__ = __name__
del _error


def __getattr__(name: str) -> object:
    # The widgets load ipywidgets: imported on first use, so scripts that never use them stay lean.
    if name in ("Explorer", "FilterBuilder"):
        from . import widgets

        return getattr(widgets, name)
    if name in ("Board", "BoardModel"):  # the board loads anywidget and ipywidgets: likewise
        from . import board

        return getattr(board, name)
    raise AttributeError(f"module 'smexplore' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "APIError",
    "AuthenticationError",
    "Board",
    "BoardModel",
    "CacheError",
    "CacheInfo",
    "CacheMissError",
    "ClientBudgetError",
    "ClientLimitError",
    "Explorer",
    "Expr",
    "F",
    "FilterBuilder",
    "FilterError",
    "ForbiddenError",
    "IncompleteResultError",
    "InputError",
    "LocalStateError",
    "NotFoundError",
    "Plan",
    "RateLimitError",
    "ReadOnlyError",
    "SMExploreError",
    "ServerError",
    "ServerRateLimitError",
    "Session",
    "Settings",
    "StoreError",
    "SyncRefusedError",
    "UnknownFieldError",
    "UnknownResourceError",
    "ValidationError",
    "__version__",
    "accelo",
    "connect",
    "demo",
    "free_capacity",
    "load",
    "normalise",
    "overlaps",
    "parse_filter",
    "plot_load",
    "plot_utilisation",
    "ruddr",
    "servicem8",
    "spans",
    "syncd",
    "timeline",
    "utilisation",
]
