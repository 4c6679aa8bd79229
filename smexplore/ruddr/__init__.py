"""Ruddr (ruddr.io): resource allocations, members, projects and time entries, read into DataFrames.

``connect()`` opens a workspace with its API key, ``demo()`` the embedded emulator's synthetic
consultancy (``smexplore.ruddr.emulator``); ``smexplore.ruddr.allocation_hours`` is the rule that
spreads an allocation's hours over its dates, ``smexplore.ruddr.capacity`` utilisation against
capacity and targets. Importing the package registers its frames with ``sm.normalise``.
"""

from . import normalise as normalise  # registers its normalisers with smexplore.core.timeline
from .session import Session, Settings, connect, demo

__all__ = ["Session", "Settings", "connect", "demo"]
