"""An embedded Ruddr API emulator over a deterministic synthetic consultancy.

``RuddrEmulator`` serves Ruddr's REST API (``/api/workspace``) over real HTTP on loopback,
read-only: Bearer auth (401, and 423 when API access is off), list endpoints with the
``{"results": [...], "hasMore": bool}`` envelope, id cursors (``startingAfter`` /
``endingBefore``, ``limit`` 1 to 100, newest ``createdAt`` first), each list's filters, one record
by id, the workspace's rate limit (20 a second, bursts of 60) and injectable faults.
``build_workspace`` makes the workspace it serves; ``smexplore.ruddr.allocation_hours`` is the
rule its ``totalHours`` follow.

Documented facts followed (``shared/reference/other-systems.md`` §A, the Ruddr docs):
paths, the envelope, the cursors, the order, ``limit`` 1..100 (default 10), the filter grammar,
the error body ``{"status", "message"}`` with the documented 401, 423 and 429 messages,
"Parameter 'id' is not a valid UUID." for a malformed id, the allocation object's 24 fields,
dates ``YYYY-MM-DD``, timestamps with milliseconds, and ``totalHours`` over working days.

Decided here, where the documents are silent:
- filters beyond those seen in clients (``resourceTypeId``, ``resourcePlaceholderId`` and every
  suffix of the ``start``/``end``/``date`` families; ``name…`` on placeholders; ``projectId``
  on tasks) follow the documented grammar; unknown parameters are ignored (``reject_unknown``
  refuses them); a parameter given twice, both cursors at once, a ``limit`` outside 1..100, a
  cursor naming no record, and malformed uuids, enums and dates are 400s that name the parameter;
- ``…Contains``/``…StartsWith``/``…EndsWith`` ignore case, the bare name matches exactly;
- a cursor keeps its place even when its record does not match the filter (keyset paging);
- the list returns the read-only allocations of holidays and of time off recorded as time entries;
- 404 answers "The resource or endpoint does not exist."; other methods are 405 (read-only);
- the rate limit is a token bucket per workspace, shared by all keys; 401s are not counted;
  no ``Retry-After`` unless ``retry_after=True``;
- numbers are JSON numbers as JavaScript writes them (``8``, ``6.5``), hours rounded to cents.
"""

from ...emulation.faults import Fault, Faults
from ...emulation.log import LoggedRequest, RequestLog
from .app import API_PREFIX, RuddrApp
from .server import DEMO_TOKEN, RuddrEmulator
from .synth import SCALES, build_workspace
from .workspace import ANCHOR, RESOURCES, Workspace

__all__ = [
    "ANCHOR",
    "API_PREFIX",
    "DEMO_TOKEN",
    "Fault",
    "Faults",
    "LoggedRequest",
    "RESOURCES",
    "RequestLog",
    "RuddrApp",
    "RuddrEmulator",
    "SCALES",
    "Workspace",
    "build_workspace",
]
