"""The shared emulator framework: faults, rate limits, the request log and the server runner."""

from .faults import Fault, Faults
from .log import LoggedRequest, RequestLog

__all__ = ["Fault", "Faults", "LoggedRequest", "RequestLog"]
