"""smexplore: explore ServiceM8 scheduling data as typed pandas DataFrames.

>>> import smexplore as sm
>>> s = sm.demo()                      # or sm.connect() with SERVICEM8_API_KEY set
>>> s.activities(enrich=True)          # bookings and recorded time, one row each
"""

from ._errors import (
    APIError,
    AuthenticationError,
    CacheMissError,
    FilterError,
    ForbiddenError,
    IncompleteResultError,
    NotFoundError,
    RateLimitError,
    ReadOnlyError,
    SMExploreError,
    UnknownFieldError,
    UnknownResourceError,
    ValidationError,
)
from ._session import CacheInfo, Session, Settings, connect, demo
from ._spans import overlaps, spans, utilisation
from .plots import plot_utilisation, timeline

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AuthenticationError",
    "CacheInfo",
    "CacheMissError",
    "FilterError",
    "ForbiddenError",
    "IncompleteResultError",
    "NotFoundError",
    "RateLimitError",
    "ReadOnlyError",
    "SMExploreError",
    "Session",
    "Settings",
    "UnknownFieldError",
    "UnknownResourceError",
    "ValidationError",
    "__version__",
    "connect",
    "demo",
    "overlaps",
    "plot_utilisation",
    "spans",
    "timeline",
    "utilisation",
]
