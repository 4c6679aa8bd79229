"""Accelo (formerly AffinityLive): a deployment's jobs, staff, logged time and tasks, read into DataFrames.

``connect()`` opens a deployment with a service application's client id and secret (OAuth 2.0
client credentials, tokens renewed as they expire) or a bearer token; ``demo()`` the embedded
emulator's synthetic agency (``smexplore.accelo.emulator``). Filters are expressions or Accelo's
own ``_filters`` text; what Accelo runs exactly is sent as ``_filters``. Importing the package
registers its frames with ``sm.normalise``.
"""

from . import normalise as normalise  # registers its normalisers with smexplore.core.timeline
from .session import Session, Settings, connect, demo

__all__ = ["Session", "Settings", "connect", "demo"]
