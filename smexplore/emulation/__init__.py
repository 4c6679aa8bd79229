"""The shared emulator framework: what every system's emulator is built on.

- ``server``: ``EmulatorServer``, the runner (a background thread or the foreground, ``base_url``
  from the API's path prefix, a context manager);
- ``wsgi``: ``EmulatorApp``, the WSGI skeleton (500 guard, request log with secrets redacted,
  faults before the answer, spoiled bodies) and ``json_response``;
- ``auth``: bearer tokens, HTTP Basic credentials and credential ids; ``body``: the safe JSON body reader;
- ``limits``: ``RateLimiter`` over named ``SlidingWindow``, ``TokenBucket`` and ``FixedWindow`` limits;
- ``link``: ``Link``, the modelled link (a latency before each answer's first byte, a bandwidth cap
  on its body) every ``EmulatorServer`` carries its answers over;
- ``faults``: ``Faults``, the misbehaviour plan (a link is not a fault); ``log``: ``RequestLog``;
- ``paging``: id-cursor pages (``startingAfter`` / ``endingBefore``);
- ``synth``: the shared "now" (``ANCHOR``), seeded ids and wire timestamps (ISO 8601, unix seconds).

Only the modules without werkzeug are imported here; import ``server``, ``wsgi`` and ``body``
from their modules.
"""

from .faults import Fault, Faults
from .limits import FixedWindow, RateLimiter, SlidingWindow, TokenBucket
from .link import Link
from .log import LoggedRequest, RequestLog
from .synth import ANCHOR

__all__ = ["ANCHOR", "Fault", "Faults", "FixedWindow", "Link", "LoggedRequest", "RateLimiter", "RequestLog",
           "SlidingWindow", "TokenBucket"]
