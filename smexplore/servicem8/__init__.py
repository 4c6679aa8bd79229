"""ServiceM8: its resources (from the vendor's spec), the ``$filter`` dialect, writes, the Session
and its emulator. ``smexplore.connect`` and ``smexplore.demo`` are this package's."""

from . import normalise as normalise  # registers its normalisers with smexplore.core.timeline
from .session import CacheInfo, Session, Settings, connect, demo

__all__ = ["CacheInfo", "Session", "Settings", "connect", "demo"]
