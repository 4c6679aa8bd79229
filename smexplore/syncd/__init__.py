"""Syncd (syncd.com): the XML REST API of a time-tracking system with a job tree, job assignments and time entries.

``connect()`` opens an account with the web login's user name and password (HTTP Basic), ``demo()``
the embedded emulator's synthetic account (``smexplore.syncd.emulator``). Bodies are read by the
core's hardened XML parser (``smexplore.core.xml``); ``smexplore.syncd.tree`` has the job tree's
paths and the assignments resolved down it. Importing the package registers its frames with
``sm.normalise``.
"""

from . import normalise as normalise  # registers its normalisers with smexplore.core.timeline
from .session import Session, Settings, connect, demo

__all__ = ["Session", "Settings", "connect", "demo"]
