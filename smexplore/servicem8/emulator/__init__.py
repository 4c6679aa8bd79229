"""An embedded ServiceM8 API emulator over a deterministic synthetic account.

``Emulator`` serves the ServiceM8 REST API (``/api_1.0``) over real HTTP on loopback, every record
list of the vendor's spec and the operations the spec gives each: auth (``X-Api-Key`` or OAuth
bearer tokens with scopes), ``$filter``, ``$orderby`` and ``$top``, cursor paging, rate limits,
soft deletes and injectable faults. ``build_account`` makes the synthetic trades business it serves.
"""

from ...emulation.faults import Fault, Faults
from ...emulation.link import Link
from ...emulation.log import LoggedRequest, RequestLog
from .app import ServiceM8App
from .server import DEMO_API_KEY, Emulator
from .synth import ANCHOR, SCALES, Account, build_account

__all__ = [
    "ANCHOR",
    "Account",
    "DEMO_API_KEY",
    "Emulator",
    "Fault",
    "Faults",
    "Link",
    "LoggedRequest",
    "RequestLog",
    "SCALES",
    "ServiceM8App",
    "build_account",
]
